// cluster.conf: a full configuration, defaults, and every error a daemon
// must refuse, each naming its line and the offending key or value.
#include "lib/config/cluster_config.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/temp_dir.h"

namespace baton::config {
namespace {

constexpr char kFull[] = R"(# baton cluster configuration
totem {
    version: 2
    cluster_name: prod east
    token: 3000
    heartbeat_interval: 250
    port: 5410
    transport: knet
    secauth: on
    crypto_cipher: aes256
    crypto_hash: sha256
    token_retransmits_before_loss_const: 10
    join: 60
    consensus: 3600
    max_messages: 20
    ip_version: ipv4-6
    link_mode: passive
    interface {
        linknumber: 0
        knet_transport: udp
    }
    interface {
        linknumber: 1
    }
}

logging {
    to_syslog: yes
    logger_subsys {
        subsys: QUORUM
        debug: off
    }
}

nodelist {
    node {
        nodeid: 1
        name: alpha
        ring0_addr: 192.168.1.1
        ring1_addr: fd00::1
    }
    node {
        ring1_addr: fd00::2
        ring0_addr: 192.168.1.2
        name: beta
        nodeid: 2
        quorum_votes: 2
    }
    node {
        nodeid: 3
        name: gamma
        ring0_addr: 192.168.1.3
        ring1_addr: FD00:0::3
    }
}

quorum {
    provider: corosync_votequorum
    wait_for_all: 0
    last_man_standing: yes
    last_man_standing_window: 20000
    auto_tie_breaker: on
    expected_votes: 4
}

system {
    qb_ipc_type: native
}

resources {
}
)";

// Lines 1..7 of every text built by WithNode.
constexpr char kOneNode[] =
    "nodelist {\n"
    "  node {\n"
    "    nodeid: 1\n"
    "    name: n1\n"
    "    ring0_addr: 10.0.0.1\n"
    "  }\n"
    "}\n";

// kOneNode, then `lines` from line 8 on.
std::string WithNode(std::initializer_list<absl::string_view> lines) {
  return absl::StrCat(kOneNode, absl::StrJoin(lines, "\n"), "\n");
}

// A nodelist of the given node bodies (each a list of lines) at line 1: the
// first node opens at line 2, its keys start at line 3.
std::string Nodes(std::initializer_list<std::initializer_list<absl::string_view>> nodes) {
  std::string text = "nodelist {\n";
  for (const auto& node : nodes) {
    absl::StrAppend(&text, "  node {\n    ", absl::StrJoin(node, "\n    "), "\n  }\n");
  }
  return text + "}\n";
}

// Expects an InvalidArgument error that starts "line `line`: " (no prefix
// when line is 0) and contains every part.
::testing::AssertionResult FailsWith(const std::string& text, int line,
                                     std::initializer_list<absl::string_view> parts) {
  auto config = ParseClusterConfig(text);
  if (config.ok()) return ::testing::AssertionFailure() << "parsed:\n" << text;
  absl::string_view message = config.status().message();
  if (config.status().code() != absl::StatusCode::kInvalidArgument) {
    return ::testing::AssertionFailure() << "code of " << config.status();
  }
  if (line != 0 && !absl::StartsWith(message, absl::StrCat("line ", line, ": "))) {
    return ::testing::AssertionFailure() << "not at line " << line << ": " << message;
  }
  if (line == 0 && absl::StartsWith(message, "line ")) {
    return ::testing::AssertionFailure() << "names a line: " << message;
  }
  for (absl::string_view part : parts) {
    if (!absl::StrContains(message, part)) {
      return ::testing::AssertionFailure() << "no \"" << part << "\" in: " << message;
    }
  }
  if (message.find('\n') != absl::string_view::npos) {
    return ::testing::AssertionFailure() << "more than one line: " << message;
  }
  return ::testing::AssertionSuccess();
}

TEST(ClusterConfig, FullExample) {
  auto config = ParseClusterConfig(kFull);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->cluster_name, "prod east");
  EXPECT_EQ(config->token_ms, 3000u);
  EXPECT_EQ(config->heartbeat_interval_ms, 250u);
  EXPECT_EQ(config->port, 5410u);
  ASSERT_EQ(config->nodes.size(), 3u);
  const NodeEntry& alpha = config->nodes[0];
  EXPECT_EQ(alpha.nodeid, 1u);
  EXPECT_EQ(alpha.name, "alpha");
  EXPECT_EQ(alpha.ring_addrs, (std::vector<std::string>{"192.168.1.1", "fd00::1"}));
  EXPECT_EQ(alpha.votes, 1u);
  const NodeEntry& beta = config->nodes[1];
  EXPECT_EQ(beta.nodeid, 2u);
  EXPECT_EQ(beta.name, "beta");
  EXPECT_EQ(beta.ring_addrs, (std::vector<std::string>{"192.168.1.2", "fd00::2"}));
  EXPECT_EQ(beta.votes, 2u);
  EXPECT_EQ(config->nodes[2].name, "gamma");
  EXPECT_EQ(config->nodes[2].ring_addrs[1], "FD00:0::3");  // kept as written
  EXPECT_FALSE(config->two_node);
  EXPECT_EQ(config->wait_for_all, false);
  EXPECT_TRUE(config->last_man_standing);
  EXPECT_EQ(config->last_man_standing_window_ms, 20000u);
  EXPECT_TRUE(config->auto_tie_breaker);
  EXPECT_EQ(config->expected_votes, 4u);
}

