// votequorum's rules, one at a time: plain majority, weighted votes,
// expected_votes (explicit and grown), two_node, wait_for_all,
// auto_tie_breaker and last_man_standing with its window, plus Validate's
// errors and an exhaustive check that two halves are never both quorate.
#include "crmd/quorum/quorum.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace baton::quorum {
namespace {

using ::testing::HasSubstr;

Config Nodes(std::initializer_list<uint32_t> ids) {
  Config c;
  for (uint32_t id : ids) c.nodes.push_back({id, 1});
  return c;
}

Quorum Make(const Config& config, uint32_t me) { return Quorum::Create(config, me).value(); }

// Every configured node, each with its own Quorum, under partitions the test
// chooses. Members of a group announce their state to each other, as crmd
// does after every view change.
class Cluster {
 public:
  explicit Cluster(const Config& config) : config_(config) {
    for (const NodeVotes& n : config.nodes) Start(n.node_id);
  }

  // A fresh start of `id`: it forgets everything, like a rebooted node.
  void Start(uint32_t id) {
    nodes_.erase(id);
    nodes_.emplace(id, Make(config_, id));
  }

  void Partition(const std::vector<std::set<uint32_t>>& groups, uint64_t now_ms) {
    for (const auto& group : groups) {
      for (uint32_t id : group) node(id).OnMembership(group, now_ms);
    }
    for (const auto& group : groups) Exchange(group);
  }

  void Tick(uint64_t now_ms) {
    for (auto& [id, q] : nodes_) q.OnTick(now_ms);
  }

  Quorum& node(uint32_t id) { return nodes_.at(id); }

  // Whether every node of `group` is quorate (false if none is); fails the
  // test when members of one view disagree.
  bool Quorate(const std::set<uint32_t>& group) {
    const bool first = node(*group.begin()).quorate();
    for (uint32_t id : group) EXPECT_EQ(node(id).quorate(), first) << "node " << id;
    return first;
  }

 private:
  void Exchange(const std::set<uint32_t>& group) {
    for (int round = 0; round < 2; ++round) {
      for (uint32_t from : group) {
        const Quorum::PeerState state = node(from).local_state();
        for (uint32_t to : group) node(to).OnPeerState(from, state);
      }
    }
  }

