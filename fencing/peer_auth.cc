// HMAC-SHA256 signing and verification of peer fencer calls and replies.
#include "fencing/peer_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"

namespace baton::fencing {
namespace {

std::string Hex(const unsigned char* data, size_t len) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < len; ++i) {
    hex.push_back(kHex[data[i] >> 4]);
    hex.push_back(kHex[data[i] & 15]);
  }
  return hex;
}

std::string HmacHex(std::string_view key, std::string_view kind, const PeerCall& c, std::string_view body) {
  // Every field is a line: none may hold a line break (Verify refuses them).
  std::string data;
  for (std::string_view field : {kind, std::string_view(c.method), std::string_view(c.from), std::string_view(c.to),
                                 std::string_view(c.nonce), std::string_view(c.request_id)}) {
    data.append(field).append("\n");
  }
  data.append(std::to_string(c.ts_ms)).append("\n").append(body);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), tag, &len);
  return Hex(tag, len);
}

bool OneLine(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

}  // namespace

std::string SignPeerCall(std::string_view key, const PeerCall& call, std::string_view body) {
  return HmacHex(key, "call", call, body);
}

std::string SignPeerReply(std::string_view key, const PeerCall& call, std::string_view reply_body) {
  return HmacHex(key, "reply", call, reply_body);
}

bool SameTag(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomHex128() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    std::random_device rd;  // the kernel's generator too, through another door
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  return Hex(bytes, sizeof(bytes));
}

PeerAuthenticator::PeerAuthenticator(std::string key, std::string self, int64_t max_skew_ms)
    : key_(std::move(key)), self_(std::move(self)), nonce_(RandomHex128()), max_skew_ms_(max_skew_ms) {}

absl::Status PeerAuthenticator::Verify(PeerCall* call, std::string_view ts, std::string_view mac,
                                       std::string_view body, int64_t now_ms) {
  PeerCall& c = *call;
  if (c.from.empty() || c.to.empty() || c.nonce.empty() || c.request_id.empty() || ts.empty() || mac.empty()) {
    return absl::UnauthenticatedError(
        "peer call without x-baton-node/-to/-nonce/-rid/-ts/-mac metadata (unsigned)");
  }
  if (!OneLine(c.from) || !OneLine(c.to) || !OneLine(c.nonce) || !OneLine(c.request_id)) {
    return absl::UnauthenticatedError("peer call metadata holds a line break");
  }
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), c.ts_ms);
  if (ec != std::errc() || end != ts.data() + ts.size()) {
    return absl::UnauthenticatedError("peer call with a malformed timestamp");
  }
  if (!SameTag(SignPeerCall(key_, c, body), mac)) {
    return absl::UnauthenticatedError(
        absl::StrCat("peer call from '", c.from, "' is not signed with this cluster's authkey"));
  }
  // Authentic from here: the refusals below are replays (or clock trouble).
  if (c.to != self_) {
    return absl::UnauthenticatedError(absl::StrCat("replayed peer call: '", c.from, "' addressed it to '", c.to,
                                                   "', this is '", self_, "'"));
  }
  if (c.nonce != nonce_) {
    return absl::UnauthenticatedError(
        absl::StrCat("replayed peer call from '", c.from, "': signed for an earlier start of this fencer"));
  }
  if (std::llabs(now_ms - c.ts_ms) > max_skew_ms_) {
    return absl::UnauthenticatedError(absl::StrCat("stale peer call from '", c.from, "': timestamp is ",
                                                   (now_ms - c.ts_ms) / 1000, " s off (clocks out of sync?)"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Forget what the timestamp check refuses anyway (with a margin for a
  // clock stepped back).
  while (!by_ts_.empty() && by_ts_.begin()->first < now_ms - 2 * max_skew_ms_) {
    seen_.erase(by_ts_.begin()->second);
    by_ts_.erase(by_ts_.begin());
  }
  CallKey k{c.from, c.request_id};
  if (!seen_.insert(k).second) {
    return absl::UnauthenticatedError(
        absl::StrCat("replayed peer call from '", c.from, "': request id ", c.request_id, " was already served"));
  }
  by_ts_.emplace(c.ts_ms, std::move(k));
  return absl::OkStatus();
}

}  // namespace baton::fencing