TEST(ClusterConfig, Defaults) {
  auto config = ParseClusterConfig(kOneNode);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->cluster_name, "");
  EXPECT_EQ(config->token_ms, 500u);
  EXPECT_EQ(config->heartbeat_interval_ms, 100u);
  EXPECT_EQ(config->port, 5405u);
  ASSERT_EQ(config->nodes.size(), 1u);
  EXPECT_EQ(config->nodes[0].ring_addrs, (std::vector<std::string>{"10.0.0.1"}));
  EXPECT_FALSE(config->two_node);
  EXPECT_FALSE(config->wait_for_all.has_value());
  EXPECT_FALSE(config->last_man_standing);
  EXPECT_EQ(config->last_man_standing_window_ms, 10000u);
  EXPECT_FALSE(config->auto_tie_breaker);
  EXPECT_FALSE(config->expected_votes.has_value());
}

TEST(ClusterConfig, TwoNodeCluster) {
  auto config =
      ParseClusterConfig(absl::StrCat("quorum {\n  provider: votequorum\n  two_node: 1\n}\n",
                                      Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1"},
                                             {"nodeid: 2", "name: b", "ring0_addr: 10.0.0.2"}})));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->two_node);
  EXPECT_EQ(config->nodes.size(), 2u);
}

TEST(ClusterConfig, CommentsAndWhitespace) {
  auto config = ParseClusterConfig(
      "\n# leading comment\r\n"
      "   # indented comment\n"
      "\ttotem{\r\n"
      "\t\ttoken:1000   \r\n"
      "  \theartbeat_interval :   200\n"
      "\n"
      "    cluster_name:   two words  \n"
      "}\r\n"
      "nodelist {\n"
      "   # a node\n"
      "node {\n"
      "nodeid:7\n"
      "name:\tseven\n"
      "ring0_addr:   fe80::1   \n"
      "}\n"
      "}\n"
      "# trailing comment without newline");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->token_ms, 1000u);
  EXPECT_EQ(config->heartbeat_interval_ms, 200u);
  EXPECT_EQ(config->cluster_name, "two words");
  ASSERT_EQ(config->nodes.size(), 1u);
  EXPECT_EQ(config->nodes[0].nodeid, 7u);
  EXPECT_EQ(config->nodes[0].name, "seven");
  EXPECT_EQ(config->nodes[0].ring_addrs[0], "fe80::1");
}

TEST(ClusterConfig, BooleanSpellings) {
  for (auto [text, value] : {std::pair{"1", true},
                             {"yes", true},
                             {"on", true},
                             {"true", true},
                             {"0", false},
                             {"no", false},
                             {"off", false},
                             {"false", false}}) {
    auto config = ParseClusterConfig(WithNode(
        {"quorum {", "  provider: votequorum", absl::StrCat("  wait_for_all: ", text), "}"}));
    ASSERT_TRUE(config.ok()) << text << ": " << config.status();
    EXPECT_EQ(config->wait_for_all, value) << text;
  }
}

