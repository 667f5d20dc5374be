// Membership between a few nodes over a hand-driven clock: views form,
// a lost peer is noticed within token, a single lost link changes nothing,
// an asymmetric failure ends in disjoint views, and replayed or old
// heartbeats are dropped.
#include "crmd/membership/membership.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "crmd/membership/election.h"

namespace baton::membership {
namespace {

// Nodes 1..n, links 0..links-1; heard[a][b][l]: a hears b on link l.
class Cluster {
 public:
  Cluster(int n, uint32_t links, uint64_t heartbeat_ms = 100) : links_(links), heartbeat_ms_(heartbeat_ms) {
    for (int i = 1; i <= n; ++i) ids_.push_back(static_cast<NodeId>(i));
    for (NodeId a : ids_) {
      for (NodeId b : ids_) hears_[a][b].assign(links, true);
    }
    for (NodeId n2 : ids_) Start(n2);
  }

  void Start(NodeId n) {
    Options o;
    o.self = n;
    o.nodes = ids_;
    o.links = links_;
    o.heartbeat_interval_ms = heartbeat_ms_;
    nodes_[n] = std::make_unique<Membership>(o, ++incarnation_, disk_[n], now_);
    up_[n] = true;
  }

  // Runs for `ms`, delivering every heartbeat at once where a link allows.
  void Run(uint64_t ms) {
    for (uint64_t end = now_ + ms; now_ < end; now_ += 10) {
      for (NodeId from : ids_) {
        if (!up_[from]) continue;
        auto hb = nodes_[from]->Tick(now_);
        disk_[from] = nodes_[from]->max_seq();
        if (!hb) continue;
        for (uint32_t l = 0; l < links_; ++l) {
          hb->link = l;
          for (NodeId to : ids_) {
            if (to != from && up_[to] && hears_[to][from][l]) {
              nodes_[to]->OnHeartbeat(nodes_[from]->AddressedTo(*hb, to), now_);
            }
          }
        }
      }
    }
  }

  // Time until every node in `group` has exactly `group` as its view.
  std::optional<uint64_t> TimeToView(const std::set<NodeId>& group, uint64_t limit) {
    uint64_t start = now_;
    while (now_ - start < limit) {
      bool all = true;
      for (NodeId n : group) all = all && nodes_[n]->view().members == group;
      if (all) return now_ - start;
      Run(10);
    }
    return std::nullopt;
  }

  Membership& node(NodeId n) { return *nodes_[n]; }
  void PowerOff(NodeId n) { up_[n] = false; }
  void Cut(NodeId a, NodeId b, uint32_t link) { hears_[a][b][link] = hears_[b][a][link] = false; }
  void CutOneWay(NodeId listener, NodeId speaker) { hears_[listener][speaker].assign(links_, false); }
  void Heal() {
    for (NodeId a : ids_) {
      for (NodeId b : ids_) hears_[a][b].assign(links_, true);
    }
  }
  uint64_t now() const { return now_; }

 private:
  uint32_t links_;
  uint64_t heartbeat_ms_;
  std::vector<NodeId> ids_;
  std::map<NodeId, std::map<NodeId, std::vector<bool>>> hears_;
  std::map<NodeId, std::unique_ptr<Membership>> nodes_;
  std::map<NodeId, bool> up_;
  std::map<NodeId, uint64_t> disk_;
  uint64_t incarnation_ = 0;
  uint64_t now_ = 0;
};

TEST(Membership, ThreeNodesFormOneView) {
  Cluster c(3, 2);
  auto t = c.TimeToView({1, 2, 3}, 2000);
  ASSERT_TRUE(t.has_value());
  EXPECT_LT(*t, 500u);
  EXPECT_EQ(c.node(1).view().ring, c.node(3).view().ring);
  EXPECT_EQ(c.node(1).view().ring.representative, 1u);
}

// crm cluster remove / join applied live: a removed node leaves the view
// without waiting for the token; an added one joins it.
TEST(Membership, NodelistChangesApplyWithoutARestart) {
  Cluster c(3, 1);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 2000));
  c.PowerOff(3);
  c.node(1).SetNodes({1, 2});
  c.node(2).SetNodes({1, 2});
  auto t = c.TimeToView({1, 2}, 2000);
  ASSERT_TRUE(t.has_value());
  EXPECT_LT(*t, 300u) << "a removed node is not waited for";
  c.node(1).SetNodes({1, 2, 3});
  c.node(2).SetNodes({1, 2, 3});
  c.Start(3);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 2000).has_value());
}

TEST(Membership, PowerOffIsNoticedWithinTokenPlusAHeartbeat) {
  Cluster c(3, 2);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 2000));
  c.Run(300);
  c.PowerOff(3);
  auto t = c.TimeToView({1, 2}, 2000);
  ASSERT_TRUE(t.has_value());
  EXPECT_LE(*t, 500u + 100u + 20u);  // token + heartbeat interval + step
  EXPECT_GE(*t, 400u);               // not before the token expired
}