  Config config_;
  std::map<uint32_t, Quorum> nodes_;
};

// --- Validate ---------------------------------------------------------------

TEST(ValidateTest, AcceptsPlainCluster) { EXPECT_TRUE(Validate(Nodes({1, 2, 3})).ok()); }

TEST(ValidateTest, RejectsEmptyNodelist) {
  absl::Status s = Validate(Config{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("nodelist is empty"));
}

TEST(ValidateTest, RejectsNodeIdZero) {
  EXPECT_THAT(Validate(Nodes({0, 1})).message(), HasSubstr("node id 0 is reserved"));
}

TEST(ValidateTest, RejectsDuplicateNodeId) {
  EXPECT_THAT(Validate(Nodes({1, 2, 2})).message(), HasSubstr("node id 2 is listed twice"));
}

TEST(ValidateTest, RejectsNodesWithoutVotes) {
  Config c;
  c.nodes = {{1, 0}, {2, 0}};
  EXPECT_THAT(Validate(c).message(), HasSubstr("votes add up to 0"));
}

TEST(ValidateTest, RejectsZeroExpectedVotes) {
  Config c = Nodes({1, 2, 3});
  c.expected_votes = 0;
  EXPECT_THAT(Validate(c).message(), HasSubstr("expected_votes: 0 is invalid"));
  EXPECT_THAT(Validate(c).message(), HasSubstr("(3)"));
}

TEST(ValidateTest, TwoNodeNeedsExactlyTwoNodes) {
  Config c = Nodes({1, 2, 3});
  c.two_node = true;
  EXPECT_THAT(Validate(c).message(),
              HasSubstr("two_node: 1 needs exactly 2 nodes in the nodelist, found 3"));
  c = Nodes({1});
  c.two_node = true;
  EXPECT_THAT(Validate(c).message(), HasSubstr("found 1"));
  c = Nodes({1, 2});
  c.two_node = true;
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, RejectsTwoNodeWithTieBreaker) {
  Config c = Nodes({1, 2});
  c.two_node = true;
  c.auto_tie_breaker = true;
  EXPECT_THAT(Validate(c).message(), HasSubstr("two_node and auto_tie_breaker cannot both be on"));
}

TEST(ValidateTest, RejectsWaitForAllThatCanNeverBeSatisfied) {
  Config c = Nodes({1, 2, 3});
  c.expected_votes = 5;
  c.wait_for_all = true;
  EXPECT_THAT(Validate(c).message(), HasSubstr("wait_for_all can never be satisfied"));
  c.wait_for_all = false;
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, TwoNodeImpliesWaitForAllInValidation) {
  Config c = Nodes({1, 2});
  c.two_node = true;
  c.expected_votes = 3;
  EXPECT_THAT(Validate(c).message(), HasSubstr("wait_for_all can never be satisfied"));
  c.wait_for_all = false;
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, LastManStandingNeedsOneVoteEach) {
  Config c = Nodes({1, 2, 3});
  c.nodes[1].votes = 2;
  c.last_man_standing = true;
  EXPECT_THAT(Validate(c).message(),
              HasSubstr("last_man_standing needs every node to have 1 vote, node 2 has 2"));
}

TEST(ValidateTest, TieBreakerWithOddVotesNeedsWaitForAll) {
  Config c = Nodes({1, 2, 3});
  c.auto_tie_breaker = true;
  EXPECT_THAT(Validate(c).message(),
              HasSubstr("auto_tie_breaker with an odd number of votes (3) needs wait_for_all"));
  c.wait_for_all = true;
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, CreateRejectsNodeOutsideNodelist) {
  absl::StatusOr<Quorum> q = Quorum::Create(Nodes({1, 2, 3}), 7);
  EXPECT_THAT(q.status().message(), HasSubstr("this node's id 7 is not in the nodelist"));
}

TEST(ValidateTest, CreatePassesValidateErrorsOn) {
  EXPECT_THAT(Quorum::Create(Nodes({1, 1}), 1).status().message(), HasSubstr("listed twice"));
}

// --- Majority and votes -----------------------------------------------------

TEST(MajorityTest, StartsAloneInItsOwnView) {
  Quorum q = Make(Nodes({1, 2, 3}), 1);
  EXPECT_EQ(q.members(), (std::set<uint32_t>{1}));
  EXPECT_EQ(q.expected_votes(), 3u);
  EXPECT_EQ(q.quorum(), 2u);
  EXPECT_EQ(q.total_votes(), 1u);
  EXPECT_FALSE(q.quorate());
}

TEST(MajorityTest, SingleNodeClusterIsQuorateAtOnce) { EXPECT_TRUE(Make(Nodes({1}), 1).quorate()); }

TEST(MajorityTest, TwoOfThreeAreQuorateOneIsNot) {
  Quorum q = Make(Nodes({1, 2, 3}), 1);
  q.OnMembership({1, 2}, 0);
  EXPECT_TRUE(q.quorate());
  EXPECT_EQ(q.total_votes(), 2u);
  q.OnMembership({1}, 100);
  EXPECT_FALSE(q.quorate());
  q.OnMembership({1, 2, 3}, 200);
  EXPECT_TRUE(q.quorate());
  EXPECT_EQ(q.total_votes(), 3u);
}

TEST(MajorityTest, QuorumIsMoreThanHalf) {
  Quorum q = Make(Nodes({1, 2, 3, 4}), 1);
  EXPECT_EQ(q.quorum(), 3u);
  q.OnMembership({1, 2}, 0);
  EXPECT_FALSE(q.quorate());
  q.OnMembership({1, 2, 3}, 0);
  EXPECT_TRUE(q.quorate());
}

TEST(MajorityTest, OwnNodeIsAlwaysInItsView) {
  Quorum q = Make(Nodes({1, 2, 3}), 1);
  q.OnMembership({2}, 0);
  EXPECT_EQ(q.members(), (std::set<uint32_t>{1, 2}));
  EXPECT_TRUE(q.quorate());
}

TEST(MajorityTest, UnconfiguredIdsCarryNoVotes) {
  Quorum q = Make(Nodes({1, 2, 3}), 1);
  q.OnMembership({1, 42, 43}, 0);
  EXPECT_EQ(q.members(), (std::set<uint32_t>{1}));
  EXPECT_EQ(q.total_votes(), 1u);
  EXPECT_FALSE(q.quorate());
}

TEST(VotesTest, WeightedNodeCanHoldQuorumAlone) {
  Config c;
  c.nodes = {{1, 3}, {2, 1}, {3, 1}};
  Quorum heavy = Make(c, 1);
  EXPECT_EQ(heavy.expected_votes(), 5u);
  EXPECT_EQ(heavy.quorum(), 3u);
  EXPECT_TRUE(heavy.quorate());
  Quorum light = Make(c, 2);
  light.OnMembership({2, 3}, 0);
  EXPECT_EQ(light.total_votes(), 2u);
  EXPECT_FALSE(light.quorate());
  light.OnMembership({1, 2}, 0);
  EXPECT_TRUE(light.quorate());
}

TEST(VotesTest, ZeroVoteNodeDoesNotCount) {
  Config c;
  c.nodes = {{1, 1}, {2, 1}, {3, 0}};
  Quorum q = Make(c, 3);
  EXPECT_EQ(q.expected_votes(), 2u);
  EXPECT_EQ(q.quorum(), 2u);
  q.OnMembership({1, 3}, 0);
  EXPECT_EQ(q.total_votes(), 1u);
  EXPECT_FALSE(q.quorate());
  q.OnMembership({1, 2, 3}, 0);
  EXPECT_TRUE(q.quorate());
}

// --- expected_votes ---------------------------------------------------------

TEST(ExpectedVotesTest, ExplicitLargerThanNodeCountRaisesQuorum) {
  Config c = Nodes({1, 2, 3});
  c.expected_votes = 5;
  Quorum q = Make(c, 1);
  EXPECT_EQ(q.expected_votes(), 5u);
  EXPECT_EQ(q.quorum(), 3u);
  q.OnMembership({1, 2}, 0);
  EXPECT_FALSE(q.quorate());
  q.OnMembership({1, 2, 3}, 0);
  EXPECT_TRUE(q.quorate());
  EXPECT_EQ(q.expected_votes(), 5u);
}

TEST(ExpectedVotesTest, GrowsWhenTotalExceedsItAndNeverComesBack) {
  Config c = Nodes({1, 2, 3, 4, 5});
  c.expected_votes = 3;
  Quorum q = Make(c, 1);
  EXPECT_EQ(q.quorum(), 2u);
  q.OnMembership({1, 2}, 0);
  EXPECT_TRUE(q.quorate());
  q.OnMembership({1, 2, 3, 4}, 0);
  EXPECT_EQ(q.expected_votes(), 4u);
  EXPECT_EQ(q.quorum(), 3u);
  q.OnMembership({1, 2}, 0);
  EXPECT_EQ(q.expected_votes(), 4u);
  EXPECT_FALSE(q.quorate());
}

// --- two_node ---------------------------------------------------------------

Config TwoNode() {
  Config c = Nodes({1, 2});
  c.two_node = true;
  return c;
}

TEST(TwoNodeTest, NeitherIsQuorateAtStartupBeforeSeeingTheOther) {
  Cluster cluster(TwoNode());
  cluster.Partition({{1}, {2}}, 0);
  for (uint32_t id : {1u, 2u}) {
    EXPECT_FALSE(cluster.node(id).quorate());
    EXPECT_FALSE(cluster.node(id).wait_for_all_satisfied());
    EXPECT_EQ(cluster.node(id).quorum(), 1u);
  }
}

TEST(TwoNodeTest, BothSidesOfASplitStayQuorate) {
  Cluster cluster(TwoNode());
  cluster.Partition({{1, 2}}, 0);
  EXPECT_TRUE(cluster.Quorate({1, 2}));
  EXPECT_TRUE(cluster.node(1).wait_for_all_satisfied());
  cluster.Partition({{1}, {2}}, 1000);
  EXPECT_TRUE(cluster.node(1).quorate());
  EXPECT_TRUE(cluster.node(2).quorate());
  EXPECT_EQ(cluster.node(1).total_votes(), 1u);
}

TEST(TwoNodeTest, FencedNodeWaitsForItsPeerAfterReboot) {
  Cluster cluster(TwoNode());
  cluster.Partition({{1, 2}}, 0);
  cluster.Partition({{1}, {2}}, 1000);
  cluster.Start(2);  // node 1 fenced it
  cluster.Partition({{1}, {2}}, 2000);
  EXPECT_TRUE(cluster.node(1).quorate());
  EXPECT_FALSE(cluster.node(2).quorate());
  cluster.Partition({{1, 2}}, 3000);
  EXPECT_TRUE(cluster.Quorate({1, 2}));
}

TEST(TwoNodeTest, WaitForAllCanBeTurnedOff) {
  Config c = TwoNode();
  c.wait_for_all = false;
  Quorum q = Make(c, 2);
  EXPECT_TRUE(q.wait_for_all_satisfied());
  EXPECT_TRUE(q.quorate());
}

// --- wait_for_all -----------------------------------------------------------

Config WaitForAll(std::initializer_list<uint32_t> ids) {
  Config c = Nodes(ids);
  c.wait_for_all = true;
  return c;
}

TEST(WaitForAllTest, MajorityIsNotEnoughBeforeAllWereSeen) {
  Quorum q = Make(WaitForAll({1, 2, 3}), 1);
  q.OnMembership({1, 2}, 0);
  EXPECT_FALSE(q.quorate());
  EXPECT_FALSE(q.wait_for_all_satisfied());
  q.OnMembership({1, 2, 3}, 100);
  EXPECT_TRUE(q.wait_for_all_satisfied());
  EXPECT_TRUE(q.quorate());
}

TEST(WaitForAllTest, NormalRulesOnceAllWereSeen) {
  Quorum q = Make(WaitForAll({1, 2, 3}), 1);
  q.OnMembership({1, 2, 3}, 0);
  q.OnMembership({1, 2}, 100);
  EXPECT_TRUE(q.quorate());
  q.OnMembership({1}, 200);
  EXPECT_FALSE(q.quorate());
  EXPECT_TRUE(q.wait_for_all_satisfied());
  q.OnMembership({1, 3}, 300);
  EXPECT_TRUE(q.quorate());
}

TEST(WaitForAllTest, RestartedNodeJoinsAQuoratePartitionThroughItsPeers) {
  Cluster cluster(WaitForAll({1, 2, 3}));
  cluster.Partition({{1, 2, 3}}, 0);
  cluster.Partition({{1, 2}, {3}}, 100);  // node 3 is gone for good
  cluster.Start(2);
  // Before announcements, node 2 still waits while node 1 is quorate.
  cluster.node(1).OnMembership({1, 2}, 200);
  cluster.node(2).OnMembership({1, 2}, 200);
  EXPECT_TRUE(cluster.node(1).quorate());
  EXPECT_FALSE(cluster.node(2).quorate());
  cluster.node(2).OnPeerState(1, cluster.node(1).local_state());
  EXPECT_TRUE(cluster.node(2).quorate());
  EXPECT_TRUE(cluster.node(2).wait_for_all_satisfied());
}

TEST(WaitForAllTest, PeersThatCannotVouchAreIgnored) {
  Quorum q = Make(WaitForAll({1, 2, 3}), 1);
  q.OnMembership({1, 2}, 0);
  q.OnPeerState(2, {.quorate = false, .expected_votes = 3});  // not quorate
  q.OnPeerState(3, {.quorate = true, .expected_votes = 3});   // not in the view
  q.OnPeerState(1, {.quorate = true, .expected_votes = 3});   // itself
  EXPECT_FALSE(q.wait_for_all_satisfied());
  EXPECT_FALSE(q.quorate());
}

TEST(WaitForAllTest, ReachedThroughVotesNotNodes) {
  Config c = WaitForAll({1, 2, 3});
  c.expected_votes = 2;
  Quorum q = Make(c, 1);
  q.OnMembership({1, 2}, 0);
  EXPECT_TRUE(q.wait_for_all_satisfied());
  EXPECT_TRUE(q.quorate());
}

// --- auto_tie_breaker -------------------------------------------------------

TEST(TieBreakerTest, EvenSplitWithoutTieBreakerLeavesNoneQuorate) {
  Cluster cluster(Nodes({1, 2, 3, 4}));
  cluster.Partition({{1, 2, 3, 4}}, 0);
  cluster.Partition({{1, 2}, {3, 4}}, 100);
  EXPECT_FALSE(cluster.Quorate({1, 2}));
  EXPECT_FALSE(cluster.Quorate({3, 4}));
}

TEST(TieBreakerTest, EvenSplitKeepsTheHalfWithTheLowestNodeId) {
  Config c = Nodes({1, 2, 3, 4});
  c.auto_tie_breaker = true;
  Cluster cluster(c);
  cluster.Partition({{1, 2, 3, 4}}, 0);
  cluster.Partition({{1, 2}, {3, 4}}, 100);
  EXPECT_TRUE(cluster.Quorate({1, 2}));
  EXPECT_FALSE(cluster.Quorate({3, 4}));
  EXPECT_EQ(cluster.node(1).quorum(), 3u);  // won by the tie-breaker, not votes
  cluster.Partition({{2, 4}, {1, 3}}, 200);
  EXPECT_TRUE(cluster.Quorate({1, 3}));
  EXPECT_FALSE(cluster.Quorate({2, 4}));
}

TEST(TieBreakerTest, OnlyAnExactHalfIsSaved) {
  Config c = Nodes({1, 2, 3, 4});
  c.auto_tie_breaker = true;
  Quorum q = Make(c, 1);
  EXPECT_FALSE(q.quorate());  // alone: a quarter
  q.OnMembership({1, 4}, 0);
  EXPECT_TRUE(q.quorate());
}

TEST(TieBreakerTest, LowestConfiguredIdNotLiterallyOne) {
  Config c = Nodes({9, 3, 7, 5});
  c.auto_tie_breaker = true;
  Cluster cluster(c);
  cluster.Partition({{3, 9}, {5, 7}}, 0);
  EXPECT_TRUE(cluster.Quorate({3, 9}));
  EXPECT_FALSE(cluster.Quorate({5, 7}));
}

TEST(TieBreakerTest, HalfIsCountedInVotes) {
  Config c;
  c.nodes = {{1, 1}, {2, 1}, {3, 2}};
  c.auto_tie_breaker = true;
  Cluster cluster(c);
  cluster.Partition({{1, 2}, {3}}, 0);
  EXPECT_TRUE(cluster.Quorate({1, 2}));
  EXPECT_FALSE(cluster.Quorate({3}));
}

TEST(TieBreakerTest, DoesNotShortcutWaitForAll) {
  Config c = Nodes({1, 2, 3, 4});
  c.auto_tie_breaker = true;
  c.wait_for_all = true;
  Cluster cluster(c);
  cluster.Partition({{1, 2}, {3, 4}}, 0);
  EXPECT_FALSE(cluster.Quorate({1, 2}));
  cluster.Partition({{1, 2, 3, 4}}, 100);
  cluster.Partition({{1, 2}, {3, 4}}, 200);
  EXPECT_TRUE(cluster.Quorate({1, 2}));
}

// --- last_man_standing ------------------------------------------------------

Config LastManStanding(std::initializer_list<uint32_t> ids) {
  Config c = Nodes(ids);
  c.last_man_standing = true;
  c.last_man_standing_window_ms = 10000;
  return c;
}

TEST(LastManStandingTest, ShrinksOneNodeAtATimeAfterTheWindow) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  EXPECT_EQ(q.next_tick_ms(), std::nullopt);

  q.OnMembership({1, 2, 3, 4}, 1000);  // 5 -> 4
  EXPECT_TRUE(q.quorate());
  EXPECT_EQ(q.next_tick_ms(), 11000u);
  q.OnTick(10999);
  EXPECT_EQ(q.expected_votes(), 5u);
  q.OnTick(11000);
  EXPECT_EQ(q.expected_votes(), 4u);
  EXPECT_EQ(q.quorum(), 3u);
  EXPECT_EQ(q.next_tick_ms(), std::nullopt);

  q.OnMembership({1, 2, 3}, 12000);  // 4 -> 3
  EXPECT_TRUE(q.quorate());
  q.OnTick(21999);
  EXPECT_EQ(q.expected_votes(), 4u);
  q.OnTick(22000);
  EXPECT_EQ(q.expected_votes(), 3u);
  EXPECT_EQ(q.quorum(), 2u);

  q.OnMembership({1, 2}, 23000);  // 3 -> 2
  EXPECT_TRUE(q.quorate());
  q.OnTick(33000);
  EXPECT_EQ(q.expected_votes(), 2u);
  EXPECT_EQ(q.quorum(), 2u);

  // Without the tie-breaker the last two cannot shrink to one.
  q.OnMembership({1}, 34000);
  EXPECT_FALSE(q.quorate());
  EXPECT_EQ(q.next_tick_ms(), std::nullopt);
  q.OnTick(100000);
  EXPECT_EQ(q.expected_votes(), 2u);
  EXPECT_FALSE(q.quorate());
}

TEST(LastManStandingTest, SecondFailureInsideTheWindowCostsQuorum) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  q.OnMembership({1, 2, 3}, 1000);
  EXPECT_TRUE(q.quorate());
  q.OnMembership({1, 2}, 5000);  // before 11000
  EXPECT_FALSE(q.quorate());
  q.OnTick(50000);
  EXPECT_EQ(q.expected_votes(), 5u);
  EXPECT_FALSE(q.quorate());
}