// --- syntax ---

TEST(ClusterConfigFormat, RoundTripsEveryField) {
  ClusterConfig c;
  c.cluster_name = "prod";
  c.config_version = 7;
  c.token_ms = 300;
  c.heartbeat_interval_ms = 60;
  c.port = 6405;
  c.nodes = {{1, "alpha", {"198.18.0.1", "198.19.0.1"}, 1}, {4, "beta", {"198.18.0.4", "198.19.0.4"}, 2},
             {9, "gamma", {"198.18.0.9", "198.19.0.9"}, 1}};
  c.wait_for_all = false;
  c.last_man_standing = true;
  c.last_man_standing_window_ms = 20000;
  c.auto_tie_breaker = true;
  c.expected_votes = 5;
  auto back = ParseClusterConfig(FormatClusterConfig(c));
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << FormatClusterConfig(c);
  EXPECT_TRUE(*back == c) << FormatClusterConfig(*back);
}

TEST(ClusterConfigFormat, TwoNodeRoundTrips) {
  ClusterConfig c;
  c.nodes = {{1, "a", {"198.18.0.1"}, 1}, {2, "b", {"198.18.0.2"}, 1}};
  c.two_node = true;
  auto back = ParseClusterConfig(FormatClusterConfig(c));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->two_node);
  EXPECT_FALSE(back->wait_for_all.has_value());
  EXPECT_TRUE(*back == c);
}

TEST(ClusterConfigFormat, QuorumFollowsTheNodelist) {
  ClusterConfig c;
  c.nodes = {{1, "a", {"198.18.0.1"}, 1}, {2, "b", {"198.18.0.2"}, 1}};
  c.expected_votes = 2;
  FitQuorumToNodelist(c);
  EXPECT_TRUE(c.two_node);
  EXPECT_FALSE(c.expected_votes.has_value());
  c.nodes.push_back({3, "c", {"198.18.0.3"}, 1});
  FitQuorumToNodelist(c);
  EXPECT_FALSE(c.two_node);
  EXPECT_TRUE(ParseClusterConfig(FormatClusterConfig(c)).ok());
}

TEST(ClusterConfig, ConfigVersionIsANumber) {
  auto ok = ParseClusterConfig("totem {\n config_version: 12\n}\nnodelist {\n node {\n nodeid: 1\n name: a\n"
                               " ring0_addr: 198.18.0.1\n }\n}\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->config_version, 12u);
  auto bad = ParseClusterConfig("totem {\n config_version: twelve\n}\nnodelist {\n node {\n nodeid: 1\n"
                                " name: a\n ring0_addr: 198.18.0.1\n }\n}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "config_version")) << bad.status();
}

TEST(ClusterConfigErrors, UnbalancedBraces) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  token: 500", "}", "}"}), 11,
                        {"'}'", "closes no open section"}));
  EXPECT_TRUE(FailsWith(WithNode({"quorum {", "  provider: votequorum"}), 8,
                        {"'quorum'", "still open", "add its '}'"}));
}

TEST(ClusterConfigErrors, LineOfNoKnownForm) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  token = 500", "}"}), 9,
                        {"'token = 500'", "neither 'key: value'"}));
}

// --- sections and keys ---

TEST(ClusterConfigErrors, UnknownTopLevelSection) {
  EXPECT_TRUE(FailsWith(WithNode({"totme {", "}"}), 8,
                        {"unknown section 'totme' in the top level",
                         "totem, nodelist, quorum, "
                         "logging, system, resources"}));
  EXPECT_TRUE(FailsWith(WithNode({"Totem {", "}"}), 8, {"'Totem'"}));  // case-sensitive
}

TEST(ClusterConfigErrors, KeyOutsideSections) {
  EXPECT_TRUE(FailsWith(WithNode({"token: 500"}), 8, {"'token'", "outside any section"}));
}

