// The tool shims against the daemon's own request handler (LocalRequests)
// with a fixed cluster view, and against CIB files.
#include "cli/tools.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "crmd/attrd/attrd.h"
#include "crmd/service/local_requests.h"
#include "lib/cib/cib_xml.h"
#include "lib/control/control.h"

namespace baton::cli {
namespace {

class LocalBackend : public ClusterBackend {
 public:
  LocalBackend() : requests_(&attrs_, nullptr) {
    view_.self = 1;
    view_.nodes = {{1, "node1"}, {2, "node10"}, {3, "node2"}};
    view_.members = {1, 3};
    view_.quorate = true;
    view_.dc = 1;
  }
  absl::StatusOr<control::ControlReply> Call(const control::ControlRequest& request) override {
    if (!up_) return absl::UnavailableError("cannot reach baton-crmd at /test/crmd.sock: Connection refused");
    if (request.has_node_info()) return service::LocalRequests::NodeInfo(view_);
    if (request.has_cib() && !request.cib().configuration_only()) return control::TextReply(LiveCibXml());
    auto r = requests_.Attribute(request, view_);
    if (!r.ok()) return r.status();
    return control::ReplyStatus(*std::move(r));
  }
  // The live CIB as a daemon with this view would serve it: the nodes, and
  // a node_state with transient attributes for each member.
  std::string LiveCibXml() const {
    cib::Cib c;
    c.attrs["have-quorum"] = view_.quorate ? "1" : "0";
    if (view_.dc) c.attrs["dc-uuid"] = std::to_string(*view_.dc);
    for (const auto& n : view_.nodes) {
      cib::Node node;
      node.id = std::to_string(n.id);
      node.uname = n.name;
      c.configuration.nodes.push_back(node);
      cib::NodeState st;
      st.id = node.id;
      bool member = view_.members.count(n.id) > 0;
      st.attrs = {{"uname", n.name}, {"in_ccm", member ? "true" : "false"}, {"crmd", member ? "online" : "offline"},
                  {"join", member ? "member" : "down"}, {"expected", member ? "member" : "down"}};
      auto t = attrs_.transient().find(n.name);
      if (t != attrs_.transient().end()) {
        cib::NvSet set;
        set.id = "status-" + node.id;
        for (const auto& [name, value] : t->second) set.pairs.push_back({"status-" + node.id + "-" + name, name, value});
        st.transient.push_back(set);
      }
      c.status.push_back(st);
    }
    return cib::WriteCibXml(c);
  }
  attrd::AttributeStore attrs_;
  service::LocalRequests requests_;
  service::ClusterView view_;
  bool up_ = true;
};

class ToolsTest : public ::testing::Test {
 protected:
  struct Result {
    int rc;
    std::string out, err;
  };
  Result Run(const std::string& tool, const std::vector<std::string>& args) {
    std::ostringstream out, err;
    ToolContext ctx;
    ctx.backend = &backend_;
    ctx.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    ctx.out = &out;
    ctx.err = &err;
    int rc = RunTool(tool, args, ctx);
    return {rc, out.str(), err.str()};
  }
  LocalBackend backend_;
  std::map<std::string, std::string> env_;
};

TEST_F(ToolsTest, PromotionScoreLifecycleAsStatefulUsesIt) {
  env_["OCF_RESOURCE_INSTANCE"] = "state";
  env_["OCF_RESKEY_CRM_meta_on_node"] = "node2";
  auto r = Run("crm_attribute", {"--promotion", "-v", "5"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(backend_.attrs_.Get("node2", "master-state", attrd::Lifetime::kReboot), "5");
  r = Run("crm_attribute", {"-p", "-G"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "scope=status  name=master-state value=5\n");
  r = Run("crm_attribute", {"-p", "state", "-G", "-q"});
  EXPECT_EQ(r.out, "5\n");
  r = Run("crm_attribute", {"--promotion", "-D"});
  EXPECT_EQ(r.rc, 0);
  r = Run("crm_attribute", {"-p", "-G", "-q"});
  EXPECT_EQ(r.rc, 105);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "crm_attribute: Error performing operation: No such device or address\n");
  r = Run("crm_attribute", {"-p", "-G", "-d", "0"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "scope=status  name=master-state value=0\n");
}

TEST_F(ToolsTest, NodeAttributesByLifetimeAndNode) {
  auto r = Run("crm_attribute", {"--type", "nodes", "--node", "node10", "--name", "site", "--update", "east"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(backend_.attrs_.Get("node10", "site", attrd::Lifetime::kForever), "east");
  r = Run("crm_attribute", {"-N", "node10", "-n", "site", "-G"});  // -N alone means the nodes section
  EXPECT_EQ(r.out, "scope=nodes  name=site value=east\n");
  r = Run("crm_attribute", {"-l", "reboot", "-N", "node10", "-n", "site", "-G"});
  EXPECT_EQ(r.rc, 105);  // not a transient attribute
  r = Run("crm_attribute", {"-N", "node10", "-n", "site", "-D"});
  EXPECT_EQ(r.out, "Deleted nodes attribute: id=nodes-2-site name=site\n");
  r = Run("crm_attribute", {"-N", "nosuch", "-n", "site", "-v", "x"});
  EXPECT_EQ(r.rc, 105);
  EXPECT_EQ(r.err, "crm_attribute: Could not map name=nosuch to a UUID\n");
  // No node named and no action environment: the local node.
  r = Run("crm_attribute", {"-n", "flag", "-v", "1", "-l", "reboot"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(backend_.attrs_.Get("node1", "flag", attrd::Lifetime::kReboot), "1");
}

TEST_F(ToolsTest, BadInputAndNoDaemon) {
  auto r = Run("crm_attribute", {"-G"});
  EXPECT_EQ(r.rc, 64);
  EXPECT_NE(r.err.find("no attribute name"), std::string::npos);
  r = Run("crm_attribute", {"-n", "x", "-t", "bogus", "-G"});
  EXPECT_EQ(r.rc, 64);
  r = Run("crm_attribute", {"-n", "x", "--frobnicate"});
  EXPECT_EQ(r.rc, 64);
  r = Run("crm_attribute", {"-p", "-v", "5"});  // no instance
  EXPECT_EQ(r.rc, 64);
  EXPECT_TRUE(backend_.attrs_.transient().empty());
  backend_.up_ = false;
  r = Run("crm_attribute", {"-n", "x", "-l", "reboot", "-v", "1"});
  EXPECT_EQ(r.rc, 102);
  EXPECT_EQ(r.err, "crm_attribute: Could not connect to the CIB: Transport endpoint is not connected\n");
  r = Run("crm_node", {"-n"});
  EXPECT_EQ(r.rc, 102);
}

TEST_F(ToolsTest, CrmMasterWrapsCrmAttribute) {
  env_["OCF_RESOURCE_INSTANCE"] = "db";
  auto r = Run("crm_master", {"-l", "reboot", "-v", "10"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(backend_.attrs_.Get("node1", "master-db", attrd::Lifetime::kReboot), "10");
  r = Run("crm_master", {"-N", "node2", "-v", "3"});  // lifetime forever by default
  EXPECT_EQ(backend_.attrs_.Get("node2", "master-db", attrd::Lifetime::kForever), "3");
  r = Run("crm_master", {"-l", "reboot", "-G", "-q"});
  EXPECT_EQ(r.out, "10\n");
  env_.erase("OCF_RESOURCE_INSTANCE");
  r = Run("crm_master", {"-v", "1"});
  EXPECT_EQ(r.rc, 1);
  r = Run("crm_master", {"-r", "web", "-l", "reboot", "-v", "1"});
  EXPECT_EQ(backend_.attrs_.Get("node1", "master-web", attrd::Lifetime::kReboot), "1");
}

TEST_F(ToolsTest, AttrdUpdaterUpdatesAndQueries) {
  auto r = Run("attrd_updater", {"-n", "pingd", "-U", "100"});
  EXPECT_EQ(r.rc, 0) << r.err;
  r = Run("attrd_updater", {"-n", "pingd", "-B", "50", "-d", "5s", "-N", "node2"});
  EXPECT_EQ(r.rc, 0) << r.err;
  r = Run("attrd_updater", {"--query", "-n", "pingd"});
  EXPECT_EQ(r.out, "name=\"pingd\" host=\"node1\" value=\"100\"\n");
  r = Run("attrd_updater", {"-Q", "-A", "-n", "pingd"});
  EXPECT_EQ(r.out,
            "name=\"pingd\" host=\"node1\" value=\"100\"\n"
            "name=\"pingd\" host=\"node10\" value=\"\"\n"
            "name=\"pingd\" host=\"node2\" value=\"50\"\n");
  r = Run("attrd_updater", {"-Q", "-n", "nosuch"});
  EXPECT_EQ(r.rc, 78);
  EXPECT_EQ(r.err, "Could not query value of nosuch: attribute does not exist\n");
  r = Run("attrd_updater", {"-D", "-n", "pingd"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(backend_.attrs_.Get("node1", "pingd", attrd::Lifetime::kReboot), std::nullopt);
  r = Run("attrd_updater", {"-U", "1"});
  EXPECT_EQ(r.rc, 64);
}

TEST_F(ToolsTest, CrmNodeForms) {
  auto r = Run("crm_node", {"-n"});
  EXPECT_EQ(r.out, "node1\n");
  env_["OCF_RESKEY_CRM_meta_on_node"] = "node2";
  r = Run("crm_node", {"-n"});
  EXPECT_EQ(r.out, "node2\n");
  r = Run("crm_node", {"-i"});
  EXPECT_EQ(r.out, "1\n");
  r = Run("crm_node", {"-l"});
  EXPECT_EQ(r.out, "1 node1 member\n3 node2 member\n2 node10 lost\n");  // numeric-aware order
  r = Run("crm_node", {"-p"});
  EXPECT_EQ(r.out, "node1 node2 \n");
  r = Run("crm_node", {"-q"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "1\n");
  backend_.view_.quorate = false;
  r = Run("crm_node", {"-q"});
  EXPECT_EQ(r.rc, 106);
  EXPECT_EQ(r.out, "0\n");
  r = Run("crm_node", {"-N", "2"});
  EXPECT_EQ(r.out, "node10\n");
  r = Run("crm_node", {"-N", "9"});
  EXPECT_EQ(r.rc, 68);
}

TEST_F(ToolsTest, VersionForOcfShellfuncs) {
  auto r = Run("pacemakerd", {"-$"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "Pacemaker 2.1.5");
  EXPECT_EQ(Run("pacemakerd", {}).rc, 64);
}

TEST_F(ToolsTest, CrmMonXmlFromTheDaemonKeepsAttributeOrder) {
  ASSERT_EQ(Run("crm_attribute", {"-N", "node2", "-n", "master-db", "-l", "reboot", "-v", "10"}).rc, 0);
  auto r = Run("crm_mon", {"-1", "--output-as=xml"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("<node name=\"node1\" id=\"1\" online=\"true\" standby=\"false\" standby_onfail=\"false\" "
                       "maintenance=\"false\" pending=\"false\" unclean=\"false\" health=\"green\" "
                       "feature_set=\"3.16.1\" shutdown=\"false\" expected_up=\"true\" is_dc=\"true\" "
                       "resources_running=\"0\" type=\"member\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<node name=\"node10\" id=\"2\" online=\"false\""), std::string::npos);
  EXPECT_NE(r.out.find("<attribute name=\"master-db\" value=\"10\""), std::string::npos);
  EXPECT_NE(r.out.find("<status code=\"0\" message=\"OK\""), std::string::npos);
  r = Run("crm_mon", {"-1", "--as-xml"});
  EXPECT_NE(r.out.find("<crm_mon version=\"2.1.5\">"), std::string::npos);
  r = Run("crm_mon", {"-1"});
  EXPECT_NE(r.out.find("  * Current DC: node1 (version 2.1.5) - partition with quorum\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  * Online: [ node1 node2 ]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  * OFFLINE: [ node10 ]\n"), std::string::npos) << r.out;
  EXPECT_EQ(Run("crm_mon", {"--output-as=html"}).rc, 64);
}

// A CIB file with a primitive started on node2 and a promotable clone.
constexpr char kCib[] = R"(<cib admin_epoch="0" epoch="5" num_updates="0" have-quorum="1" dc-uuid="1" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="vip" class="ocf" provider="baton" type="IPaddr">
        <instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="198.18.0.100"/></instance_attributes>
        <meta_attributes id="vip-ma"><nvpair id="vip-st" name="resource-stickiness" value="100"/></meta_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="vip" class="ocf" provider="baton" type="IPaddr">
          <lrm_rsc_op id="vip_last_0" operation_key="vip_monitor_0" operation="monitor" crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="1:1:7:x" transition-magic="0:7;1:1:7:x" call-id="1" rc-code="7" op-status="0" interval="0" last-rc-change="1700000000" exec-time="5" queue-time="0" op-digest="x"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2"><lrm_resources>
        <lrm_resource id="vip" class="ocf" provider="baton" type="IPaddr">
          <lrm_rsc_op id="vip_last_0" operation_key="vip_start_0" operation="start" crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" call-id="4" rc-code="0" op-status="0" interval="0" last-rc-change="1700000001" exec-time="12" queue-time="0" op-digest="x"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>
)";

class CibFileTest : public ToolsTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/baton-tools-test-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_) << kCib;
    env_["CIB_file"] = path_;
    backend_.up_ = false;  // everything must come from the file
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string Contents() {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string path_;
};

TEST_F(CibFileTest, CrmResourceLocatesAndReadsParameters) {
  auto r = Run("crm_resource", {"-W", "-r", "vip"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "resource vip is running on: node2\n");
  r = Run("crm_resource", {"--locate", "--resource", "vip", "-Q"});
  EXPECT_EQ(r.out, "node2\n");
  r = Run("crm_resource", {"-r", "vip", "-g", "ip"});
  EXPECT_EQ(r.out, "198.18.0.100\n");
  r = Run("crm_resource", {"-r", "vip", "--meta", "-g", "resource-stickiness"});
  EXPECT_EQ(r.out, "100\n");
  r = Run("crm_resource", {"-r", "vip", "-g", "nosuch"});
  EXPECT_EQ(r.err, "Attribute 'nosuch' not found for 'vip'\n");
  r = Run("crm_resource", {"-W", "-r", "ghost"});
  EXPECT_EQ(r.rc, 105);
  EXPECT_EQ(r.err, "crm_resource: Resource 'ghost' not found\nError performing operation: No such object\n");
}

TEST_F(CibFileTest, CrmMonShowsTheResourceAsAgentsGrepIt) {
  auto r = Run("crm_mon", {"-1", "--output-as=xml"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("<resource id=\"vip\" resource_agent=\"ocf:baton:IPaddr\" role=\"Started\" active=\"true\" "
                       "orphaned=\"false\" blocked=\"false\" maintenance=\"false\" managed=\"true\" failed=\"false\" "
                       "failure_ignored=\"false\" nodes_running_on=\"1\">"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<node name=\"node2\" id=\"2\" cached=\"true\""), std::string::npos);
  r = Run("crm_mon", {"-1"});
  EXPECT_NE(r.out.find("  * vip\t(ocf:baton:IPaddr):\t Started node2\n"), std::string::npos) << r.out;
}

TEST_F(CibFileTest, CibadminQueriesByScopeAndXpath) {
  auto r = Run("cibadmin", {"-Q", "-o", "nodes"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.rfind("<nodes>", 0), 0u) << r.out;
  r = Run("cibadmin", {"-Q", "--xpath", "//node_state[@uname='node2']//lrm_rsc_op[@operation='start']"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("call-id=\"4\""), std::string::npos);
  r = Run("cibadmin", {"-Q", "--xpath", "//node"});
  EXPECT_EQ(r.out.rfind("<xpath-query>", 0), 0u);
  r = Run("cibadmin", {"-Q", "--xpath", "//nothing"});
  EXPECT_EQ(r.rc, 105);
  r = Run("cibadmin", {"-Q", "--xpath", "//["});
  EXPECT_EQ(r.rc, 64);
}

TEST_F(CibFileTest, CrmAttributeWritesTheFileAndRefusalChangesNothing) {
  auto r = Run("crm_attribute", {"--type", "crm_config", "--name", "cluster-recheck-interval", "--update", "5min"});
  EXPECT_EQ(r.rc, 0) << r.err;
  r = Run("crm_attribute", {"-t", "crm_config", "-n", "cluster-recheck-interval", "-G"});
  EXPECT_EQ(r.out, "scope=crm_config  name=cluster-recheck-interval value=5min\n");
  r = Run("crm_attribute", {"-N", "node2", "-l", "reboot", "-n", "master-vip", "-v", "7"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(Contents().find("id=\"status-2-master-vip\""), std::string::npos);
  std::string before = Contents();
  r = Run("crm_attribute", {"-N", "node9", "-n", "x", "-v", "1"});
  EXPECT_EQ(r.rc, 105);
  r = Run("crm_attribute", {"-n", "x", "-t", "bogus", "-v", "1"});
  EXPECT_EQ(r.rc, 64);
  EXPECT_EQ(Contents(), before);
  r = Run("crm_attribute", {"-t", "crm_config", "-n", "stonith-enabled", "-D"});
  EXPECT_EQ(r.out, "Deleted crm_config attribute: id=o1 name=stonith-enabled\n");
}

TEST_F(ToolsTest, FailedResourceActionsAsCrmMonPrintsThem) {
  char tmpl[] = "/tmp/baton-tools-failed-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::string cib = kCib;
  const std::string anchor = "</lrm_resource>\n      </lrm_resources></lrm>\n    </node_state>\n  </status>";
  auto at = cib.find(anchor);
  ASSERT_NE(at, std::string::npos);
  cib.insert(at, R"(  <lrm_rsc_op id="vip_last_failure_0" operation_key="vip_monitor_10000" operation="monitor" transition-key="3:1:0:x" transition-magic="0:1;3:1:0:x" call-id="6" rc-code="1" op-status="0" interval="10000" last-rc-change="1700000000" exec-time="33" queue-time="0" op-digest="x" exit-reason="Simulated action result"/>
          <lrm_rsc_op id="vip_last_failure_1" operation_key="vip_start_0" operation="start" transition-key="3:1:0:x" transition-magic="2:1;3:1:0:x" call-id="7" rc-code="1" op-status="2" interval="0" last-rc-change="0" exec-time="20002" queue-time="0" op-digest="x"/>
        )");
  std::ofstream(tmpl) << cib;
  env_["CIB_file"] = tmpl;
  setenv("TZ", "UTC", 1);
  tzset();
  auto r = Run("crm_mon", {"-1"});
  std::remove(tmpl);
  EXPECT_NE(r.out.find("\nFailed Resource Actions:\n"
                       "  * vip 10s-interval monitor on node2 returned 'error' (Simulated action result)"
                       " at Tue Nov 14 22:13:20 2023 after 33ms\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("vip start on node2"), std::string::npos);  // only *_last_failure_0 records count
}

}  // namespace
}  // namespace baton::cli
