// Authentication of fencer-to-fencer RPCs: the caller signs
// HMAC-SHA256(authkey, method \n node \n timestamp \n request bytes) and
// sends node, timestamp and tag in gRPC metadata; the callee recomputes it,
// refuses stale timestamps and replays. Local unix-socket clients are not
// signed (the socket is mode 0600).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace baton::fencing {

inline constexpr char kMetaNode[] = "x-baton-node";
inline constexpr char kMetaTimestamp[] = "x-baton-ts";
inline constexpr char kMetaMac[] = "x-baton-mac";

// Lower-case hex of the HMAC-SHA256 tag.
std::string SignPeerCall(std::string_view key, std::string_view method, std::string_view node, int64_t ts_ms,
                         std::string_view body);

// Invariants:
//  1. Verify accepts a tag at most once (replay cache covering the window).
//  2. Timestamps further than max_skew_ms from now are refused.
// Thread-safety: Verify may be called from any thread.
class PeerAuthenticator {
 public:
  PeerAuthenticator(std::string key, int64_t max_skew_ms = 30000) : key_(std::move(key)), max_skew_ms_(max_skew_ms) {}

  // An UNAUTHENTICATED status says why the call was refused.
  absl::Status Verify(std::string_view method, std::string_view node, std::string_view ts, std::string_view mac,
                      std::string_view body, int64_t now_ms);

 private:
  const std::string key_;
  const int64_t max_skew_ms_;
  std::mutex mu_;
  std::set<std::string> seen_;                        // guarded by mu_
  std::deque<std::pair<int64_t, std::string>> aging_;  // guarded by mu_: (ts, mac), oldest first
};

}  // namespace baton::fencing
