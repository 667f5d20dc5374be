// Device attribute parsing, host checks and the agent stdin text.
#include "fencing/device.h"

#include <gtest/gtest.h>

namespace baton::fencing {
namespace {

AgentMetadata Md(std::set<std::string> params, std::set<std::string> actions) {
  AgentMetadata m;
  m.parameters = std::move(params);
  m.actions = std::move(actions);
  return m;
}

Device Make(std::map<std::string, std::string> params, AgentMetadata md,
            std::string agent = "fence_ipmilan") {
  auto d = ParseDevice("d1", agent, "/usr/sbin/" + agent, std::move(params), std::move(md));
  EXPECT_TRUE(d.ok()) << d.status();
  return *d;
}

const AgentMetadata kIpmi = Md({"ip", "ipport", "plug", "port", "username", "password"},
                               {"on", "off", "reboot", "status", "monitor", "metadata"});

TEST(DeviceTest, StdinMatchesReferenceExample) {
  Device d = Make({{"ip", "127.0.0.1"}, {"ipport", "9633"}, {"username", "admin"}, {"password", "password"},
                   {"lanplus", "1"}, {"cipher", "3"}, {"pcmk_host_list", "node1"}},
                  kIpmi);
  EXPECT_EQ(BuildAgentStdin(d, "reboot", "node1", 1),
            "action=reboot\nnodename=node1\nport=node1\ncipher=3\nip=127.0.0.1\nipport=9633\nlanplus=1\n"
            "password=password\nusername=admin\n");
}

TEST(DeviceTest, HostArgumentRules) {
  AgentMetadata plug_only = Md({"plug", "nodeid"}, {"off", "on", "reboot"});
  Device d = Make({{"pcmk_host_map", "n1:port7"}}, plug_only);
  EXPECT_EQ(BuildAgentStdin(d, "off", "n1", 3), "action=off\nnodename=n1\nnodeid=3\nplug=port7\n");
  Device none = Make({{"pcmk_host_argument", "none"}}, plug_only);
  EXPECT_EQ(BuildAgentStdin(none, "off", "n1", std::nullopt), "action=off\nnodename=n1\n");
  Device own = Make({{"plug", "fixed"}}, plug_only);
  EXPECT_EQ(BuildAgentStdin(own, "off", "n1", std::nullopt), "action=off\nnodename=n1\nplug=fixed\n");
  Device dynamic = Make({{"plug", "dynamic"}}, plug_only);
  EXPECT_EQ(BuildAgentStdin(dynamic, "off", "n1", std::nullopt), "action=off\nnodename=n1\nplug=n1\n");
  Device custom = Make({{"pcmk_host_argument", "uuid"}}, plug_only);
  EXPECT_EQ(BuildAgentStdin(custom, "off", "n1", std::nullopt), "action=off\nnodename=n1\nuuid=n1\n");
  // No port/plug in the metadata (fence_dummy): 2.1.5 still sends port=.
  Device dummy = Make({}, Md({"type"}, {"on", "off", "reboot", "status"}), "fence_dummy");
  EXPECT_EQ(BuildAgentStdin(dummy, "off", "n1", 1), "action=off\nnodename=n1\nport=n1\n");
}

TEST(DeviceTest, FencerKeysAreNotPassedAndOverridesApply) {
  Device d = Make({{"pcmk_reboot_action", "cycle"}, {"pcmk_off_timeout", "30s"}, {"pcmk_off_retries", "5"},
                   {"pcmk_delay_max", "10s"}, {"pcmk_delay_base", "2s"}, {"provides", "unfencing"},
                   {"stonith-timeout", "9"}, {"CRM_meta_timeout", "1"}, {"crm_feature_set", "3"},
                   {"pcmk_action_limit", "2"}, {"ip", "x"}},
                  kIpmi);
  EXPECT_EQ(BuildAgentStdin(d, "reboot", "", std::nullopt), "action=cycle\nip=x\n");
  EXPECT_EQ(ActionTimeoutMs(d, "off", 60000), 30000);
  EXPECT_EQ(ActionTimeoutMs(d, "on", 60000), 60000);
  EXPECT_EQ(ActionRetries(d, "off"), 5);
  EXPECT_EQ(ActionRetries(d, "on"), 2);
}

TEST(DeviceTest, RebootWithoutRebootActionIsOff) {
  Device d = Make({{"pcmk_off_timeout", "7"}}, Md({"port"}, {"on", "off", "status"}));
  EXPECT_EQ(AgentAction(d, "reboot"), "off");
  EXPECT_EQ(ActionTimeoutMs(d, "reboot", 60000), 7000);
}

TEST(DeviceTest, HostListAndMapParsing) {
  EXPECT_EQ(ParseHostList("n1, n2;n3\tn4"), (std::vector<std::string>{"n1", "n2", "n3", "n4"}));
  EXPECT_EQ(ParseHostList("port1,alias1\nport2,alias2\\nON\ninvalid line x\n"),
            (std::vector<std::string>{"port1", "alias1", "port2", "alias2"}));
  auto m = ParseHostMap("n1:1;n2=2 n3:a\\;b");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (std::map<std::string, std::string>{{"n1", "1"}, {"n2", "2"}, {"n3", "a;b"}}));
  EXPECT_FALSE(ParseHostMap("n1").ok());
}

TEST(DeviceTest, DefaultHostCheck) {
  EXPECT_EQ(EffectiveHostCheck(Make({{"pcmk_host_list", "n1"}}, kIpmi)), HostCheck::kStaticList);
  EXPECT_EQ(EffectiveHostCheck(Make({{"pcmk_host_map", "n1:1"}}, kIpmi)), HostCheck::kStaticList);
  EXPECT_EQ(EffectiveHostCheck(Make({}, Md({}, {"list", "status"}))), HostCheck::kDynamicList);
  EXPECT_EQ(EffectiveHostCheck(Make({}, kIpmi)), HostCheck::kStatus);
  EXPECT_EQ(EffectiveHostCheck(Make({}, Md({}, {"off"}))), HostCheck::kNone);
  EXPECT_EQ(EffectiveHostCheck(Make({{"pcmk_host_check", "none"}, {"pcmk_host_list", "n1"}}, kIpmi)),
            HostCheck::kNone);
  EXPECT_FALSE(ParseDevice("d", "fence_x", "", {{"pcmk_host_check", "maybe"}}, kIpmi).ok());
  Device mapped = Make({{"pcmk_host_map", "n2:p2"}, {"pcmk_host_list", "n1"}}, kIpmi);
  EXPECT_TRUE(StaticListHas(mapped, "n1"));
  EXPECT_TRUE(StaticListHas(mapped, "n2"));
  EXPECT_FALSE(StaticListHas(mapped, "n3"));
}

TEST(DeviceTest, TimeoutsUseIntegerParsingAndDelaysUnits) {
  EXPECT_EQ(ParseIntegerSecondsMs("2m"), 2000);  // as Pacemaker's fencer reads it
  EXPECT_EQ(ParseIntegerSecondsMs("90s"), 90000);
  EXPECT_FALSE(ParseIntegerSecondsMs("s").has_value());
  EXPECT_EQ(ParseDurationMs("500ms"), 500);
  EXPECT_EQ(ParseDurationMs("2m"), 120000);
  EXPECT_FALSE(ParseDevice("d", "fence_x", "", {{"pcmk_off_timeout", "soon"}}, kIpmi).ok());
}

TEST(DeviceTest, DelaysBaseMaxAndPerNode) {
  auto fixed = [](int64_t v) { return [v](int64_t n) { return std::min(v, n - 1); }; };
  Device d = Make({{"pcmk_delay_base", "2s"}, {"pcmk_delay_max", "10s"}}, kIpmi);
  EXPECT_EQ(DeviceDelayMs(d, "n1", "off", fixed(0)), 2000);
  EXPECT_EQ(DeviceDelayMs(d, "n1", "reboot", fixed(100000)), 9999);
  EXPECT_EQ(DeviceDelayMs(d, "n1", "on", fixed(5)), 0);
  Device clamp = Make({{"pcmk_delay_base", "20s"}, {"pcmk_delay_max", "10s"}}, kIpmi);
  EXPECT_EQ(DeviceDelayMs(clamp, "n1", "off", fixed(3)), 10000);
  Device per_node = Make({{"pcmk_delay_base", "n1:0s;n2:5s"}}, kIpmi);
  EXPECT_EQ(DeviceDelayMs(per_node, "n2", "off", fixed(0)), 5000);
  EXPECT_EQ(DeviceDelayMs(per_node, "n1", "off", fixed(0)), 0);
}

TEST(DeviceTest, ParsesAgentMetadata) {
  auto md = ParseAgentMetadata(R"(<?xml version="1.0" ?>
<resource-agent name="fence_x"><parameters>
 <parameter name="port" unique="0"/><parameter name="nodeid"/></parameters>
 <actions><action name="on" automatic="0"/><action name="off"/><action name="unfence" on_target="1"/></actions>
</resource-agent>)");
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_TRUE(md->HasParameter("nodeid"));
  EXPECT_TRUE(md->HasAction("off"));
  EXPECT_FALSE(md->HasAction("reboot"));
  EXPECT_EQ(md->on_target, std::set<std::string>{"unfence"});
  EXPECT_FALSE(ParseAgentMetadata("<nope/>").ok());
}

}  // namespace
TEST(DeviceTest, ParametersWithLineBreaksAreRefused) {
  // "x\naction=on" would append an action line of its own to the agent's stdin.
  auto d = ParseDevice("dev", "fence_dummy", "/usr/sbin/fence_dummy", {{"ip", "x\naction=on"}}, AgentMetadata{});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(std::string(d.status().message()).find("'ip'"), std::string::npos);
  d = ParseDevice("dev", "fence_dummy", "/usr/sbin/fence_dummy", {{std::string("a\0b", 3), "1"}}, AgentMetadata{});
  EXPECT_FALSE(d.ok());
  d = ParseDevice("dev", "fence_dummy", "/usr/sbin/fence_dummy", {{"ip", "198.18.0.9"}}, AgentMetadata{});
  EXPECT_TRUE(d.ok()) << d.status();
}

}  // namespace baton::fencing
