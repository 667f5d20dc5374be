// Peer call signatures: accepted once, by their receiver in the life they
// were signed for; refused when forged, stale, replayed, misaddressed or
// signed for an earlier start of the receiver.
#include "fencing/peer_auth.h"

#include <gtest/gtest.h>

namespace baton::fencing {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1'700'000'000'000;

PeerCall CallTo(const PeerAuthenticator& receiver, const std::string& rid, int64_t ts = kNow) {
  PeerCall c;
  c.method = "Fence";
  c.from = "n1";
  c.to = receiver.self();
  c.nonce = receiver.nonce();
  c.request_id = rid;
  c.ts_ms = ts;
  return c;
}

absl::StatusCode Check(PeerAuthenticator& auth, PeerCall c, const std::string& mac, const std::string& body,
                       int64_t now = kNow + 5) {
  std::string ts = std::to_string(c.ts_ms);
  c.ts_ms = 0;  // Verify parses it
  return auth.Verify(&c, ts, mac, body, now).code();
}

TEST(PeerAuthTest, AcceptsOnceRefusesForgedStaleReplayed) {
  PeerAuthenticator auth(kKey, "n2", 30000);
  PeerCall c = CallTo(auth, "r1");
  std::string mac = SignPeerCall(kKey, c, "body");
  EXPECT_EQ(Check(auth, c, mac, "body"), absl::StatusCode::kOk);
  EXPECT_EQ(Check(auth, c, mac, "body"), absl::StatusCode::kUnauthenticated);  // replay: same request id
  PeerCall c2 = CallTo(auth, "r2");
  std::string mac2 = SignPeerCall(kKey, c2, "body");
  EXPECT_EQ(Check(auth, c2, mac2, "b0dy"), absl::StatusCode::kUnauthenticated);  // tampered body
  PeerCall query = c2;
  query.method = "Query";
  EXPECT_EQ(Check(auth, query, mac2, "body"), absl::StatusCode::kUnauthenticated);  // other method
  PeerCall other_rid = c2;
  other_rid.request_id = "r3";
  EXPECT_EQ(Check(auth, other_rid, mac2, "body"), absl::StatusCode::kUnauthenticated);  // rid not as signed
  EXPECT_EQ(Check(auth, c2, SignPeerCall("another-key-another-key", c2, "body"), "body"),
            absl::StatusCode::kUnauthenticated);
  PeerCall old = CallTo(auth, "r4", kNow - 60000);
  EXPECT_EQ(Check(auth, old, SignPeerCall(kKey, old, "body"), "body"), absl::StatusCode::kUnauthenticated);
  PeerCall unsigned_call{"Fence", "", "", "", "", 0};
  EXPECT_EQ(auth.Verify(&unsigned_call, "", "", "body", kNow).code(),
            absl::StatusCode::kUnauthenticated);  // unsigned
  EXPECT_EQ(Check(auth, c2, mac2, "body"), absl::StatusCode::kOk);  // the refusals did not burn r2
}

TEST(PeerAuthTest, ACallIsGoodForItsReceiverOnly) {
  PeerAuthenticator n2(kKey, "n2");
  PeerAuthenticator n3(kKey, "n3");
  PeerCall c = CallTo(n2, "r1");
  std::string mac = SignPeerCall(kKey, c, "body");
  EXPECT_EQ(Check(n3, c, mac, "body"), absl::StatusCode::kUnauthenticated);
  PeerCall retargeted = c;  // the attacker rewrites the metadata: the MAC no longer fits
  retargeted.to = "n3";
  retargeted.nonce = n3.nonce();
  EXPECT_EQ(Check(n3, retargeted, mac, "body"), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(n2, c, mac, "body"), absl::StatusCode::kOk);
}

TEST(PeerAuthTest, ARestartedReceiverRefusesCallsSignedForItsEarlierLife) {
  PeerCall c;
  std::string mac;
  {
    PeerAuthenticator before(kKey, "n2");
    c = CallTo(before, "r1");
    mac = SignPeerCall(kKey, c, "body");
  }
  PeerAuthenticator after(kKey, "n2");  // the same node, started again: a new nonce
  EXPECT_NE(after.nonce(), c.nonce);
  EXPECT_EQ(Check(after, c, mac, "body"), absl::StatusCode::kUnauthenticated);
}

TEST(PeerAuthTest, RequestIdsAreRememberedAsLongAsTheirTimestampIsAcceptable) {
  PeerAuthenticator auth(kKey, "n2", 30000);
  PeerCall c = CallTo(auth, "r1");
  std::string mac = SignPeerCall(kKey, c, "body");
  EXPECT_EQ(Check(auth, c, mac, "body", kNow), absl::StatusCode::kOk);
  // Later calls (which prune the memory) do not make r1 acceptable again
  // while its timestamp still is.
  for (int64_t t : {kNow + 10000, kNow + 29000}) {
    PeerCall other = CallTo(auth, "x" + std::to_string(t), t);
    EXPECT_EQ(Check(auth, other, SignPeerCall(kKey, other, "body"), "body", t), absl::StatusCode::kOk);
    EXPECT_EQ(Check(auth, c, mac, "body", t), absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(Check(auth, c, mac, "body", kNow + 31000), absl::StatusCode::kUnauthenticated);  // stale now
}

TEST(PeerAuthTest, RepliesAreBoundToTheirCall) {
  PeerAuthenticator auth(kKey, "n2");
  PeerCall a = CallTo(auth, "r1");
  PeerCall b = CallTo(auth, "r2");
  std::string tag = SignPeerReply(kKey, a, "success");
  EXPECT_TRUE(SameTag(tag, SignPeerReply(kKey, a, "success")));
  EXPECT_FALSE(SameTag(tag, SignPeerReply(kKey, b, "success")));
  EXPECT_FALSE(SameTag(tag, SignPeerReply(kKey, a, "failed")));
  EXPECT_FALSE(SameTag(tag, SignPeerCall(kKey, a, "success")));  // a reply is no request
}

}  // namespace
}  // namespace baton::fencing