TEST(ClusterConfigErrors, DuplicateSection) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "}", "totem {", "}"}), 10,
                        {"'totem' appears again", "first at line 8", "merge"}));
  EXPECT_TRUE(FailsWith(WithNode({"nodelist {", "}"}), 8, {"'nodelist' appears again"}));
  EXPECT_TRUE(ParseClusterConfig(WithNode({"logging {", "}", "logging {", "}"})).ok());
}

TEST(ClusterConfigErrors, UnknownTotemKeyListsAccepted) {
  EXPECT_TRUE(FailsWith(
      WithNode({"totem {", "  tokn: 3000", "}"}), 9,
      {"unknown key 'tokn' in totem", "accepted: cluster_name, token, heartbeat_interval, port",
       "ignored: version, secauth", "link_mode"}));
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  Token: 3000", "}"}), 9, {"'Token'"}));
}

TEST(ClusterConfigErrors, UnknownTotemSection) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  interfaces {", "  }", "}"}), 9,
                        {"unknown section 'interfaces' in totem", "accepted: interface"}));
}

TEST(ClusterConfigErrors, UnknownQuorumKey) {
  EXPECT_TRUE(FailsWith(WithNode({"quorum {", "  provider: votequorum", "  two_nodes: 1", "}"}), 10,
                        {"unknown key 'two_nodes' in quorum",
                         "accepted: provider, two_node, wait_for_all, last_man_standing, "
                         "last_man_standing_window, auto_tie_breaker, expected_votes"}));
  EXPECT_TRUE(FailsWith(WithNode({"quorum {", "  provider: votequorum", "  device {", "  }", "}"}),
                        10, {"section 'device' is not allowed in quorum"}));
}

TEST(ClusterConfigErrors, UnknownNodeKey) {
  EXPECT_TRUE(FailsWith(
      Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1", "ring8_addr: 10.0.1.1"}}), 6,
      {"unknown key 'ring8_addr' in node", "nodeid, name, ring0_addr",
       "ring7_addr, quorum_votes"}));
}

TEST(ClusterConfigErrors, NodelistHoldsOnlyNodes) {
  EXPECT_TRUE(FailsWith("nodelist {\n  nodeid: 1\n}\n", 2,
                        {"'nodeid'", "not allowed in nodelist", "'node {'"}));
  EXPECT_TRUE(FailsWith("nodelist {\n  nodes {\n  }\n}\n", 2,
                        {"unknown section 'nodes' in nodelist", "accepted: node"}));
}

TEST(ClusterConfigErrors, DuplicateKey) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  token: 500", "  token: 600", "}"}), 10,
                        {"'token' appears again in totem", "first at line 9", "keep one"}));
}

TEST(ClusterConfigErrors, QuorumProvider) {
  EXPECT_TRUE(FailsWith(WithNode({"quorum {", "  provider: corosync_qdevice", "}"}), 9,
                        {"quorum.provider", "'corosync_qdevice'", "corosync_votequorum"}));
  EXPECT_TRUE(FailsWith(WithNode({"quorum {", "  two_node: 0", "}"}), 8,
                        {"quorum has no provider", "provider: corosync_votequorum"}));
}

// --- nodes ---

TEST(ClusterConfigErrors, DuplicateNodeid) {
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1"},
                               {"nodeid: 1", "name: b", "ring0_addr: 10.0.0.2"}}),
                        8, {"nodeid 1 is used again", "node 'a' at line 3"}));
}

TEST(ClusterConfigErrors, DuplicateName) {
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1"},
                               {"nodeid: 2", "name: a", "ring0_addr: 10.0.0.2"}}),
                        9, {"node name 'a' is used again", "first at line 4"}));
}

TEST(ClusterConfigErrors, NodeidZero) {
  EXPECT_TRUE(FailsWith(Nodes({{"name: a", "nodeid: 0", "ring0_addr: 10.0.0.1"}}), 4,
                        {"node.nodeid: 0", "1 or more"}));
}