// Agreement on the smaller view does not wait for the next scheduled
// heartbeat: a changed proposal goes out at once (at most one early send per
// quarter interval). With a heartbeat as long as 200 ms, at every phase of
// the power-off, the view follows the token within a quarter interval.
TEST(Membership, NewProposalIsAnnouncedWithoutWaitingForTheInterval) {
  for (uint64_t phase = 0; phase < 200; phase += 10) {
    Cluster c(3, 2, /*heartbeat_ms=*/200);
    ASSERT_TRUE(c.TimeToView({1, 2, 3}, 3000));
    c.Run(400 + phase);
    c.PowerOff(3);
    auto t = c.TimeToView({1, 2}, 3000);
    ASSERT_TRUE(t.has_value()) << "phase " << phase;
    EXPECT_LE(*t, 500u + 50u + 20u) << "phase " << phase;  // token + quarter interval + steps
  }
}

TEST(Membership, LosingOneOfTwoLinksChangesNothing) {
  Cluster c(3, 2);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 2000));
  uint64_t changes = c.node(1).view_changes();
  c.Cut(1, 2, 1);
  c.Cut(1, 3, 1);
  c.Run(5000);
  EXPECT_EQ(c.node(1).view().members, (std::set<NodeId>{1, 2, 3}));
  EXPECT_EQ(c.node(1).view_changes(), changes);
  EXPECT_EQ(c.node(1).LinksUp(2, c.now()), 1u);  // only link 0
  EXPECT_EQ(c.node(1).LinkStatus(c.now()), (std::vector<bool>{true, false}));
}

TEST(Membership, AsymmetricFailureEndsInDisjointAgreedViews) {
  Cluster c(3, 1);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 2000));
  c.CutOneWay(/*listener=*/3, /*speaker=*/1);  // 1 hears 3, 3 does not hear 1
  c.Run(3000);
  std::set<NodeId> v1 = c.node(1).view().members;
  std::set<NodeId> v3 = c.node(3).view().members;
  EXPECT_FALSE(v1.count(3));
  EXPECT_FALSE(v3.count(1));
  // Node 2 is with exactly one side, and that side agrees with it.
  const auto& v2 = c.node(2).view();
  EXPECT_TRUE(v2.members == v1 || v2.members == v3);
  EXPECT_EQ(v2.members.size(), 2u);
  // And it stays that way: no flapping.
  uint64_t changes = c.node(2).view_changes();
  c.Run(3000);
  EXPECT_EQ(c.node(2).view_changes(), changes);
}

TEST(Membership, SplitHealsIntoOneView) {
  Cluster c(4, 1);
  ASSERT_TRUE(c.TimeToView({1, 2, 3, 4}, 2000));
  for (NodeId a : {1, 2}) {
    for (NodeId b : {3, 4}) c.Cut(a, b, 0);
  }
  ASSERT_TRUE(c.TimeToView({1, 2}, 2000));
  ASSERT_TRUE(c.TimeToView({3, 4}, 2000));
  RingId left = c.node(1).view().ring;
  RingId right = c.node(3).view().ring;
  EXPECT_NE(left, right);
  c.Heal();
  ASSERT_TRUE(c.TimeToView({1, 2, 3, 4}, 2000));
  EXPECT_EQ(c.node(1).view().ring, c.node(4).view().ring);
  EXPECT_GT(c.node(1).view().ring.seq, std::max(left.seq, right.seq));
}

TEST(Membership, ReplayedAndOldHeartbeatsAreDropped) {
  Options o;
  o.self = 1;
  o.nodes = {1, 2};
  Membership m(o, 1, 0, 0);
  Heartbeat hb;
  hb.sender = 2;
  hb.incarnation = 5;
  hb.seq = 10;
  hb.reachable = {1};
  hb.proposal = {1, 2};
  hb.receiver = 1;
  hb.receiver_incarnation = 1;
  m.OnHeartbeat(hb, 0);
  EXPECT_EQ(m.counters().received, 1u);
  m.OnHeartbeat(hb, 10);  // the same again: a replay
  EXPECT_EQ(m.counters().stale, 1u);
  hb.seq = 9;  // older
  m.OnHeartbeat(hb, 20);
  EXPECT_EQ(m.counters().stale, 2u);
  hb.incarnation = 4;  // from before the peer restarted
  hb.seq = 99;
  m.OnHeartbeat(hb, 30);
  EXPECT_EQ(m.counters().old_incarnation, 1u);
  hb.incarnation = 5;
  hb.receiver = 3;  // sent to another node
  m.OnHeartbeat(hb, 35);
  EXPECT_EQ(m.counters().misaddressed, 1u);
  hb.receiver = 1;
  hb.sender = 7;  // not a configured node
  m.OnHeartbeat(hb, 40);
  EXPECT_EQ(m.counters().unknown_sender, 1u);
  EXPECT_EQ(m.counters().received, 1u);
}

