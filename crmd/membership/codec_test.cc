// The heartbeat wire form: round trip, and every kind of bad datagram is
// refused with a reason.
#include "crmd/membership/codec.h"

#include <gtest/gtest.h>

namespace baton::membership {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

Heartbeat Sample() {
  Heartbeat hb;
  hb.sender = 2;
  hb.incarnation = 77;
  hb.seq = 5;
  hb.link = 1;
  hb.reachable = {1, 3};
  hb.proposal = {1, 2, 3};
  hb.proposal_seq = 9;
  hb.installed.ring = {1, 8};
  hb.installed.members = {1, 2};
  hb.receiver = 3;
  hb.receiver_incarnation = 66;
  return hb;
}

TEST(Codec, RoundTrip) {
  std::string wire = EncodeHeartbeat(Sample(), "c1", kKey);
  auto hb = DecodeHeartbeat(wire, "c1", kKey);
  ASSERT_TRUE(hb.ok()) << hb.status();
  EXPECT_EQ(hb->sender, 2u);
  EXPECT_EQ(hb->incarnation, 77u);
  EXPECT_EQ(hb->seq, 5u);
  EXPECT_EQ(hb->link, 1u);
  EXPECT_EQ(hb->reachable, (std::set<NodeId>{1, 3}));
  EXPECT_EQ(hb->proposal, (std::set<NodeId>{1, 2, 3}));
  EXPECT_EQ(hb->proposal_seq, 9u);
  EXPECT_EQ(hb->installed, Sample().installed);
  EXPECT_EQ(hb->receiver, 3u);  // under the MAC: a copy is good for one receiver
  EXPECT_EQ(hb->receiver_incarnation, 66u);
}

TEST(Codec, WrongKeyIsRefused) {
  std::string wire = EncodeHeartbeat(Sample(), "c1", kKey);
  auto hb = DecodeHeartbeat(wire, "c1", "another key, not the cluster's!");
  ASSERT_FALSE(hb.ok());
  EXPECT_EQ(hb.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(Codec, TamperedPayloadIsRefused) {
  std::string wire = EncodeHeartbeat(Sample(), "c1", kKey);
  // Flip every byte in turn: nothing may decode to a different heartbeat.
  for (size_t i = 0; i < wire.size(); ++i) {
    std::string bad = wire;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    auto hb = DecodeHeartbeat(bad, "c1", kKey);
    if (hb.ok()) {
      // Only a byte the tag does not cover may flip harmlessly (none should).
      EXPECT_EQ(hb->seq, Sample().seq) << "byte " << i;
      EXPECT_EQ(hb->sender, Sample().sender) << "byte " << i;
    }
  }
}

TEST(Codec, MalformedOversizedAndForeignAreRefused) {
  EXPECT_FALSE(DecodeHeartbeat("\xff\xff\xff garbage", "c1", kKey).ok());
  EXPECT_FALSE(DecodeHeartbeat(std::string(kMaxDatagram + 1, 'x'), "c1", kKey).ok());
  std::string other = EncodeHeartbeat(Sample(), "other", kKey);
  auto hb = DecodeHeartbeat(other, "c1", kKey);
  ASSERT_FALSE(hb.ok());
  EXPECT_NE(hb.status().message().find("'other'"), std::string::npos);
}

}  // namespace
}  // namespace baton::membership