TEST(ClusterConfigErrors, MissingNodeidNameOrRing0) {
  EXPECT_TRUE(FailsWith(Nodes({{"name: a", "ring0_addr: 10.0.0.1"}}), 2,
                        {"node has no nodeid", "nodeid: N"}));
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 4", "ring0_addr: 10.0.0.1"}}), 2,
                        {"node 4 has no name", "name: HOSTNAME"}));
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 4", "name: ", "ring0_addr: 10.0.0.1"}}), 4,
                        {"node.name is empty"}));
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 4", "name: a", "ring1_addr: 10.0.0.1"}}), 2,
                        {"node 'a' has no ring0_addr", "ring0_addr: ADDRESS"}));
}

TEST(ClusterConfigErrors, RingsWithGaps) {
  EXPECT_TRUE(
      FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1", "ring2_addr: 10.0.2.1"}}),
                6, {"node 'a' has ring2_addr but no ring1_addr", "without gaps"}));
}

TEST(ClusterConfigErrors, RingAddressNotAnIpLiteral) {
  for (absl::string_view bad : {"10.0.0.256", "alpha.example.com", "10.0.0.1/24", "fe80::1%eth0",
                                "10.0.0.1 10.0.0.2", "010.0.0.1", ""}) {
    EXPECT_TRUE(FailsWith(
        Nodes(
            {{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1", absl::StrCat("ring1_addr: ", bad)}}),
        6, {"node.ring1_addr", absl::StrCat("'", bad, "'"), "not an IPv4 or IPv6 address"}))
        << bad;
  }
}

TEST(ClusterConfigErrors, NodesWithDifferentRingCounts) {
  EXPECT_TRUE(
      FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1", "ring1_addr: 10.1.0.1"},
                       {"nodeid: 2", "name: b", "ring0_addr: 10.0.0.2"}}),
                8, {"node 'b' has 1 ring", "node 'a' (line 2) has 2", "an address on every ring"}));
}

TEST(ClusterConfigErrors, RingMixesAddressFamilies) {
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1"},
                               {"nodeid: 2", "name: b", "ring0_addr: fd00::2"}}),
                        10,
                        {"node 'b' ring0_addr 'fd00::2' is IPv6",
                         "node 'a' has IPv4 on ring0 (line 5)", "one address family"}));
}

TEST(ClusterConfigErrors, DuplicateAddress) {
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: fd00::1"},
                               {"nodeid: 2", "name: b", "ring0_addr: FD00:0:0::1"}}),
                        10,
                        {"address 'FD00:0:0::1' is used again", "node 'a' ring0_addr at line 5"}));
}

// --- values ---

TEST(ClusterConfigErrors, NonNumericValues) {
  for (absl::string_view bad : {"abc", "3s", "-5", "+5", "1.5", "4294967296", "99999999999", ""}) {
    EXPECT_TRUE(FailsWith(WithNode({"totem {", absl::StrCat("  token: ", bad), "}"}), 9,
                          {"totem.token", absl::StrCat("'", bad, "'"), "not a whole number",
                           "write the milliseconds in digits only"}))
        << bad;
  }
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  token: 3000 # three seconds", "}"}), 9,
                        {"'3000 # three seconds'", "comment must stand on a line of its own"}));
  EXPECT_TRUE(FailsWith(Nodes({{"nodeid: one", "name: a", "ring0_addr: 10.0.0.1"}}), 3,
                        {"node.nodeid", "'one'"}));
  EXPECT_TRUE(
      FailsWith(Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1", "quorum_votes: x"}}), 6,
                {"node.quorum_votes", "'x'"}));
  EXPECT_TRUE(FailsWith(
      WithNode({"quorum {", "  provider: votequorum", "  last_man_standing_window: 10s", "}"}), 10,
      {"quorum.last_man_standing_window", "'10s'"}));
  EXPECT_TRUE(
      FailsWith(WithNode({"quorum {", "  provider: votequorum", "  expected_votes: 0", "}"}), 10,
                {"quorum.expected_votes: 0"}));
}

TEST(ClusterConfigErrors, Port) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  port: 70000", "}"}), 9,
                        {"totem.port: 70000", "1 to 65535"}));
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  port: 0", "}"}), 9, {"totem.port: 0"}));
}