TEST(LastManStandingTest, LosingQuorumAtOnceNeverArmsTheWindow) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  q.OnMembership({1, 2}, 1000);
  EXPECT_EQ(q.next_tick_ms(), std::nullopt);
  EXPECT_FALSE(q.quorate());
}

TEST(LastManStandingTest, AnyViewChangeRestartsThePendingWindow) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  q.OnMembership({1, 2, 3}, 0);
  q.OnMembership({1, 2, 3, 4}, 5000);  // node 4 back: the view is not stable
  EXPECT_EQ(q.next_tick_ms(), 15000u);
  q.OnTick(10000);
  EXPECT_EQ(q.expected_votes(), 5u);
  q.OnTick(15000);
  EXPECT_EQ(q.expected_votes(), 4u);
}

TEST(LastManStandingTest, SameMembersAgainDoNotRestartTheWindow) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  q.OnMembership({1, 2, 3, 4}, 0);
  q.OnMembership({1, 2, 3, 4}, 5000);  // a new ring with the same members
  q.OnTick(10000);
  EXPECT_EQ(q.expected_votes(), 4u);
}

TEST(LastManStandingTest, ExpiredWindowIsAppliedBeforeTheNextView) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  q.OnMembership({1, 2, 3, 4}, 1000);
  q.OnMembership({1, 2, 3}, 12000);  // no tick at 11000
  EXPECT_EQ(q.expected_votes(), 4u);
  EXPECT_TRUE(q.quorate());
}

