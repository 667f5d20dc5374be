// Peer call signatures: accepted once, refused when forged, stale or replayed.
#include "fencing/peer_auth.h"

#include <gtest/gtest.h>

namespace baton::fencing {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

TEST(PeerAuthTest, AcceptsSignedRefusesForgedStaleReplayed) {
  PeerAuthenticator auth(kKey, 30000);
  int64_t now = 1'700'000'000'000;
  std::string mac = SignPeerCall(kKey, "Fence", "n2", now, "body");
  std::string ts = std::to_string(now);
  EXPECT_TRUE(auth.Verify("Fence", "n2", ts, mac, "body", now + 5).ok());
  EXPECT_EQ(auth.Verify("Fence", "n2", ts, mac, "body", now + 6).code(), absl::StatusCode::kUnauthenticated);  // replay
  std::string other = SignPeerCall(kKey, "Fence", "n2", now + 1, "body");
  EXPECT_FALSE(auth.Verify("Fence", "n2", std::to_string(now + 1), other, "b0dy", now).ok());   // tampered body
  EXPECT_FALSE(auth.Verify("Query", "n2", std::to_string(now + 1), other, "body", now).ok());   // other method
  std::string wrong_key = SignPeerCall("another-key-another-key", "Fence", "n2", now + 2, "body");
  EXPECT_FALSE(auth.Verify("Fence", "n2", std::to_string(now + 2), wrong_key, "body", now).ok());
  std::string old = SignPeerCall(kKey, "Fence", "n2", now - 60000, "body");
  EXPECT_FALSE(auth.Verify("Fence", "n2", std::to_string(now - 60000), old, "body", now).ok());  // stale
  EXPECT_FALSE(auth.Verify("Fence", "", "", "", "body", now).ok());
}

}  // namespace
}  // namespace baton::fencing
