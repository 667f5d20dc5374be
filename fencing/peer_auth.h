// Authentication of fencer-to-fencer RPCs. A call is good for one receiver,
// one life of it, and once: the caller first asks the receiver for its
// nonce (Hello: random at every start of the receiver, not secret), then
// signs HMAC-SHA256(authkey) over the method, its own name, the receiver's
// name and nonce, a random request id, a timestamp and the request bytes,
// sent as gRPC metadata. The receiver refuses another receiver's name,
// another nonce (a call recorded before it restarted), a request id it has
// already accepted (a replay to the same life) and stale timestamps (which
// bound how long request ids are remembered). The reply is signed back
// over the same request id, so a recorded reply cannot answer another call.
//
// Why not mutual TLS keyed from the authkey: gRPC offers no TLS-PSK, and
// certificates derived from one shared key add a CA to manage without
// binding any more than the MAC does. What TLS would add is secrecy of the
// calls; they carry node names and fence actions, nothing secret.
// Local unix-socket clients are not signed (the socket is mode 0600).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace baton::fencing {

inline constexpr char kMetaNode[] = "x-baton-node";   // the caller
inline constexpr char kMetaTo[] = "x-baton-to";       // the receiver's node name
inline constexpr char kMetaNonce[] = "x-baton-nonce"; // the receiver's nonce (Hello)
inline constexpr char kMetaRequestId[] = "x-baton-rid";
inline constexpr char kMetaTimestamp[] = "x-baton-ts";
inline constexpr char kMetaMac[] = "x-baton-mac";     // request: in metadata; reply: in trailers

// What a peer call's signature covers besides the request bytes.
struct PeerCall {
  std::string method;
  std::string from;        // the caller's node name
  std::string to;          // the receiver's node name
  std::string nonce;       // the receiver's, from Hello
  std::string request_id;  // random per call, chosen by the caller
  int64_t ts_ms = 0;
};

// Lower-case hex of the HMAC-SHA256 tag of a request.
std::string SignPeerCall(std::string_view key, const PeerCall& call, std::string_view body);
// The tag of the receiver's reply to `call`: covers the request id, so a
// reply is good for that call only.
std::string SignPeerReply(std::string_view key, const PeerCall& call, std::string_view reply_body);
// Constant-time comparison of two tags.
bool SameTag(std::string_view a, std::string_view b);
// 128 random bits, lower-case hex.
std::string RandomHex128();

// Invariants:
//  1. Verify accepts a call only if addressed to `self` and this instance's
//     nonce (a new nonce per start: nothing signed for an earlier life of
//     the receiver, or for another node, is accepted).
//  2. A (caller, request id) is accepted at most once: it is remembered
//     while its timestamp is within the window, and refused after that.
//  3. Timestamps further than max_skew_ms from now are refused.
// Thread-safety: Verify may be called from any thread.
class PeerAuthenticator {
 public:
  PeerAuthenticator(std::string key, std::string self, int64_t max_skew_ms = 30000);

  const std::string& nonce() const { return nonce_; }
  const std::string& self() const { return self_; }
  const std::string& key() const { return key_; }

  // `call->method` is the method called; the other fields come from the
  // metadata, the timestamp as text in `ts` (parsed into call->ts_ms, for
  // signing the reply). An UNAUTHENTICATED status says why the call was
  // refused.
  absl::Status Verify(PeerCall* call, std::string_view ts, std::string_view mac, std::string_view body,
                      int64_t now_ms);

 private:
  const std::string key_;
  const std::string self_;
  const std::string nonce_;
  const int64_t max_skew_ms_;
  std::mutex mu_;
  using CallKey = std::pair<std::string, std::string>;  // (caller, request id)
  std::set<CallKey> seen_;                             // guarded by mu_
  std::multimap<int64_t, CallKey> by_ts_;              // guarded by mu_: the same, by timestamp
};

}  // namespace baton::fencing
