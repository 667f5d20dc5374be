#include "crmd/transition/transition.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crmd/scheduler/scheduler.h"
#include "crmd/transition/status_table.h"
#include "lib/cib/cib_xml.h"

namespace baton::transition {
namespace {

constexpr char kConfig[] = R"(<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <primitive id="vip" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="vip-ia"><nvpair id="vip-s" name="state" value="/tmp/x"/></instance_attributes>
        <operations><op id="vip-mon" name="monitor" interval="10s" timeout="7s"/></operations>
      </primitive>
    </resources>
    <constraints><rsc_location id="pref" rsc="vip" node="n1" score="100"/></constraints>
  </configuration>
  <status/>
</cib>
)";

// The working set for kConfig with the status StatusTable builds.
struct Scheduled {
  cib::Cib cib;
  std::unique_ptr<scheduler::WorkingSet> ws;
};
Scheduled ScheduleWith(const StatusTable& table) {
  Scheduled s;
  s.cib = *cib::ParseCibXml(kConfig);
  s.cib.status = table.Build({{"1", "n1"}, {"2", "n2"}}, {});
  s.ws = *scheduler::Schedule(s.cib, 1700000000);
  return s;
}

const GraphAction* Find(const Graph& g, const std::string& task, const std::string& node, int64_t interval = 0) {
  for (const auto& a : g.actions) {
    if (a.task == task && a.node == node && a.interval_ms == interval) return &a;
  }
  return nullptr;
}

OpResultRecord Result(const GraphAction& a, int rc, int call) {
  OpResultRecord r;
  r.node = a.node;
  r.rsc = a.rsc;
  r.rsc_class = a.rsc_class;
  r.provider = a.provider;
  r.type = a.type;
  r.task = a.task;
  r.interval_ms = a.interval_ms;
  r.call_id = call;
  r.rc = rc;
  r.target_rc = a.target_rc;
  r.transition_key = "x";
  return r;
}

TEST(Transition, FreshClusterProbesThenStartsWhereItPrefersThenMonitors) {
  StatusTable table;
  table.SetLife("n1", NodeLife::kMember, 1);
  table.SetLife("n2", NodeLife::kMember, 1);
  Scheduled s = ScheduleWith(table);
  Graph g = BuildGraph(*s.ws, 1);
  const GraphAction* probe1 = Find(g, "monitor", "n1");
  const GraphAction* probe2 = Find(g, "monitor", "n2");
  const GraphAction* start = Find(g, "start", "n1");
  const GraphAction* mon = Find(g, "monitor", "n1", 10000);
  ASSERT_TRUE(probe1 && probe2 && start && mon);
  EXPECT_EQ(probe1->target_rc, 7);
  EXPECT_EQ(start->params.at("state"), "/tmp/x");
  EXPECT_EQ(mon->timeout_ms, 7000);
  EXPECT_EQ(start->meta.at("on_node"), "n1");

  TransitionEngine engine;
  engine.Start(g);
  auto first = engine.Dispatch();
  // Probes first: the start waits for both.
  std::vector<int> ids;
  for (auto* a : first) ids.push_back(a->id);
  EXPECT_TRUE(std::count(ids.begin(), ids.end(), probe1->id));
  EXPECT_TRUE(std::count(ids.begin(), ids.end(), probe2->id));
  EXPECT_FALSE(std::count(ids.begin(), ids.end(), start->id));
  engine.OnResult(probe1->id, true);
  EXPECT_TRUE(engine.Dispatch().empty());  // the start still waits for the other probe
  engine.OnResult(probe2->id, true);
  auto next = engine.Dispatch();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0]->id, start->id);
  engine.OnResult(start->id, true);
  next = engine.Dispatch();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0]->id, mon->id);
  EXPECT_FALSE(engine.Done());
  engine.OnResult(mon->id, true);
  EXPECT_TRUE(engine.Done());
  EXPECT_FALSE(engine.aborted());

  // Fed back, the results make the next schedule a no-op.
  table.Record(Result(*probe1, 7, 1));
  table.Record(Result(*probe2, 7, 2));
  table.Record(Result(*start, 0, 3));
  table.Record(Result(*mon, 0, 4));
  Scheduled after = ScheduleWith(table);
  EXPECT_TRUE(scheduler::TransitionSummary(*after.ws).empty());
  EXPECT_TRUE(BuildGraph(*after.ws, 2).actions.empty());
}