TEST(LastManStandingTest, WithTieBreakerTheLowestNodeStandsAlone) {
  Config c = LastManStanding({1, 2, 3, 4});
  c.auto_tie_breaker = true;
  Cluster cluster(c);
  cluster.Partition({{1, 2, 3, 4}}, 0);
  cluster.Partition({{1, 2, 3}, {4}}, 0);
  cluster.Tick(10000);
  cluster.Partition({{1, 2}, {3}, {4}}, 20000);
  cluster.Tick(30000);
  EXPECT_EQ(cluster.node(1).expected_votes(), 2u);

  cluster.Partition({{1}, {2}, {3}, {4}}, 40000);
  EXPECT_TRUE(cluster.node(1).quorate());  // half of 2, with the tie-breaker
  EXPECT_FALSE(cluster.node(2).quorate());
  EXPECT_EQ(cluster.node(1).next_tick_ms(), 50000u);
  cluster.Tick(50000);
  EXPECT_EQ(cluster.node(1).expected_votes(), 1u);
  EXPECT_EQ(cluster.node(1).quorum(), 1u);
  EXPECT_TRUE(cluster.node(1).quorate());
  EXPECT_FALSE(cluster.node(2).quorate());
}

TEST(LastManStandingTest, WithTieBreakerOtherNodeCannotStandAlone) {
  Config c = LastManStanding({1, 2, 3, 4});
  c.auto_tie_breaker = true;
  Quorum q = Make(c, 2);
  q.OnMembership({1, 2, 3, 4}, 0);
  q.OnMembership({2, 3, 4}, 0);
  q.OnTick(10000);
  q.OnMembership({2, 3}, 20000);
  q.OnTick(30000);
  EXPECT_EQ(q.expected_votes(), 2u);
  q.OnMembership({2}, 40000);
  q.OnTick(100000);
  EXPECT_FALSE(q.quorate());
  EXPECT_EQ(q.expected_votes(), 2u);
}

