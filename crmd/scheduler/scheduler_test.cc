// The scheduler: score arithmetic and helpers (score.h, util.h, digest.h)
// and small scenarios run through Schedule(), each checked against
// Pacemaker 2.1.5's crm_simulate.
//
// Every scenario's expected Transition Summary is what
// `/usr/sbin/crm_simulate -x FILE -R` prints for the same CIB (compared with
// runs of whitespace collapsed). To check them again, run the tests with
// BATON_SCENARIO_DIR=DIR (add --gtest_also_run_disabled_tests): each scenario
// writes DIR/NAME.xml and DIR/NAME.expected, then
//   for f in DIR/*.xml; do
//     /usr/sbin/crm_simulate -x $f -R | sed -n '/^Transition Summary:/,/^$/p' |
//       grep '^  \* ' | tr -s ' ' | sed 's/^ //; s/ *$//' | diff - ${f%.xml}.expected
//   done
#include "crmd/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "crmd/scheduler/digest.h"
#include "crmd/scheduler/scenario_test_util.h"
#include "crmd/scheduler/score.h"
#include "crmd/scheduler/util.h"

namespace baton::scheduler {
namespace {

// ================================================================== scores

TEST(AddScores, PlainSums) {
  EXPECT_EQ(AddScores(100, -50), 50);
  EXPECT_EQ(AddScores(-100, 30), -70);
  EXPECT_EQ(AddScores(0, 0), 0);
}

TEST(AddScores, SaturatesAtInfinity) {
  EXPECT_EQ(AddScores(kInfinity, 5), kInfinity);
  EXPECT_EQ(AddScores(5, kInfinity), kInfinity);
  EXPECT_EQ(AddScores(kInfinity, kInfinity), kInfinity);
  EXPECT_EQ(AddScores(999999, 1), kInfinity);
  EXPECT_EQ(AddScores(600000, 600000), kInfinity);
  EXPECT_EQ(AddScores(-kInfinity, -5), -kInfinity);
  EXPECT_EQ(AddScores(-999999, -1), -kInfinity);
  EXPECT_EQ(AddScores(-600000, -600000), -kInfinity);
}

TEST(AddScores, MinusInfinityWins) {
  EXPECT_EQ(AddScores(kInfinity, -kInfinity), -kInfinity);
  EXPECT_EQ(AddScores(-kInfinity, kInfinity), -kInfinity);
  EXPECT_EQ(AddScores(-kInfinity, 999999), -kInfinity);
}

TEST(ParseScore, Infinities) {
  EXPECT_EQ(ParseScore("INFINITY"), kInfinity);
  EXPECT_EQ(ParseScore("+INFINITY"), kInfinity);
  EXPECT_EQ(ParseScore("-INFINITY"), -kInfinity);
  EXPECT_EQ(ParseScore("infinity"), kInfinity);
}

TEST(ParseScore, Integers) {
  EXPECT_EQ(ParseScore("0"), 0);
  EXPECT_EQ(ParseScore("100"), 100);
  EXPECT_EQ(ParseScore("-50"), -50);
  EXPECT_EQ(ParseScore("1.0"), 1);  // strtoll: the leading integer counts
  EXPECT_EQ(ParseScore("2000000"), kInfinity);
  EXPECT_EQ(ParseScore("-2000000"), -kInfinity);
}

TEST(ParseScore, GarbageIsNullopt) {
  EXPECT_EQ(ParseScore("abc"), std::nullopt);
  EXPECT_EQ(ParseScore(""), std::nullopt);
  EXPECT_EQ(ScoreOrZero("abc"), 0);
  EXPECT_EQ(ScoreOrZero("-INFINITY"), -kInfinity);
}

TEST(ScoreToString, PrintsInfinitiesByName) {
  EXPECT_EQ(ScoreToString(kInfinity), "INFINITY");
  EXPECT_EQ(ScoreToString(-kInfinity), "-INFINITY");
  EXPECT_EQ(ScoreToString(2 * kInfinity), "INFINITY");
  EXPECT_EQ(ScoreToString(0), "0");
  EXPECT_EQ(ScoreToString(-5), "-5");
  EXPECT_EQ(ScoreToString(999999), "999999");
}

TEST(ParseIntervalMs, Units) {
  EXPECT_EQ(ParseIntervalMs("10s"), 10000);
  EXPECT_EQ(ParseIntervalMs("10"), 10000);
  EXPECT_EQ(ParseIntervalMs("0"), 0);
  EXPECT_EQ(ParseIntervalMs("500ms"), 500);
  EXPECT_EQ(ParseIntervalMs("1m"), 60000);
  EXPECT_EQ(ParseIntervalMs("2min"), 120000);
  EXPECT_EQ(ParseIntervalMs("1h"), 3600000);
}

TEST(ParseIntervalMs, IsoDurations) {
  EXPECT_EQ(ParseIntervalMs("PT1M30S"), 90000);
  EXPECT_EQ(ParseIntervalMs("PT1M"), 60000);
  EXPECT_EQ(ParseIntervalMs("PT10S"), 10000);
  EXPECT_EQ(ParseIntervalMs("P1D"), 86400000);
  EXPECT_EQ(ParseIntervalMs("PT1H"), 3600000);
}

TEST(ParseIntervalMs, GarbageIsNullopt) {
  EXPECT_EQ(ParseIntervalMs(""), std::nullopt);
  EXPECT_EQ(ParseIntervalMs("abc"), std::nullopt);
  EXPECT_EQ(ParseIntervalMs("10 parsecs"), std::nullopt);
  EXPECT_EQ(ParseIntervalMs("PTxS"), std::nullopt);
}

TEST(IsTrue, PacemakerBooleans) {
  for (const char* t : {"true", "TRUE", "True", "yes", "Yes", "y", "Y", "on", "ON", "1"}) {
    EXPECT_TRUE(IsTrue(t)) << t;
  }
  for (const char* f : {"false", "no", "n", "off", "0", "", "2", "enabled", "tru"}) {
    EXPECT_FALSE(IsTrue(f)) << f;
  }
}

// ========================================================= NaturalLess, digests

TEST(NaturalLess, NumbersCompareByValue) {
  EXPECT_TRUE(NaturalLess("node2", "node10"));
  EXPECT_FALSE(NaturalLess("node10", "node2"));
  EXPECT_TRUE(NaturalLess("node9", "node10"));
  EXPECT_TRUE(NaturalLess("node1a", "node1b"));
}

TEST(NaturalLess, CaseInsensitive) {
  EXPECT_FALSE(NaturalLess("Node1", "node1"));
  EXPECT_FALSE(NaturalLess("node1", "Node1"));
  EXPECT_TRUE(NaturalLess("alpha", "Beta"));
  EXPECT_TRUE(NaturalLess("Alpha", "beta"));
}

TEST(NaturalLess, PrefixFirstAndIrreflexive) {
  EXPECT_TRUE(NaturalLess("node", "node1"));
  EXPECT_FALSE(NaturalLess("node1", "node"));
  EXPECT_FALSE(NaturalLess("node1", "node1"));
}

TEST(NaturalLess, SortsNodeNames) {
  std::vector<std::string> names = {"node10", "Node3", "node1", "node2", "alpha"};
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "node1", "node2", "Node3", "node10"}));
}