TEST(Transition, AFailureAbortsAndNothingMoreIsDispatched) {
  StatusTable table;
  table.SetLife("n1", NodeLife::kMember, 1);
  table.SetLife("n2", NodeLife::kMember, 1);
  Scheduled s = ScheduleWith(table);
  Graph g = BuildGraph(*s.ws, 1);
  TransitionEngine engine;
  engine.Start(g);
  auto first = engine.Dispatch();
  ASSERT_GE(first.size(), 2u);
  engine.OnResult(first[0]->id, false);
  EXPECT_TRUE(engine.aborted());
  EXPECT_FALSE(engine.Done());  // the other probe is still in flight
  engine.OnResult(first[1]->id, true);
  EXPECT_TRUE(engine.Dispatch().empty());
  EXPECT_TRUE(engine.Done());
}

// After a failed promote, the post-notifications still run (PAF clears its
// attributes in them); nothing else does.
TEST(Transition, OnlyActionsThatSurviveAnAbortRunAfterIt) {
  auto action = [](int id, GraphAction::Kind kind, std::string task, std::vector<int> inputs, bool survives) {
    GraphAction a;
    a.id = id;
    a.kind = kind;
    a.task = std::move(task);
    a.node = "n1";
    a.inputs = std::move(inputs);
    a.survives_abort = survives;
    return a;
  };
  using K = GraphAction::Kind;
  Graph g;
  g.actions = {action(0, K::kResource, "promote", {}, false),
               action(1, K::kResource, "monitor", {}, false),
               action(2, K::kPseudo, "promoted", {0}, true),
               action(3, K::kPseudo, "notify", {}, true),       // post_notify_promoted (input 2 below)
               action(4, K::kResource, "notify", {3}, true),     // the instance's post-promote notify
               action(5, K::kResource, "start", {2}, false)};    // the VIP, after promote
  g.actions[3].inputs = {2};
  TransitionEngine engine;
  engine.Start(g);
  auto first = engine.Dispatch();
  ASSERT_EQ(first.size(), 2u);  // promote and monitor
  engine.OnResult(0, false);    // the promote fails: abort
  EXPECT_TRUE(engine.aborted());
  EXPECT_TRUE(engine.Dispatch().empty());  // 2 waits for the failed 0, so 3, 4, 5 wait too
  engine.OnResult(1, true);
  EXPECT_TRUE(engine.Done());

  // Had the promote succeeded and the monitor failed, the post-notify runs
  // after the abort and the VIP's start does not.
  engine.Start(g);
  first = engine.Dispatch();
  ASSERT_EQ(first.size(), 2u);
  engine.OnResult(1, false);
  EXPECT_TRUE(engine.aborted());
  engine.OnResult(0, true);
  EXPECT_FALSE(engine.Done());
  auto next = engine.Dispatch();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0]->id, 4);
  EXPECT_FALSE(engine.Done());
  engine.OnResult(4, true);
  EXPECT_TRUE(engine.Dispatch().empty());
  EXPECT_TRUE(engine.Done());
}

TEST(Transition, BatchLimitCapsActionsInFlight) {
  StatusTable table;
  table.SetLife("n1", NodeLife::kMember, 1);
  table.SetLife("n2", NodeLife::kMember, 1);
  Scheduled s = ScheduleWith(table);
  TransitionEngine engine(1);
  engine.Start(BuildGraph(*s.ws, 1));
  auto first = engine.Dispatch();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(engine.Dispatch().empty());
  engine.OnResult(first[0]->id, true);
  EXPECT_EQ(engine.Dispatch().size(), 1u);
}

