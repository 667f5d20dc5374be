// The whole-cluster simulation (cluster_sim.h): seeded random faults on 2-7
// real Nodes with every invariant checked after every step; the two wrong
// decisions of issue 12 as scripted scenarios; and mutations that prove the
// checks catch a node that skips fencing, a CIB writer elected without
// quorum, a lost attribute update, and the two wrong decisions.
//
// BATON_SIM_SEEDS sets how many seeds the random runs take in all
// (default 10000, split over the shards); BATON_SIM_SEED runs one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/sim/cluster_sim.h"

namespace baton::sim {
namespace {

constexpr int kShards = 10;
constexpr int kSteps = 40;

int Seeds() {
  const char* v = std::getenv("BATON_SIM_SEEDS");
  int n = v ? std::atoi(v) : 10000;
  return n > 0 ? n : 10000;
}

class ClusterSimShard : public ::testing::TestWithParam<int> {};

TEST_P(ClusterSimShard, NoInvariantBreaks) {
  if (const char* one = std::getenv("BATON_SIM_SEED")) {
    if (GetParam() != 0) GTEST_SKIP() << "BATON_SIM_SEED runs in shard 0";
    ClusterSimOptions o;
    o.seed = std::strtoull(one, nullptr, 10);
    o.steps = kSteps;
    auto r = RunClusterSim(o);
    ASSERT_TRUE(r.ok) << r.failure;
    return;
  }
  int per = (Seeds() + kShards - 1) / kShards;
  int fencings = 0, commits = 0;
  for (int k = 0; k < per; ++k) {
    ClusterSimOptions o;
    o.seed = static_cast<uint64_t>(GetParam() * per + k + 1);
    o.steps = kSteps;
    auto r = RunClusterSim(o);
    ASSERT_TRUE(r.ok) << r.failure;
    fencings += r.fencings;
    commits += r.commits;
  }
  // The faults happened: the runs fenced nodes and committed changes.
  EXPECT_GT(fencings, 0);
  EXPECT_GT(commits, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ClusterSimShard, ::testing::Range(0, kShards));

// The first seed (of `tries`) on which a mutated cluster breaks an invariant.
ClusterSimResult FirstBreak(ClusterSimOptions o, int tries) {
  ClusterSimResult last;
  for (int s = 1; s <= tries; ++s) {
    o.seed = static_cast<uint64_t>(s);
    last = RunClusterSim(o);
    if (!last.ok) return last;
  }
  return last;
}

// Each mutation must break an invariant within 300 seeds.
struct Mutation {
  const char* name;
  bool ClusterSimOptions::*flag;
};

class ClusterSimMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(ClusterSimMutation, IsCaught) {
  ClusterSimOptions o;
  o.steps = kSteps;
  o.*(GetParam().flag) = true;
  auto r = FirstBreak(o, 300);
  EXPECT_FALSE(r.ok) << GetParam().name << ": 300 seeds without a break";
}

INSTANTIATE_TEST_SUITE_P(
    Mutations, ClusterSimMutation,
    ::testing::Values(Mutation{"ANodeThatSkipsFencing", &ClusterSimOptions::unsafe_skip_fencing},
                      Mutation{"ACibWriterElectedWithoutQuorum", &ClusterSimOptions::unsafe_dc_without_quorum},
                      Mutation{"ALostAttributeUpdate", &ClusterSimOptions::unsafe_drop_attribute_updates}),
    [](const ::testing::TestParamInfo<Mutation>& info) { return std::string(info.param.name); });

// Issue 12's first wrong decision: a node that left cleanly was fenced by a
// DC that did not know it had.
TEST(ClusterSimScenario, ACleanLeaveSurvivesEveryDcRestart) {
  ClusterSimOptions o;
  auto r = RunCleanLeaveThenDcRestarts(o);
  EXPECT_TRUE(r.ok) << r.failure;
  EXPECT_EQ(r.fencings, 0);
}

TEST(ClusterSimScenario, ACleanLeaveForgottenByANewDcIsCaught) {
  ClusterSimOptions o;
  o.unsafe_forget_lives = true;
  auto r = RunCleanLeaveThenDcRestarts(o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("left the cluster cleanly"), std::string::npos) << r.failure;
}

// The second: after an operator's crm node fence, the DC fenced the same
// loss again.
TEST(ClusterSimScenario, AnOperatorsFencingIsTheOnlyOne) {
  ClusterSimOptions o;
  auto r = RunOperatorFence(o);
  EXPECT_TRUE(r.ok) << r.failure;
  EXPECT_EQ(r.fencings, 1);
}

TEST(ClusterSimScenario, ASecondFencingForOneLossIsCaught) {
  ClusterSimOptions o;
  o.unsafe_ignore_fenced_lives = true;
  auto r = RunOperatorFence(o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("again for the loss"), std::string::npos) << r.failure;
}

}  // namespace
}  // namespace baton::sim
