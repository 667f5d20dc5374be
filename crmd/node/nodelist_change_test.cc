// Nodelist changes of crm cluster join/remove.
#include "crmd/node/nodelist_change.h"

#include "gtest/gtest.h"

namespace baton::node {
namespace {

config::ClusterConfig One() {
  config::ClusterConfig c;
  c.cluster_name = "prod";
  c.nodes = {{1, "n1", {"198.18.0.1", "198.19.0.1"}, 1}};
  return c;
}

TEST(NodelistChange, JoinsGetTheNextIdAndQuorumFollows) {
  auto two = AddNode(One(), "n2", {"198.18.0.2", "198.19.0.2"});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->nodes.back().nodeid, 2u);
  EXPECT_EQ(two->config_version, 1u);
  EXPECT_TRUE(two->two_node);
  auto three = AddNode(*two, "n3", {"198.18.0.3", "198.19.0.3"});
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->nodes.back().nodeid, 3u);
  EXPECT_EQ(three->config_version, 2u);
  EXPECT_FALSE(three->two_node);
  // What the daemon writes parses back to the same thing.
  auto back = config::ParseClusterConfig(config::FormatClusterConfig(*three));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == *three);
}

TEST(NodelistChange, RejoinWithTheSameAddressesChangesNothing) {
  auto two = AddNode(One(), "n2", {"198.18.0.2", "198.19.0.2"});
  auto again = AddNode(*two, "n2", {"198.18.0.2", "198.19.0.2"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->config_version, two->config_version);
}

TEST(NodelistChange, RefusesClashesAndBadInput) {
  auto c = One();
  EXPECT_FALSE(AddNode(c, "n1", {"198.18.0.9", "198.19.0.9"}).ok()) << "same name, other addresses";
  EXPECT_FALSE(AddNode(c, "n2", {"198.18.0.1", "198.19.0.2"}).ok()) << "address of n1";
  EXPECT_FALSE(AddNode(c, "n2", {"198.18.0.2"}).ok()) << "one ring of two";
  EXPECT_FALSE(AddNode(c, "bad name", {"198.18.0.2", "198.19.0.2"}).ok());
  EXPECT_FALSE(AddNode(c, "", {"198.18.0.2", "198.19.0.2"}).ok());
}

TEST(NodelistChange, RemoveLeavesTwoNodesWithTwoNodeQuorum) {
  auto c = *AddNode(*AddNode(One(), "n2", {"198.18.0.2", "198.19.0.2"}), "n3", {"198.18.0.3", "198.19.0.3"});
  auto r = RemoveNode(c, "n3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->nodes.size(), 2u);
  EXPECT_TRUE(r->two_node);
  EXPECT_EQ(r->config_version, c.config_version + 1);
  EXPECT_FALSE(RemoveNode(c, "n9").ok());
  EXPECT_FALSE(RemoveNode(One(), "n1").ok()) << "the last node";
  // A later join never takes a removed node's id while a higher one is in use.
  auto n4 = AddNode(*RemoveNode(c, "n2"), "n4", {"198.18.0.4", "198.19.0.4"});
  ASSERT_TRUE(n4.ok());
  EXPECT_EQ(n4->nodes.back().nodeid, 4u);
}

TEST(NodelistChange, NewerCopiesWinAndConflictsAreNamed) {
  auto a = One();
  auto b = *AddNode(a, "n2", {"198.18.0.2", "198.19.0.2"});
  EXPECT_EQ(CompareCopies(a, b), Adopt::kNewer);
  EXPECT_EQ(CompareCopies(b, a), Adopt::kOlder);
  EXPECT_EQ(CompareCopies(b, b), Adopt::kSame);
  auto c = *AddNode(a, "n5", {"198.18.0.5", "198.19.0.5"});
  EXPECT_EQ(CompareCopies(b, c), Adopt::kConflict);
  auto other = b;
  other.cluster_name = "test";
  EXPECT_EQ(CompareCopies(b, other), Adopt::kOtherCluster);
}

}  // namespace
}  // namespace baton::node