// Digests recorded by Pacemaker in lrm_rsc_op op-digest.
TEST(ParametersDigest, MatchesPacemaker) {
  EXPECT_EQ(ParametersDigest({}), "f2317cad3d54cec5d7d7aa7d0bf35cf8");
  EXPECT_EQ(ParametersDigest({{"ip", "127.0.0.12"}}), "d8eeae5f6724dfcab8f57ef54367eb0a");
  EXPECT_EQ(ParametersDigest({{"CRM_meta_timeout", "20000"}, {"ip", "127.0.0.12"}}),
            "7515405113757a8bc37db755be497fca");
  // A monitor with timeout="20s" and no parameters (crm_simulate's digest).
  EXPECT_EQ(ParametersDigest({{"CRM_meta_timeout", "20000"}}), "4811cef7f7f94e3a35a70be7916cb2fd");
}

// ================================================================ scenarios
// (CIB builders and the Scenario fixture are in scenario_test_util.h)

using namespace scenario;

// --------------------------------------------------------------- placement

TEST_F(Scenario, LocationPreferencePlacesNewResource) {
  CibParts p;
  p.resources = Dummy("rsc1");
  p.constraints = R"(<rsc_location id="loc-rsc1" rsc="rsc1" node="node2" score="100"/>)";
  p.status = Up("1", Probed("rsc1", 1)) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node2");
  EXPECT_EQ(NextRole("rsc1"), Role::kStarted);
  ExpectRequired("rsc1", "start", "node2");
  ExpectSummary({"  * Start      rsc1     ( node2 )"});
}

