// Scheduler scenarios for tests: a CIB built from small XML pieces (nodes,
// resources, constraints, node states with resource histories), run
// through Schedule(), and a fixture with lookups and expectations on the
// result. Shared by scheduler_test.cc and notify_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "crmd/scheduler/scheduler.h"
#include "lib/cib/cib_xml.h"

namespace baton::scheduler::scenario {

inline constexpr long long kNow = 1666729883;  // every scenario's execution-date
inline constexpr char kUuid[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
inline constexpr char kNoParams[] = "f2317cad3d54cec5d7d7aa7d0bf35cf8";
inline constexpr char kMon10Digest[] = "4811cef7f7f94e3a35a70be7916cb2fd";  // monitor 10s, timeout 20s

inline constexpr char kNoFencing[] = R"(<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>)";
inline constexpr char kTwoNodes[] = R"(<node id="1" uname="node1"/><node id="2" uname="node2"/>)";
inline constexpr char kThreeNodes[] =
    R"(<node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/>)";
inline constexpr char kDummy[] = R"(class="ocf" provider="pacemaker" type="Dummy")";
inline constexpr char kMonitorOp[] =
    R"(<operations><op id="OP-monitor-10s" name="monitor" interval="10s" timeout="20s"/></operations>)";

inline std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// <primitive id=ID class=ocf provider=pacemaker type=Dummy> with `inner`.
inline std::string Dummy(const std::string& id, const std::string& inner = "") {
  return "<primitive id=\"" + id + "\" " + kDummy + ">" + inner + "</primitive>";
}

inline std::string Meta(const std::string& id, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string s = "<meta_attributes id=\"" + id + "-meta\">";
  for (const auto& [k, v] : pairs) {
    s += "<nvpair id=\"" + id + "-meta-" + k + "\" name=\"" + k + "\" value=\"" + v + "\"/>";
  }
  return s + "</meta_attributes>";
}

inline std::string MonitorOp(const std::string& rsc) { return Replace(kMonitorOp, "OP", rsc); }

// One lrm_rsc_op as the controller records it: call-id `call`, rc-code `rc`,
// the expected rc `target_rc` in the transition key (7 for a probe), and
// last-rc-change `when`.
inline std::string Op(const std::string& rsc, const std::string& id, const std::string& task, long long interval_ms,
               int call, int rc, int target_rc = 0, long long when = kNow - 3600,
               const std::string& digest = kNoParams) {
  std::string key = std::to_string(call) + ":0:" + std::to_string(target_rc) + ":" + kUuid;
  std::ostringstream o;
  o << "<lrm_rsc_op id=\"" << id << "\" operation_key=\"" << rsc << "_" << task << "_" << interval_ms
    << "\" operation=\"" << task << "\" crm_feature_set=\"3.16.1\" transition-key=\"" << key
    << "\" transition-magic=\"0:" << rc << ";" << key << "\" exit-reason=\"\" call-id=\"" << call
    << "\" rc-code=\"" << rc << "\" op-status=\"0\" interval=\"" << interval_ms << "\" last-rc-change=\"" << when
    << "\" exec-time=\"0\" queue-time=\"0\" op-digest=\"" << digest << "\"/>";
  return o.str();
}

inline std::string LrmResource(const std::string& rsc, const std::string& ops, const std::string& type = "Dummy") {
  if (type == "fence_xvm") {
    return "<lrm_resource id=\"" + rsc + "\" class=\"stonith\" type=\"fence_xvm\">" + ops + "</lrm_resource>";
  }
  return "<lrm_resource id=\"" + rsc + "\" class=\"ocf\" provider=\"pacemaker\" type=\"" + type + "\">" + ops +
         "</lrm_resource>";
}

// Probed and found not running.
inline std::string Probed(const std::string& rsc, int call, const std::string& type = "Dummy") {
  return LrmResource(rsc, Op(rsc, rsc + "_last_0", "monitor", 0, call, 7, 7), type);
}

// Started (and nothing since).
inline std::string Started(const std::string& rsc, int call, const std::string& type = "Dummy") {
  return LrmResource(rsc, Op(rsc, rsc + "_last_0", "start", 0, call, 0), type);
}

inline std::string Transient(const std::string& node_id, const std::vector<std::pair<std::string, std::string>>& attrs) {
  std::string s = "<transient_attributes id=\"" + node_id + "\"><instance_attributes id=\"status-" + node_id + "\">";
  for (const auto& [k, v] : attrs) {
    s += "<nvpair id=\"status-" + node_id + "-" + Replace(k, "#", ".") + "\" name=\"" + k + "\" value=\"" + v +
         "\"/>";
  }
  return s + "</instance_attributes></transient_attributes>";
}

// A node that is up and a cluster member.
inline std::string Up(const std::string& id, const std::string& lrm, const std::string& transient = "") {
  return "<node_state id=\"" + id + "\" uname=\"node" + id +
         "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\">" + transient + "<lrm id=\"" + id +
         "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
}

// A node expected up that left the membership without shutting down.
inline std::string Lost(const std::string& id, const std::string& lrm) {
  return "<node_state id=\"" + id + "\" uname=\"node" + id +
         "\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"member\"><lrm id=\"" + id +
         "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
}

struct CibParts {
  std::string options = kNoFencing;  // nvpairs of cib-bootstrap-options
  std::string nodes = kTwoNodes;
  std::string resources;
  std::string constraints;
  std::string status;
  bool have_quorum = true;
};

inline std::string MakeCib(const CibParts& p) {
  std::string s = std::string("<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.7\" epoch=\"1\" ") +
                  "num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"" + (p.have_quorum ? "1" : "0") +
                  "\" dc-uuid=\"1\" execution-date=\"" + std::to_string(kNow) + "\">\n<configuration>\n" +
                  "<crm_config><cluster_property_set id=\"cib-bootstrap-options\">" + p.options +
                  "</cluster_property_set></crm_config>\n<nodes>" + p.nodes + "</nodes>\n<resources>" + p.resources +
                  "</resources>\n<constraints>" + p.constraints + "</constraints>\n";
  return s + "</configuration>\n<status>" + p.status + "</status>\n</cib>\n";
}

// "  * Start      rsc1     ( node2 )" -> "* Start rsc1 ( node2 )".
inline std::string Normalize(const std::string& line) {
  std::istringstream in(line);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

class Scenario : public ::testing::Test {
 protected:
  static std::string Name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

  static void Dump(const std::string& suffix, const std::string& text) {
    const char* dir = std::getenv("BATON_SCENARIO_DIR");
    if (dir == nullptr || *dir == '\0') return;
    std::ofstream(std::string(dir) + "/" + Name() + suffix) << text;
  }

  void Run(const CibParts& parts) {
    std::string xml = MakeCib(parts);
    Dump(".xml", xml);
    auto parsed = cib::ParseCibXml(xml);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << xml;
    cib_.push_back(*std::move(parsed));
    auto ws = Schedule(cib_.back(), kNow);
    ASSERT_TRUE(ws.ok()) << ws.status();
    ws_ = *std::move(ws);
  }

  // The Transition Summary, whitespace-normalised, equals `expected` (as
  // crm_simulate printed it for the same CIB).
  void ExpectSummary(const std::vector<std::string>& expected) {
    ASSERT_NE(ws_, nullptr);
    std::vector<std::string> want, got;
    std::string dump;
    for (const auto& l : expected) {
      want.push_back(Normalize(l));
      dump += Normalize(l) + "\n";
    }
    Dump(".expected", dump);
    for (const auto& l : TransitionSummary(*ws_)) got.push_back(Normalize(l));
    EXPECT_EQ(got, want);
  }

  Resource* Rsc(const std::string& id) {
    if (ws_ == nullptr) return nullptr;  // Run() failed and said why
    Resource* r = ws_->FindResource(id);
    EXPECT_NE(r, nullptr) << id;
    return r;
  }

  std::string AssignedNode(const std::string& id) {
    Resource* r = Rsc(id);
    return r && r->assigned ? r->assigned->name : "(none)";
  }

  Role NextRole(const std::string& id) {
    Resource* r = Rsc(id);
    return r ? r->next_role : Role::kUnknown;
  }

  // The non-recurring `task` of resource `rsc` on `node` (nullptr: any node).
  const Action* FindAction(const std::string& rsc, const std::string& task, const std::string& node) {
    Resource* r = Rsc(rsc);
    if (r == nullptr) return nullptr;
    for (const Action* a : r->actions) {
      if (a->task != task || a->interval_ms != 0) continue;
      if (node.empty() || (a->node && a->node->name == node)) return a;
    }
    return nullptr;
  }

  const Action* FindFence(const std::string& node) {
    if (ws_ == nullptr) return nullptr;
    for (const Action& a : ws_->actions) {
      if (a.rsc == nullptr && a.task == "stonith" && a.node && a.node->name == node) return &a;
    }
    return nullptr;
  }

  // The action exists, is required and can run: it goes into the graph.
  void ExpectRequired(const std::string& rsc, const std::string& task, const std::string& node) {
    const Action* a = FindAction(rsc, task, node);
    ASSERT_NE(a, nullptr) << rsc << " " << task << " on " << node;
    EXPECT_FALSE(a->optional) << a->key;
    EXPECT_TRUE(a->runnable) << a->key;
    EXPECT_TRUE(InGraph(*a)) << a->key;
  }

  // No action of `rsc` other than monitors goes into the graph.
  void ExpectUntouched(const std::string& rsc) {
    Resource* r = Rsc(rsc);
    if (r == nullptr) return;
    for (const Action* a : r->actions) {
      if (a->task == "monitor") continue;
      EXPECT_FALSE(InGraph(*a)) << a->key << " on " << (a->node ? a->node->name : "-");
    }
  }

  // `later` is reachable from `first` through orderings.
  static bool OrderedBefore(const Action* first, const Action* later) {
    if (first == nullptr || later == nullptr) return false;
    std::set<const Action*> seen;
    std::vector<const Action*> todo = {first};
    while (!todo.empty()) {
      const Action* a = todo.back();
      todo.pop_back();
      if (a == later) return true;
      if (!seen.insert(a).second) continue;
      for (const Ordering* o : a->after) todo.push_back(o->then);
    }
    return false;
  }

  std::deque<cib::Cib> cib_;
  std::unique_ptr<WorkingSet> ws_;
};

}  // namespace baton::scheduler::scenario
