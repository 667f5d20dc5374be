// The local control socket, shared by baton-crmd and its clients (crm and the
// Pacemaker tool names): typed requests and replies (proto/control.proto),
// one request per connection, each message framed as a 4-byte big-endian
// length and its serialized bytes. A failure travels as the reply's code
// (an absl::StatusCode) and message, and comes back out of Call as the same
// absl::Status.
//
// The builders below are the one way to write a request, for the CLI and
// for the tests that drive a Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control.pb.h"

namespace baton::control {

inline constexpr size_t kMaxControlMessage = 16 << 20;  // a whole CIB (cib_replace)

// `m` as a frame.
std::string EncodeFrame(const google::protobuf::MessageLite& m);
// The payload of the frame at the start of `buf`; nullopt while `buf` holds
// less than a whole frame; InvalidArgument for a frame over the limit.
absl::StatusOr<std::optional<std::string_view>> FramePayload(std::string_view buf);
// Reads one frame from the socket `fd` (as long as its receive timeout
// allows) and returns its payload. InvalidArgument for a frame over the
// limit; Unavailable when the peer closed or paused before a whole frame
// (the message says how many bytes came).
absl::StatusOr<std::string> ReadFrame(int fd);

// The reply that carries `status` (not OK).
control::ControlReply ErrorReply(const absl::Status& status);
// The reply, or the error it carries.
absl::StatusOr<control::ControlReply> ReplyStatus(control::ControlReply reply);
// The reply's text ("" when it has none), or the error.
absl::StatusOr<std::string> ReplyText(const absl::StatusOr<control::ControlReply>& reply);
control::ControlReply TextReply(std::string text);

// The socket to use: `explicit_path` if set, else $BATON_SOCKET, else
// $BATON_NODE_DIR/state/crmd.sock (the testbed), else /run/baton/crmd.sock.
std::string ControlSocketPath(const std::string& explicit_path = "");

// Sends one request and reads its reply. Unavailable when the daemon cannot
// be reached (the message names the socket); the reply's error otherwise.
absl::StatusOr<control::ControlReply> Call(const std::string& socket_path, const control::ControlRequest& request);

// Request builders (control.proto says what each answers).
namespace request {
control::ControlRequest Status(bool cluster);
control::ControlRequest Cib(bool configuration_only);
control::ControlRequest CibReplace(int64_t admin_epoch, int64_t epoch, int64_t num_updates, std::string xml);
control::ControlRequest ClusterConf();
control::ControlRequest NodeInfo();
control::ControlRequest AttrSet(std::string node, std::string name, std::string value, control::Lifetime lifetime);
control::ControlRequest AttrGet(std::string node, std::string name, control::Lifetime lifetime);
control::ControlRequest AttrDelete(std::string node, std::string name, control::Lifetime lifetime);
control::ControlRequest AttrQuery(std::string name, control::Lifetime lifetime);
control::ControlRequest Cleanup(std::string rsc, std::string node);
control::ControlRequest ConfirmDown(std::string node);
control::ControlRequest FenceBegin(std::string node, int64_t timeout_ms);
control::ControlRequest FenceEnd(std::string node, uint64_t incarnation, bool fenced);
control::ControlRequest NodelistRemove(std::string node);
control::ControlRequest JoinToken(int64_t ttl_s);
control::ControlRequest JoinTokenRevoke(std::string id);
control::ControlRequest ReportLogs(int64_t from_s, int64_t to_s);
}  // namespace request

}  // namespace baton::control
