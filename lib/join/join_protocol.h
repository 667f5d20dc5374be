// `crm cluster join` without ssh: a new node proves it holds a join token
// that `crm cluster init` (or `crm cluster token`) printed on a member, and
// gets the cluster's configuration and authkey over a channel only holders
// of that token can read (proto/join.proto has the exchange).
//
// Why a token and not ssh (crmsh's way): cluster nodes often forbid root
// logins over ssh, and a token needs no keys set up between the nodes
// beforehand; it is shown once to the operator, who types it on the new
// node — the same proof of intent ssh's password prompt gives. A token is
// "ID.SECRET" (8 + 32 hex digits, 128 random bits of secret); the ID tells
// the member which token is meant, the SECRET never travels.
//
// Invariants:
//  1. Session keys are HMAC-SHA256(secret, label, token id, both nonces):
//     fresh nonces on both sides give fresh keys, so a captured session
//     replayed to any member decrypts to nothing and is refused.
//  2. Each direction's key seals exactly one message (AES-256-GCM with a
//     fixed IV is safe only under that rule).
//  3. A member accepts a request only if it opens under the key derived
//     from an unexpired token; a joiner accepts a reply only if it opens
//     under its own session's key (the member knew the secret too).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "join.pb.h"

namespace baton::join {

inline constexpr uint32_t kJoinVersion = 1;
inline constexpr size_t kMaxJoinFrame = 1 << 20;
inline constexpr int64_t kDefaultTokenTtlS = 3600;

struct JoinToken {
  std::string id;      // 8 hex digits
  std::string secret;  // 32 hex digits
  int64_t expires_s = 0;
  std::string Text() const { return id + "." + secret; }
};

// A new random token valid until now_s + ttl_s.
JoinToken NewJoinToken(int64_t now_s, int64_t ttl_s);
// "ID.SECRET" as printed; a clear error for anything else.
absl::StatusOr<JoinToken> ParseJoinToken(absl::string_view text);

struct SessionKeys {
  std::string to_member;  // seals the joiner's request
  std::string to_joiner;  // seals the member's reply
};
SessionKeys DeriveSessionKeys(absl::string_view secret, absl::string_view token_id, absl::string_view joiner_nonce,
                              absl::string_view member_nonce);

// AES-256-GCM under a 32-byte key; Open refuses anything altered or sealed
// under another key.
std::string Seal(absl::string_view key, absl::string_view plaintext);
absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed);

std::string RandomBytes(size_t n);

// One frame each way on a blocking socket, within `timeout_ms`.
absl::Status WriteFrame(int fd, const proto::JoinFrame& frame, int timeout_ms);
absl::Status ReadFrame(int fd, proto::JoinFrame* frame, int timeout_ms);

// The tokens a member has issued, kept in a file (0600) so that a restarted
// crmd still honours them. Not thread-safe: the owner locks.
class TokenStore {
 public:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}
  absl::Status Load(int64_t now_s);  // a missing file is an empty store
  absl::StatusOr<JoinToken> Issue(int64_t now_s, int64_t ttl_s);
  // The secret of an unexpired token.
  std::optional<std::string> Secret(const std::string& id, int64_t now_s) const;
  absl::Status Revoke(const std::string& id);

 private:
  absl::Status Save() const;
  std::string path_;
  std::map<std::string, JoinToken> tokens_;
};

// The joiner's side: one session with the member at addr:port.
absl::StatusOr<proto::JoinReplyBody> RequestJoin(const std::string& addr, uint16_t port, const JoinToken& token,
                                                 const proto::JoinRequestBody& request, int timeout_ms);

// The member's side of one session on an accepted connection: `secret_of`
// finds an unexpired token's secret; `decide` is called with an
// authenticated request and returns the reply to seal. Errors say why the
// session was refused (for the log); the joiner is told in one line.
absl::Status ServeJoin(int fd, const std::function<std::optional<std::string>(const std::string&)>& secret_of,
                       const std::function<proto::JoinReplyBody(const proto::JoinRequestBody&)>& decide,
                       int timeout_ms);

}  // namespace baton::join