TEST_F(Scenario, StickinessKeepsRunningResourceInPlace) {
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"resource-stickiness", "200"}}));
  p.constraints = R"(<rsc_location id="loc-rsc1" rsc="rsc1" node="node2" score="100"/>)";
  p.status = Up("1", Started("rsc1", 2)) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node1");
  EXPECT_EQ(NextRole("rsc1"), Role::kStarted);
  ExpectUntouched("rsc1");
  ExpectSummary({});
}

TEST_F(Scenario, SmallerStickinessLosesToPreference) {
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"resource-stickiness", "50"}}));
  p.constraints = R"(<rsc_location id="loc-rsc1" rsc="rsc1" node="node2" score="100"/>)";
  p.status = Up("1", Started("rsc1", 2)) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node2");
  ExpectRequired("rsc1", "stop", "node1");
  ExpectRequired("rsc1", "start", "node2");
  EXPECT_TRUE(OrderedBefore(FindAction("rsc1", "stop", "node1"), FindAction("rsc1", "start", "node2")));
  ExpectSummary({"  * Move       rsc1     ( node1 -> node2 )"});
}

TEST_F(Scenario, InfinityColocationPlacesDependentWithPrimary) {
  CibParts p;
  p.resources = Dummy("rsc1") + Dummy("rsc2");
  p.constraints = R"(<rsc_location id="loc-rsc1" rsc="rsc1" node="node2" score="100"/>
    <rsc_location id="loc-rsc2" rsc="rsc2" node="node1" score="50"/>
    <rsc_colocation id="col" rsc="rsc2" with-rsc="rsc1" score="INFINITY"/>)";
  p.status = Up("1", Probed("rsc1", 1) + Probed("rsc2", 2)) + Up("2", Probed("rsc1", 1) + Probed("rsc2", 2));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node2");
  EXPECT_EQ(AssignedNode("rsc2"), "node2");
  ExpectSummary({
      "  * Start      rsc1     ( node2 )",
      "  * Start      rsc2     ( node2 )",
  });
}

TEST_F(Scenario, MinusInfinityColocationKeepsResourcesApart) {
  CibParts p;
  p.resources = Dummy("rsc1") + Dummy("rsc2");
  p.constraints = R"(<rsc_location id="loc-rsc1" rsc="rsc1" node="node1" score="100"/>
    <rsc_location id="loc-rsc2" rsc="rsc2" node="node1" score="50"/>
    <rsc_colocation id="anti" rsc="rsc2" with-rsc="rsc1" score="-INFINITY"/>)";
  p.status = Up("1", Probed("rsc1", 1) + Probed("rsc2", 2)) + Up("2", Probed("rsc1", 1) + Probed("rsc2", 2));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node1");
  EXPECT_EQ(AssignedNode("rsc2"), "node2");
  ExpectSummary({
      "  * Start      rsc1     ( node1 )",
      "  * Start      rsc2     ( node2 )",
  });
}

// ----------------------------------------------------------------- ordering

TEST_F(Scenario, MandatoryOrderBlocksThenWhenFirstCannotRun) {
  CibParts p;
  p.resources = Dummy("rsc1") + Dummy("rsc2");
  p.constraints = R"(<rsc_location id="ban1" rsc="rsc1" node="node1" score="-INFINITY"/>
    <rsc_location id="ban2" rsc="rsc1" node="node2" score="-INFINITY"/>
    <rsc_order id="ord" first="rsc1" then="rsc2" kind="Mandatory"/>)";
  p.status = Up("1", Probed("rsc1", 1) + Probed("rsc2", 2)) + Up("2", Probed("rsc1", 1) + Probed("rsc2", 2));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "(none)");
  const Action* start = FindAction("rsc2", "start", "");
  ASSERT_NE(start, nullptr);
  EXPECT_FALSE(start->runnable);
  EXPECT_FALSE(InGraph(*start));
  ExpectSummary({"  * Start      rsc2     ( node1 )  due to unrunnable rsc1 start (blocked)"});
}

TEST_F(Scenario, MandatoryOrderStopsRunningThenWhenFirstCannotRun) {
  CibParts p;
  p.resources = Dummy("rsc1") + Dummy("rsc2");
  p.constraints = R"(<rsc_location id="ban1" rsc="rsc1" node="node1" score="-INFINITY"/>
    <rsc_location id="ban2" rsc="rsc1" node="node2" score="-INFINITY"/>
    <rsc_order id="ord" first="rsc1" then="rsc2" kind="Mandatory"/>)";
  p.status = Up("1", Probed("rsc1", 1) + Started("rsc2", 2)) + Up("2", Probed("rsc1", 1) + Probed("rsc2", 2));
  Run(p);
  ExpectRequired("rsc2", "stop", "node1");
  ExpectSummary({"  * Stop       rsc2     ( node1 )  due to unrunnable rsc1 start"});
}