// Shrinks nodes 1..6 by last man standing down to {1, 2}, one node a window.
uint64_t ShrinkToTwo(Cluster& cluster) {
  uint64_t t = 0;
  cluster.Partition({{1, 2, 3, 4, 5, 6}}, t);
  for (uint32_t k = 5; k >= 2; --k) {
    std::vector<std::set<uint32_t>> groups(1);
    for (uint32_t id = 1; id <= 6; ++id) {
      if (id <= k) {
        groups[0].insert(id);
      } else {
        groups.push_back({id});
      }
    }
    t += 20000;
    cluster.Partition(groups, t);
    cluster.Tick(t + 10000);
  }
  return t + 20000;
}

TEST(LastManStandingTest, RejoiningNodeTakesExpectedVotesFromQuoratePeers) {
  Cluster cluster(LastManStanding({1, 2, 3, 4, 5, 6}));
  uint64_t t = ShrinkToTwo(cluster);
  EXPECT_EQ(cluster.node(1).expected_votes(), 2u);

  // By its own count node 6 has 3 votes of 6: not quorate until its peers
  // tell it the cluster shrank.
  cluster.Start(6);
  cluster.Partition({{1, 2, 6}, {3}, {4}, {5}}, t);
  EXPECT_TRUE(cluster.Quorate({1, 2, 6}));
  EXPECT_EQ(cluster.node(6).expected_votes(), 3u);
  EXPECT_EQ(cluster.node(1).expected_votes(), 3u);
}

