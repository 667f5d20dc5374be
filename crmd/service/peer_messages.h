// The peer transport's payloads (proto/crmd.proto) to and from domain types.
// Thin: no logic beyond field mapping and range checks.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "crmd/cib/replication.h"

namespace baton::service {

std::string EncodeRepl(const cib::ReplMsg& msg);
// `from` is the transport's authenticated sender, not a field of the message.
// InvalidArgument for an unparsable payload or an unknown message type.
absl::StatusOr<cib::ReplMsg> DecodeRepl(const std::string& payload, uint32_t from);

}  // namespace baton::service
