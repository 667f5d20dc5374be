// Seeded simulation runs of membership, quorum and election, with replayed
// heartbeats, plus checks that the invariant checker catches deliberately
// broken protocols.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/sim/membership_sim.h"

namespace baton::sim {
namespace {

int SeedCount(int fallback) {
  const char* env = std::getenv("BATON_SIM_SEEDS");
  return env ? std::atoi(env) : fallback;
}

// The schedule a seed stands for: mostly 2 to 6 nodes, every tenth one 8 to
// 16, with one or two links, and an attacker replaying recorded heartbeats
// about as fast as the nodes send them.
SimOptions ForSeed(int s) {
  SimOptions o;
  o.seed = static_cast<uint64_t>(s);
  o.nodes = s % 10 == 0 ? 8 + (s / 10) % 9 : 2 + s % 5;
  o.links = 1 + s % 2;
  o.fault_ms = 2000;
  o.heal_ms = 2500;
  o.replay = 0.5;
  // Even node counts also run with auto_tie_breaker; two nodes with
  // two_node every other time.
  o.auto_tie_breaker = o.nodes % 2 == 0 && s % 3 == 0;
  o.two_node = o.nodes == 2 && s % 2 == 0;
  if (o.two_node) o.auto_tie_breaker = false;
  return o;
}

// 10,000 schedules by default (BATON_SIM_SEEDS=N for more or fewer;
// BATON_SIM_SEED=N reruns just seed N, as a failure says).
TEST(MembershipSim, SeededSchedulesKeepInvariants) {
  int seeds = SeedCount(10000);
  int first = 1;
  if (const char* one = std::getenv("BATON_SIM_SEED")) first = seeds = std::atoi(one);
  uint64_t view_changes = 0;
  uint64_t replays = 0;
  for (int s = first; s <= seeds; ++s) {
    SimOptions o = ForSeed(s);
    SimResult r = RunMembershipSim(o);
    ASSERT_TRUE(r.ok) << r.failure;
    // Invariant 4 as the receivers count it: no replay ever counts.
    ASSERT_EQ(r.replays_refused, r.replays)
        << "seed " << s << ": a replayed heartbeat was counted (rerun: BATON_SIM_SEED=" << s << ")";
    view_changes += r.view_changes;
    replays += r.replays;
  }
  EXPECT_GT(view_changes, static_cast<uint64_t>(seeds - first + 1));  // faults really changed views
  EXPECT_GT(replays, 100 * static_cast<uint64_t>(seeds - first + 1));  // replays really happened
}

TEST(MembershipSim, CatchesAProtocolThatSkipsAgreement) {
  int caught = 0;
  for (int s = 1; s <= 300 && caught == 0; ++s) {
    SimOptions o;
    o.seed = static_cast<uint64_t>(s);
    o.nodes = 4;
    o.break_agreement = true;
    if (!RunMembershipSim(o).ok) ++caught;
  }
  EXPECT_GT(caught, 0) << "the invariant checks missed a membership that installs views without agreement";
}

// A receiver that skips invariant 4's echo check counts heartbeats
// replayed to it after it restarted, or meant for another node, and so
// counts crashed or cut-off peers up: the replay fault must expose it (and
// is what does: the same schedule without replays passes).
TEST(MembershipSim, CatchesAReceiverThatCountsReplays) {
  int caught = 0;
  for (int s = 1; s <= 300 && caught == 0; ++s) {
    SimOptions o = ForSeed(s);
    o.break_echo = true;
    SimResult r = RunMembershipSim(o);
    if (r.ok) continue;
    ++caught;
    EXPECT_LT(r.replays_refused, r.replays) << r.failure;
    o.replay = 0;
    SimResult quiet = RunMembershipSim(o);
    EXPECT_TRUE(quiet.ok) << "seed " << s << " fails without replays too:\n" << quiet.failure;
  }
  EXPECT_GT(caught, 0) << "the invariant checks missed a membership that counts replayed heartbeats";
}

TEST(MembershipSim, CatchesQuorumGrantedWithoutMajority) {
  // Every partition considering itself quorate must trip the check that
  // no two quorate views are disjoint.
  int caught = 0;
  for (int s = 1; s <= 300 && caught == 0; ++s) {
    SimOptions o;
    o.seed = static_cast<uint64_t>(s);
    o.nodes = 4;
    o.break_quorum = true;
    if (!RunMembershipSim(o).ok) ++caught;
  }
  EXPECT_GT(caught, 0) << "the invariant checks missed two disjoint quorate partitions";
}

TEST(MembershipSim, QuietNetworkFormsOneViewQuickly) {
  SimOptions o;
  o.seed = 7;
  o.nodes = 5;
  o.fault_ms = 0;
  o.heal_ms = 1000;
  o.loss = 0;
  o.duplicate = 0;
  SimResult r = RunMembershipSim(o);
  EXPECT_TRUE(r.ok) << r.failure;
}

}  // namespace
}  // namespace baton::sim