TEST(LastManStandingTest, QuorateRejoinerRestoresItsExpectedVotes) {
  Cluster cluster(LastManStanding({1, 2, 3, 4, 5, 6}));
  uint64_t t = ShrinkToTwo(cluster);
  // Four of six are quorate by the configured count: the view converges on
  // the highest expected votes among its quorate members.
  cluster.Start(5);
  cluster.Start(6);
  cluster.Partition({{1, 2, 5, 6}, {3}, {4}}, t);
  EXPECT_TRUE(cluster.Quorate({1, 2, 5, 6}));
  for (uint32_t id : {1u, 2u, 5u, 6u}) EXPECT_EQ(cluster.node(id).expected_votes(), 6u);
}

TEST(LastManStandingTest, InquorateViewKeepsExpectedVotes) {
  Quorum q = Make(LastManStanding({1, 2, 3, 4, 5}), 1);
  q.OnMembership({1, 2, 3, 4, 5}, 0);
  q.OnMembership({1, 2, 3, 4}, 0);
  q.OnMembership({1, 2}, 1000);  // restarts the window, now inquorate
  q.OnTick(20000);
  EXPECT_EQ(q.expected_votes(), 5u);
  EXPECT_FALSE(q.quorate());
}

// --- Safety over every split ------------------------------------------------