TEST_F(Scenario, OptionalOrderDoesNotBlock) {
  CibParts p;
  p.resources = Dummy("rsc1") + Dummy("rsc2");
  p.constraints = R"(<rsc_location id="ban1" rsc="rsc1" node="node1" score="-INFINITY"/>
    <rsc_location id="ban2" rsc="rsc1" node="node2" score="-INFINITY"/>
    <rsc_order id="ord" first="rsc1" then="rsc2" kind="Optional"/>)";
  p.status = Up("1", Probed("rsc1", 1) + Probed("rsc2", 2)) + Up("2", Probed("rsc1", 1) + Probed("rsc2", 2));
  Run(p);
  ExpectRequired("rsc2", "start", "node1");
  ExpectSummary({"  * Start      rsc2     ( node1 )"});
}

// ------------------------------------------------------------ meta attributes

TEST_F(Scenario, TargetRoleStoppedStopsRunningResource) {
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"target-role", "Stopped"}}));
  p.status = Up("1", Started("rsc1", 2)) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(NextRole("rsc1"), Role::kStopped);
  ExpectRequired("rsc1", "stop", "node1");
  ExpectSummary({"  * Stop       rsc1     ( node1 )  due to node availability"});
}

TEST_F(Scenario, UnmanagedResourceIsLeftAlone) {
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"is-managed", "false"}, {"target-role", "Stopped"}}));
  p.constraints = R"(<rsc_location id="ban" rsc="rsc1" node="node1" score="-INFINITY"/>)";
  p.status = Up("1", Started("rsc1", 2)) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_FALSE(Rsc("rsc1")->managed);
  ExpectUntouched("rsc1");
  ExpectSummary({});
}

// ------------------------------------------------------------------ failures

// rsc1 started on node1 and its 10s monitor then failed (rc 1).
std::string FailedOnNode1(const std::string& rsc, long long failed_at) {
  std::string failed = Op(rsc, rsc + "_monitor_10000", "monitor", 10000, 3, 1, 0, failed_at, kMon10Digest);
  std::string last_failure = Op(rsc, rsc + "_last_failure_0", "monitor", 10000, 3, 1, 0, failed_at, kMon10Digest);
  return Up("1", LrmResource(rsc, Op(rsc, rsc + "_last_0", "start", 0, 2, 0) + failed + last_failure),
            Transient("1", {{"fail-count-" + rsc + "#monitor_10000", "1"},
                            {"last-failure-" + rsc + "#monitor_10000", std::to_string(failed_at)}}));
}

// As FailedOnNode1, but since recovered in place (stop, start, monitor 10s
// after the failure): the history keeps the failure as _last_failure_0 and
// the fail count stays until it expires or is cleaned up.
std::string RecoveredOnNode1(const std::string& rsc, long long failed_at) {
  std::string start = Op(rsc, rsc + "_last_0", "start", 0, 5, 0, 0, failed_at + 10);
  std::string monitor = Op(rsc, rsc + "_monitor_10000", "monitor", 10000, 6, 0, 0, failed_at + 10, kMon10Digest);
  std::string last_failure = Op(rsc, rsc + "_last_failure_0", "monitor", 10000, 3, 1, 0, failed_at, kMon10Digest);
  return Up("1", LrmResource(rsc, start + monitor + last_failure),
            Transient("1", {{"fail-count-" + rsc + "#monitor_10000", "1"},
                            {"last-failure-" + rsc + "#monitor_10000", std::to_string(failed_at)}}));
}

TEST_F(Scenario, FailedMonitorIsRecoveredInPlace) {
  CibParts p;
  p.resources = Dummy("rsc1", MonitorOp("rsc1"));
  p.status = FailedOnNode1("rsc1", kNow - 60) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_TRUE(Rsc("rsc1")->failed);
  EXPECT_EQ(AssignedNode("rsc1"), "node1");
  ExpectRequired("rsc1", "stop", "node1");
  ExpectRequired("rsc1", "start", "node1");
  ExpectSummary({"  * Recover    rsc1     ( node1 )"});
}

