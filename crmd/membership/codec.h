// The heartbeat's wire form: a protobuf Datagram holding the serialized
// Heartbeat and an HMAC-SHA256 tag over it with the cluster authkey.
// Decoding rejects (with a reason) anything malformed, oversized, from
// another cluster or not signed with the key; replays are the
// Membership's business (sequence numbers).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crmd/membership/membership.h"

namespace baton::membership {

constexpr size_t kMaxDatagram = 8192;

std::string EncodeHeartbeat(const Heartbeat& hb, std::string_view cluster_name, std::string_view key);

absl::StatusOr<Heartbeat> DecodeHeartbeat(std::string_view datagram, std::string_view cluster_name,
                                          std::string_view key);

}  // namespace baton::membership