// Every split of the nodes into two sides, after all were seen together:
// the members of a side agree, and at most one side is quorate.
void ExpectNoTwoQuorateHalves(const Config& config) {
  std::vector<uint32_t> ids;
  for (const NodeVotes& n : config.nodes) ids.push_back(n.node_id);
  const std::set<uint32_t> all(ids.begin(), ids.end());
  for (uint32_t mask = 1; mask + 1 < (1u << ids.size()); ++mask) {
    std::set<uint32_t> a, b;
    for (size_t i = 0; i < ids.size(); ++i) (mask & (1u << i) ? a : b).insert(ids[i]);
    Cluster cluster(config);
    cluster.Partition({all}, 0);
    cluster.Partition({a, b}, 100);
    EXPECT_FALSE(cluster.Quorate(a) && cluster.Quorate(b)) << "split mask " << mask;
  }
}

TEST(SafetyTest, NoTwoQuorateHalves) {
  for (bool atb : {false, true}) {
    for (bool wfa : {false, true}) {
      for (const Config& base : {Nodes({1, 2, 3, 4}), Nodes({2, 4, 6, 8, 10, 12}),
                                 Config{.nodes = {{1, 2}, {2, 1}, {3, 1}, {4, 2}}}}) {
        Config c = base;
        c.auto_tie_breaker = atb;
        c.wait_for_all = wfa;
        ExpectNoTwoQuorateHalves(c);
      }
    }
  }
  Config odd = Nodes({1, 2, 3, 4, 5});
  odd.auto_tie_breaker = true;
  odd.wait_for_all = true;
  ExpectNoTwoQuorateHalves(odd);
}

}  // namespace
}  // namespace baton::quorum