// Heartbeats recorded before node 1 restarted, replayed to its new life
// (which has forgotten their sequence numbers): they echo the old
// incarnation, so they count for nothing; only a heartbeat that echoes the
// new one does.
TEST(Membership, ARestartedNodeDoesNotTakeOldHeartbeatsForNew) {
  Options o;
  o.self = 1;
  o.nodes = {1, 2};
  std::vector<Heartbeat> recorded;
  {
    Membership before(o, /*incarnation=*/100, 0, 0);
    Heartbeat hb;
    hb.sender = 2;
    hb.incarnation = 7;
    hb.receiver = 1;
    hb.receiver_incarnation = 100;
    hb.reachable = {1};
    hb.proposal = {1, 2};
    for (uint64_t seq = 1; seq <= 5; ++seq) {
      hb.seq = seq;
      recorded.push_back(hb);
      before.OnHeartbeat(hb, seq * 10);
    }
    EXPECT_EQ(before.counters().received, 5u);
  }
  Membership after(o, /*incarnation=*/200, 0, 1000);
  EXPECT_TRUE(after.Tick(1000).has_value());
  for (const Heartbeat& hb : recorded) after.OnHeartbeat(hb, 1010);
  EXPECT_EQ(after.counters().received, 0u);
  EXPECT_EQ(after.counters().unechoed, 5u);
  EXPECT_EQ(after.LinksUp(2, 1010), 0u);
  // It learnt node 2's incarnation, echoes it, and answers before the interval.
  EXPECT_EQ(after.PeerIncarnation(2), 7u);
  auto answer = after.Tick(1030);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(after.AddressedTo(*answer, 2).receiver_incarnation, 7u);
  for (int i = 0; i < 50; ++i) after.Tick(1040 + 10 * static_cast<uint64_t>(i));
  EXPECT_EQ(after.view().members, std::set<NodeId>({1}));
  // Node 2's next heartbeat echoes 200: it counts.
  Heartbeat live = recorded.back();
  live.seq = 6;
  live.receiver_incarnation = 200;
  after.OnHeartbeat(live, 1600);
  EXPECT_EQ(after.counters().received, 1u);
  EXPECT_EQ(after.LinksUp(2, 1600), 1u);
}

// The mutation switch the simulation uses to test its replay checks.
TEST(Membership, UnsafeSkipEchoCheckCountsReplays) {
  Options o;
  o.self = 1;
  o.nodes = {1, 2};
  o.unsafe_skip_echo_check = true;
  Membership m(o, /*incarnation=*/200, 0, 0);
  Heartbeat hb;
  hb.sender = 2;
  hb.incarnation = 7;
  hb.seq = 1;
  hb.receiver = 3;               // meant for another node
  hb.receiver_incarnation = 100; // and an earlier life
  m.OnHeartbeat(hb, 10);
  EXPECT_EQ(m.counters().received, 1u);
  EXPECT_EQ(m.LinksUp(2, 10), 1u);
}

TEST(Membership, RingIdsNeverRepeatAcrossRestarts) {
  Cluster c(2, 1);
  ASSERT_TRUE(c.TimeToView({1, 2}, 2000));
  RingId before = c.node(1).view().ring;
  c.PowerOff(1);
  c.Run(1000);
  c.Start(1);
  ASSERT_TRUE(c.TimeToView({1, 2}, 2000));
  EXPECT_GT(c.node(1).view().ring.seq, before.seq);
}

TEST(Election, TheLongestRunningReadyMember) {
  EXPECT_EQ(ElectDc({{2, 500}, {3, 400}, {5, 900}}), 3u);
  EXPECT_EQ(ElectDc({{2, 400}, {3, 400}}), 2u);  // a tie: the lower id
  EXPECT_EQ(ElectDc(std::map<NodeId, uint64_t>{}), std::nullopt);
}

TEST(Election, ARestartedNodeDoesNotTakeTheRoleBack) {
  Cluster c(3, 1);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 2000));
  ASSERT_EQ(ElectDc(c.node(2)), 1u);
  c.PowerOff(1);
  ASSERT_TRUE(c.TimeToView({2, 3}, 3000));
  EXPECT_EQ(ElectDc(c.node(3)), 2u);
  c.Start(1);
  ASSERT_TRUE(c.TimeToView({1, 2, 3}, 3000));
  for (NodeId n : {1u, 2u, 3u}) EXPECT_EQ(ElectDc(c.node(n)), 2u) << "as node " << n << " sees it";
}

}  // namespace
}  // namespace baton::membership