TEST(StatusTable, LostNodeIsUncleanUntilFenced) {
  StatusTable table;
  table.SetLife("n1", NodeLife::kLost, 1);
  table.SetLife("n2", NodeLife::kMember, 1);
  OpResultRecord r;
  r.node = "n1";
  r.rsc = "vip";
  r.rsc_class = "ocf";
  r.provider = "heartbeat";
  r.type = "Dummy";
  r.task = "start";
  r.call_id = 3;
  r.transition_key = "x";
  table.Record(r);
  // A fencing device, running on n2.
  OpResultRecord dev;
  dev.node = "n2";
  dev.rsc = "fencer";
  dev.rsc_class = "stonith";
  dev.type = "fence_netns";
  dev.task = "start";
  dev.call_id = 4;
  dev.transition_key = "x";
  table.Record(dev);
  cib::Cib c = *cib::ParseCibXml(kConfig);
  // With fencing enabled and a device, the lost node is fenced before its
  // resource starts elsewhere.
  c.configuration.crm_config[0].pairs[0].value = "true";
  cib::Resource fencer;
  fencer.id = "fencer";
  fencer.cls = "stonith";
  fencer.type = "fence_netns";
  c.configuration.resources.push_back(fencer);
  c.status = table.Build({{"1", "n1"}, {"2", "n2"}}, {});
  auto ws = *scheduler::Schedule(c, 1700000000);
  auto summary = scheduler::TransitionSummary(*ws);
  ASSERT_FALSE(summary.empty());
  EXPECT_NE(summary[0].find("Fence (reboot) n1"), std::string::npos) << summary[0];
  Graph g = BuildGraph(*ws, 1);
  const GraphAction* fence = Find(g, "stonith", "n1");
  const GraphAction* start = Find(g, "start", "n2");
  ASSERT_TRUE(fence && start);
  // The start on n2 depends, directly or not, on the fencing.
  TransitionEngine engine;
  engine.Start(g);
  for (int round = 0; round < 5; ++round) {
    for (auto* a : engine.Dispatch()) {
      ASSERT_NE(a->id, start->id) << "started before the fencing completed";
      if (a->id != fence->id) engine.OnResult(a->id, true);
    }
  }
  engine.OnResult(fence->id, true);
  bool started = false;
  for (int round = 0; round < 5 && !started; ++round) {
    for (auto* a : engine.Dispatch()) {
      if (a->id == start->id) started = true;
      engine.OnResult(a->id, true);
    }
  }
  EXPECT_TRUE(started);
  // Once fenced, the node is clean and down: nothing to fence, vip stays put.
  table.Fenced("n1", 1);
  EXPECT_EQ(table.Life("n1"), NodeLife::kDown);
  EXPECT_TRUE(table.Records("n1").empty());
}

TEST(StatusTable, AFailedMonitorStaysOnRecordAfterTheStop) {
  StatusTable table;
  OpResultRecord mon;
  mon.node = "n1";
  mon.rsc = "d";
  mon.rsc_class = "ocf";
  mon.type = "Dummy";
  mon.task = "monitor";
  mon.interval_ms = 1000;
  mon.call_id = 3;
  mon.rc = 7;  // failed: the resource should be running
  table.Record(mon);
  OpResultRecord stop = mon;
  stop.task = "stop";
  stop.interval_ms = 0;
  stop.call_id = 4;
  stop.rc = 0;
  table.Record(stop);
  bool failure_kept = false, monitor_gone = true;
  for (const auto& r : table.Records("n1")) {
    if (r.task == "monitor" && r.rc == 7) failure_kept = true;
  }
  auto states = table.Build({{"1", "n1"}}, {});
  ASSERT_EQ(states.size(), 0u);  // never a member: no node_state
  table.SetLife("n1", NodeLife::kMember, 1);
  states = table.Build({{"1", "n1"}}, {});
  ASSERT_EQ(states.size(), 1u);
  std::set<std::string> ids;
  for (const auto& op : states[0].resources[0].ops) ids.insert(op.id);
  monitor_gone = !ids.count("d_monitor_1000");
  EXPECT_TRUE(failure_kept);
  EXPECT_TRUE(ids.count("d_last_failure_0"));
  EXPECT_TRUE(monitor_gone);
  EXPECT_FALSE(table.AnyActive("n1"));
}

}  // namespace
}  // namespace baton::transition