namespace baton::quorum {
namespace {

TEST(ReconfigureTest, ExpectedVotesFollowTheNodelist) {
  Quorum q = Quorum::Create(Nodes({1, 2}), 1).value();
  q.OnMembership({1, 2}, 0);
  ASSERT_TRUE(q.quorate());
  // A third node joins the nodelist but has not started: 2 of 3 is quorate.
  ASSERT_TRUE(q.Reconfigure(Nodes({1, 2, 3})).ok());
  EXPECT_EQ(q.expected_votes(), 3u);
  EXPECT_EQ(q.quorum(), 2u);
  EXPECT_TRUE(q.quorate());
  q.OnMembership({1, 2, 3}, 10);
  EXPECT_EQ(q.total_votes(), 3u);
  // Two of them are removed: expected votes come down to 1 with them.
  ASSERT_TRUE(q.Reconfigure(Nodes({1})).ok());
  EXPECT_EQ(q.expected_votes(), 1u);
  EXPECT_EQ(q.total_votes(), 1u);
  EXPECT_TRUE(q.quorate());
}

TEST(ReconfigureTest, TwoNodeAfterARemovalKeepsQuorumAlone) {
  Quorum q = Quorum::Create(Nodes({1, 2, 3}), 1).value();
  q.OnMembership({1, 2, 3}, 0);
  Config two = Nodes({1, 2});
  two.two_node = true;
  ASSERT_TRUE(q.Reconfigure(two).ok());
  EXPECT_TRUE(q.quorate());
  EXPECT_EQ(q.quorum(), 1u);
  q.OnMembership({1}, 10);
  EXPECT_TRUE(q.quorate()) << "wait_for_all was satisfied before the change";
}

TEST(ReconfigureTest, ABadConfigurationChangesNothing) {
  Quorum q = Quorum::Create(Nodes({1, 2, 3}), 1).value();
  q.OnMembership({1, 2}, 0);
  EXPECT_FALSE(q.Reconfigure(Nodes({2, 3})).ok()) << "this node is not in it";
  EXPECT_EQ(q.expected_votes(), 3u);
  EXPECT_TRUE(q.quorate());
}

}  // namespace
}  // namespace baton::quorum
