// HMAC-SHA256, the one MAC between nodes (heartbeats, join sessions).
#pragma once

#include <string>
#include <string_view>

namespace baton::common {

// The 32-byte tag of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace baton::common