TEST_F(Scenario, MigrationThresholdMovesResourceAway) {
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"migration-threshold", "1"}}) + MonitorOp("rsc1"));
  p.status = FailedOnNode1("rsc1", kNow - 60) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node2");
  ExpectRequired("rsc1", "stop", "node1");
  ExpectRequired("rsc1", "start", "node2");
  ExpectSummary({"  * Recover    rsc1     ( node1 -> node2 )"});
}

TEST_F(Scenario, ExpiredFailureLetsResourceStay) {
  // The monitor failed an hour ago and was recovered in place since; the
  // fail count (1, migration-threshold 1) has expired with failure-timeout 60s.
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"migration-threshold", "1"}, {"failure-timeout", "60s"}}) +
                                  MonitorOp("rsc1"));
  p.status = RecoveredOnNode1("rsc1", kNow - 3600) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node1");
  EXPECT_EQ(NextRole("rsc1"), Role::kStarted);
  EXPECT_EQ(FindAction("rsc1", "start", "node2"), nullptr);
  ExpectSummary({});
}

TEST_F(Scenario, UnexpiredFailureMovesResource) {
  // As above, but the failure is 30s old: the fail count still reaches the
  // migration-threshold, so rsc1 (healthy since its restart) moves.
  CibParts p;
  p.resources = Dummy("rsc1", Meta("rsc1", {{"migration-threshold", "1"}, {"failure-timeout", "60s"}}) +
                                  MonitorOp("rsc1"));
  p.status = RecoveredOnNode1("rsc1", kNow - 30) + Up("2", Probed("rsc1", 1));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node2");
  EXPECT_FALSE(Rsc("rsc1")->failed);
  ExpectSummary({"  * Move       rsc1     ( node1 -> node2 )"});
}

// ------------------------------------------------------------- node states

TEST_F(Scenario, UncleanNodeIsFencedBeforeResourceStartsElsewhere) {
  CibParts p;
  p.options = R"(<nvpair id="opt-stonith" name="stonith-enabled" value="true"/>)";
  p.nodes = kThreeNodes;
  p.resources = R"(<primitive id="Fencing" class="stonith" type="fence_xvm"/>)" + Dummy("rsc1");
  p.status = Up("1", Started("Fencing", 1, "fence_xvm") + Probed("rsc1", 2)) +
             Up("2", Probed("Fencing", 1, "fence_xvm") + Probed("rsc1", 2)) +
             Lost("3", Probed("Fencing", 1, "fence_xvm") + Started("rsc1", 2));
  Run(p);
  ASSERT_NE(ws_, nullptr);
  Node* node3 = ws_->FindNode("node3");
  ASSERT_NE(node3, nullptr);
  EXPECT_TRUE(node3->unclean);
  const Action* fence = FindFence("node3");
  ASSERT_NE(fence, nullptr);
  EXPECT_FALSE(fence->optional);
  EXPECT_TRUE(fence->runnable);
  EXPECT_TRUE(InGraph(*fence));
  std::string target = AssignedNode("rsc1");
  EXPECT_NE(target, "node3");
  ExpectRequired("rsc1", "start", target);
  EXPECT_TRUE(OrderedBefore(fence, FindAction("rsc1", "start", target)));
  EXPECT_FALSE(OrderedBefore(FindAction("rsc1", "start", target), fence));
  ExpectSummary({
      "  * Fence (reboot) node3 'peer is no longer part of the cluster'",
      "  * Move       rsc1    ( node3 -> node2 )",
  });
}

TEST_F(Scenario, NoQuorumWithPolicyStopStopsResources) {
  CibParts p;
  p.options = std::string(kNoFencing) + R"(<nvpair id="opt-nqp" name="no-quorum-policy" value="stop"/>)";
  p.have_quorum = false;
  p.resources = Dummy("rsc1");
  p.status = Up("1", Started("rsc1", 2)) + Up("2", Probed("rsc1", 1));
  Run(p);
  ASSERT_NE(ws_, nullptr);
  EXPECT_FALSE(ws_->have_quorum);
  ExpectRequired("rsc1", "stop", "node1");
  for (const char* node : {"node1", "node2"}) {
    const Action* start = FindAction("rsc1", "start", node);
    EXPECT_TRUE(start == nullptr || !InGraph(*start)) << node;
  }
  ExpectSummary({"  * Stop       rsc1     ( node1 )  due to no quorum"});
}

