// The local control socket's wire form, shared by baton-crmd and the CLI
// (crm and the Pacemaker tool names). One request per connection: a line of
// tab-separated fields, each escaped (%25 %09 %0A %0D), then "\n". The reply
// is text; a failure is one line "error: <kind>: <message>" where kind is
// not-found, invalid, refused or internal.
//
// Early form until the gRPC service arrives with the replicated CIB
// (DESIGN.md puts gRPC on this socket; see the note on issue 3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace baton::service {

inline constexpr size_t kMaxControlRequest = 16 << 20;  // a whole CIB (cib-replace)

std::string EncodeRequest(const std::vector<std::string>& fields);
// `line` without its "\n". Refuses a bad escape.
absl::StatusOr<std::vector<std::string>> DecodeRequest(std::string_view line);

// The reply for a failed request: "error: <kind>: <message>\n".
std::string ErrorReply(const absl::Status& status);
// A reply turned back into a status: the text, or the error it carries.
absl::StatusOr<std::string> ParseReply(const std::string& reply);

// The socket to use: `explicit_path` if set, else $BATON_SOCKET, else
// $BATON_NODE_DIR/state/crmd.sock (the testbed), else /run/baton/crmd.sock.
std::string ControlSocketPath(const std::string& explicit_path = "");

// Sends one request and reads the whole reply. Unavailable when the daemon
// cannot be reached (the message names the socket).
absl::StatusOr<std::string> Call(const std::string& socket_path, const std::vector<std::string>& fields);

}  // namespace baton::service
