// HMAC-SHA256 signing and verification of peer fencer calls.
#include "fencing/peer_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace baton::fencing {

std::string SignPeerCall(std::string_view key, std::string_view method, std::string_view node, int64_t ts_ms,
                         std::string_view body) {
  std::string data;
  data.reserve(method.size() + node.size() + body.size() + 32);
  data.append(method).append("\n").append(node).append("\n").append(std::to_string(ts_ms)).append("\n").append(body);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), tag, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[tag[i] >> 4]);
    hex.push_back(kHex[tag[i] & 15]);
  }
  return hex;
}

absl::Status PeerAuthenticator::Verify(std::string_view method, std::string_view node, std::string_view ts,
                                       std::string_view mac, std::string_view body, int64_t now_ms) {
  if (node.empty() || ts.empty() || mac.empty()) {
    return absl::UnauthenticatedError("peer call without x-baton-node/x-baton-ts/x-baton-mac metadata");
  }
  int64_t ts_ms = 0;
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), ts_ms);
  if (ec != std::errc() || end != ts.data() + ts.size()) {
    return absl::UnauthenticatedError("peer call with a malformed timestamp");
  }
  if (std::llabs(now_ms - ts_ms) > max_skew_ms_) {
    return absl::UnauthenticatedError(absl::StrCat("stale peer call from ", std::string(node), ": timestamp is ",
                                                   (now_ms - ts_ms) / 1000, " s off (clocks out of sync?)"));
  }
  std::string want = SignPeerCall(key_, method, node, ts_ms, body);
  if (want.size() != mac.size() || CRYPTO_memcmp(want.data(), mac.data(), want.size()) != 0) {
    return absl::UnauthenticatedError(
        absl::StrCat("peer call from ", std::string(node), " is not signed with this cluster's authkey"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  while (!aging_.empty() && aging_.front().first < now_ms - 2 * max_skew_ms_) {
    seen_.erase(aging_.front().second);
    aging_.pop_front();
  }
  if (!seen_.insert(want).second) {
    return absl::UnauthenticatedError(absl::StrCat("replayed peer call from ", std::string(node)));
  }
  aging_.emplace_back(ts_ms, want);
  return absl::OkStatus();
}

}  // namespace baton::fencing