TEST_F(Scenario, NoQuorumWithPolicyIgnoreKeepsRunning) {
  CibParts p;
  p.options = std::string(kNoFencing) + R"(<nvpair id="opt-nqp" name="no-quorum-policy" value="ignore"/>)";
  p.have_quorum = false;
  p.resources = Dummy("rsc1") + Dummy("rsc2");
  p.status = Up("1", Started("rsc1", 2) + Probed("rsc2", 3)) + Up("2", Probed("rsc1", 1) + Probed("rsc2", 2));
  Run(p);
  EXPECT_EQ(AssignedNode("rsc1"), "node1");
  ExpectSummary({"  * Start      rsc2     ( node2 )"});
}

TEST_F(Scenario, StandbyNodeGivesUpItsResources) {
  CibParts p;
  p.nodes = R"(<node id="1" uname="node1"><instance_attributes id="nodes-1">
      <nvpair id="nodes-1-standby" name="standby" value="on"/></instance_attributes></node>
    <node id="2" uname="node2"/>)";
  p.resources = Dummy("rsc1");
  p.status = Up("1", Started("rsc1", 2)) + Up("2", Probed("rsc1", 1));
  Run(p);
  ASSERT_NE(ws_, nullptr);
  ASSERT_NE(ws_->FindNode("node1"), nullptr);
  EXPECT_TRUE(ws_->FindNode("node1")->standby);
  EXPECT_EQ(AssignedNode("rsc1"), "node2");
  ExpectSummary({"  * Move       rsc1     ( node1 -> node2 )"});
}

// ---------------------------------------------------------------- collectives

TEST_F(Scenario, GroupMovesAsAWhole) {
  CibParts p;
  p.resources = "<group id=\"grp\">" + Dummy("a") + Dummy("b") + "</group>";
  p.constraints = R"(<rsc_location id="avoid" rsc="grp" node="node1" score="-INFINITY"/>)";
  p.status = Up("1", Started("a", 2) + Started("b", 3)) + Up("2", Probed("a", 1) + Probed("b", 2));
  Run(p);
  EXPECT_EQ(AssignedNode("a"), "node2");
  EXPECT_EQ(AssignedNode("b"), "node2");
  ExpectRequired("a", "start", "node2");
  ExpectRequired("b", "start", "node2");
  // Members start in order and stop in reverse order.
  EXPECT_TRUE(OrderedBefore(FindAction("a", "start", "node2"), FindAction("b", "start", "node2")));
  EXPECT_TRUE(OrderedBefore(FindAction("b", "stop", "node1"), FindAction("a", "stop", "node1")));
  ExpectSummary({
      "  * Move       a     ( node1 -> node2 )",
      "  * Move       b     ( node1 -> node2 )",
  });
}

TEST_F(Scenario, AnonymousCloneRunsOneInstancePerNode) {
  CibParts p;
  p.nodes = kThreeNodes;
  p.resources = "<clone id=\"dummy-clone\">" + Dummy("dummy") + "</clone>";
  p.status = Up("1", Probed("dummy", 1)) + Up("2", Probed("dummy", 1)) + Up("3", Probed("dummy", 1));
  Run(p);
  std::set<std::string> nodes;
  for (const char* id : {"dummy:0", "dummy:1", "dummy:2"}) {
    std::string n = AssignedNode(id);
    EXPECT_NE(n, "(none)") << id;
    nodes.insert(n);
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"node1", "node2", "node3"}));
  ExpectSummary({
      "  * Start      dummy:0     ( node1 )",
      "  * Start      dummy:1     ( node2 )",
      "  * Start      dummy:2     ( node3 )",
  });
}

TEST_F(Scenario, PromotableClonePromotesOnHigherPromotionScore) {
  CibParts p;
  p.resources = "<clone id=\"state-clone\">" + Meta("state-clone", {{"promotable", "true"}}) +
                R"(<primitive id="state" class="ocf" provider="pacemaker" type="Stateful"/></clone>)";
  p.status = Up("1", Started("state", 1, "Stateful"), Transient("1", {{"master-state", "5"}})) +
             Up("2", Started("state", 1, "Stateful"), Transient("2", {{"master-state", "10"}}));
  Run(p);
  int promoted = 0;
  for (Resource* inst : Rsc("state-clone")->children) {
    if (inst->next_role == Role::kPromoted) {
      ++promoted;
      ASSERT_NE(inst->assigned, nullptr);
      EXPECT_EQ(inst->assigned->name, "node2");
    } else {
      EXPECT_EQ(inst->next_role, Role::kUnpromoted) << inst->id;
    }
  }
  EXPECT_EQ(promoted, 1);
  ExpectSummary({"  * Promote    state:1     ( Unpromoted -> Promoted node2 )"});
}

}  // namespace
}  // namespace baton::scheduler