TEST(ClusterConfigErrors, Booleans) {
  for (absl::string_view bad : {"maybe", "2", "Yes", "enabled", ""}) {
    EXPECT_TRUE(FailsWith(
        WithNode(
            {"quorum {", "  provider: votequorum", absl::StrCat("  auto_tie_breaker: ", bad), "}"}),
        10, {"quorum.auto_tie_breaker", absl::StrCat("'", bad, "'"), "not a boolean", "0 or 1"}))
        << bad;
  }
}

// --- checks across sections ---

TEST(ClusterConfigErrors, HeartbeatMustBeBelowToken) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  token: 500", "  heartbeat_interval: 500", "}"}), 10,
                        {"totem.heartbeat_interval (500 ms) must be less than totem.token "
                         "(500 ms)"}));
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  heartbeat_interval: 800", "}"}), 9,
                        {"(800 ms)", "(500 ms)"}));
  // token below the default heartbeat: the token line is at fault.
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  token: 80", "}"}), 9,
                        {"heartbeat_interval (100 ms)", "totem.token (80 ms)"}));
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  heartbeat_interval: 0", "}"}), 9,
                        {"totem.heartbeat_interval: 0"}));
}

TEST(ClusterConfigErrors, TokenMinimum) {
  EXPECT_TRUE(FailsWith(WithNode({"totem {", "  heartbeat_interval: 10", "  token: 49", "}"}), 10,
                        {"totem.token: 49 ms", "50 ms minimum"}));
  EXPECT_TRUE(
      ParseClusterConfig(WithNode({"totem {", "  heartbeat_interval: 10", "  token: 50", "}"}))
          .ok());
}

TEST(ClusterConfigErrors, TwoNodeNeedsTwoNodes) {
  std::string three = Nodes({{"nodeid: 1", "name: a", "ring0_addr: 10.0.0.1"},
                             {"nodeid: 2", "name: b", "ring0_addr: 10.0.0.2"},
                             {"nodeid: 3", "name: c", "ring0_addr: 10.0.0.3"}});
  EXPECT_TRUE(FailsWith(three + "quorum {\n  provider: votequorum\n  two_node: yes\n}\n", 20,
                        {"quorum.two_node", "3 node(s)", "exactly 2"}));
  EXPECT_TRUE(FailsWith(WithNode({"quorum {", "  provider: votequorum", "  two_node: 1", "}"}), 10,
                        {"quorum.two_node", "1 node(s)"}));
  EXPECT_TRUE(
      ParseClusterConfig(three + "quorum {\n  provider: votequorum\n  two_node: 0\n}\n").ok());
}

TEST(ClusterConfigErrors, AtLeastOneNode) {
  EXPECT_TRUE(FailsWith("totem {\n}\nnodelist {\n}\n", 3, {"nodelist has no node", "'node {'"}));
  EXPECT_TRUE(FailsWith("totem {\n  token: 500\n}\n", 0, {"no nodelist section", "'nodelist {'"}));
  EXPECT_TRUE(FailsWith("", 0, {"no nodelist section"}));
}

// --- files ---

class ClusterConfigFile : public test_support::TempDirTest {
 protected:
  std::string Write(absl::string_view text) { return WriteFile("cluster.conf", text); }
};

TEST_F(ClusterConfigFile, ReadsAFile) {
  auto config = ReadClusterConfig(Write(kFull));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->nodes.size(), 3u);
}

TEST_F(ClusterConfigFile, ErrorsNameTheFile) {
  std::string path = Write(WithNode({"totem {", "  token: fast", "}"}));
  auto config = ReadClusterConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StartsWith(config.status().message(), absl::StrCat(path, ": line 9: ")))
      << config.status();

  std::string missing = dir_ + "/nonexistent.conf";
  config = ReadClusterConfig(missing);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(config.status().message(), missing + ": cannot open"))
      << config.status();

  config = ReadClusterConfig(dir_);
  EXPECT_EQ(config.status().message(), dir_ + ": not a regular file");
}

}  // namespace
}  // namespace baton::config
