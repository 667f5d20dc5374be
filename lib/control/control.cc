#include "lib/control/control.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/common/access.h"

namespace baton::control {

std::string EncodeFrame(const google::protobuf::MessageLite& m) {
  std::string body = m.SerializeAsString();
  uint32_t n = static_cast<uint32_t>(body.size());
  std::string out(4, '\0');
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
  return out + body;
}

absl::StatusOr<std::optional<std::string_view>> FramePayload(std::string_view buf) {
  if (buf.size() < 4) return std::optional<std::string_view>();
  const auto* b = reinterpret_cast<const unsigned char*>(buf.data());
  uint32_t n = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  if (n > kMaxControlMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("control message of ", n, " bytes is over the limit of ", kMaxControlMessage));
  }
  if (buf.size() - 4 < n) return std::optional<std::string_view>();
  return std::optional<std::string_view>(buf.substr(4, n));
}

absl::StatusOr<std::string> ReadFrame(int fd) {
  std::string buf;
  char chunk[65536];
  for (;;) {
    auto payload = FramePayload(buf);
    if (!payload.ok()) return payload.status();
    if (payload->has_value()) return std::string(**payload);
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      return absl::UnavailableError(absl::StrCat("the connection closed or paused after ", buf.size(),
                                                 " bytes, before a whole frame"));
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
}

control::ControlReply ErrorReply(const absl::Status& status) {
  control::ControlReply r;
  r.set_code(static_cast<int32_t>(status.ok() ? absl::StatusCode::kInternal : status.code()));
  r.set_error(std::string(status.message()));
  return r;
}

absl::StatusOr<control::ControlReply> ReplyStatus(control::ControlReply reply) {
  if (reply.code() == 0) return reply;
  int code = reply.code();
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    code = static_cast<int>(absl::StatusCode::kInternal);
  }
  return absl::Status(static_cast<absl::StatusCode>(code), reply.error());
}

absl::StatusOr<std::string> ReplyText(const absl::StatusOr<control::ControlReply>& reply) {
  if (!reply.ok()) return reply.status();
  return reply->text();
}

control::ControlReply TextReply(std::string text) {
  control::ControlReply r;
  r.set_text(std::move(text));
  return r;
}

std::string ControlSocketPath(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* s = std::getenv("BATON_SOCKET"); s && *s) return s;
  if (const char* d = std::getenv("BATON_NODE_DIR"); d && *d) return std::string(d) + "/state/crmd.sock";
  return "/run/baton/crmd.sock";
}

absl::StatusOr<control::ControlReply> Call(const std::string& socket_path, const control::ControlRequest& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_un un;
  std::memset(&un, 0, sizeof(un));
  un.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(un.sun_path)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(socket_path, ": socket path too long"));
  }
  std::strncpy(un.sun_path, socket_path.c_str(), sizeof(un.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)) != 0) {
    int e = errno;
    ::close(fd);
    if (e == EACCES || e == EPERM) {
      // The socket is 0660 root:haclient (its directory 0750): say who may.
      return absl::PermissionDeniedError(common::NoAccessMessage(::getuid()));
    }
    return absl::UnavailableError(absl::StrCat("cannot reach baton-crmd at ", socket_path, ": ", std::strerror(e)));
  }
  std::string req = EncodeFrame(request);
  if (req.size() - 4 > kMaxControlMessage) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat("request of ", req.size() - 4, " bytes is over the limit of ",
                                                   kMaxControlMessage));
  }
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return absl::UnavailableError(absl::StrCat(socket_path, ": ", std::strerror(e)));
    }
    sent += static_cast<size_t>(n);
  }
  auto payload = ReadFrame(fd);
  ::close(fd);
  if (!payload.ok()) {
    return absl::Status(payload.status().code(),
                        absl::StrCat(socket_path, ": no whole reply from baton-crmd: ", payload.status().message()));
  }
  control::ControlReply reply;
  if (!reply.ParseFromString(*payload)) {
    return absl::InternalError(absl::StrCat(socket_path, ": baton-crmd's reply of ", payload->size(),
                                            " bytes is not a ControlReply (a different version?)"));
  }
  return ReplyStatus(std::move(reply));
}

namespace request {

using control::ControlRequest;

ControlRequest Status(bool cluster) {
  ControlRequest r;
  r.mutable_status()->set_cluster(cluster);
  return r;
}
ControlRequest Cib(bool configuration_only) {
  ControlRequest r;
  r.mutable_cib()->set_configuration_only(configuration_only);
  return r;
}
ControlRequest CibReplace(int64_t admin_epoch, int64_t epoch, int64_t num_updates, std::string xml) {
  ControlRequest r;
  auto* c = r.mutable_cib_replace();
  c->mutable_base()->set_admin_epoch(admin_epoch);
  c->mutable_base()->set_epoch(epoch);
  c->mutable_base()->set_num_updates(num_updates);
  c->set_xml(std::move(xml));
  return r;
}
ControlRequest ClusterConf() {
  ControlRequest r;
  r.mutable_cluster_conf();
  return r;
}
ControlRequest NodeInfo() {
  ControlRequest r;
  r.mutable_node_info();
  return r;
}
ControlRequest AttrSet(std::string node, std::string name, std::string value, control::Lifetime lifetime) {
  ControlRequest r;
  auto* a = r.mutable_attr_set();
  a->set_node(std::move(node));
  a->set_name(std::move(name));
  a->set_value(std::move(value));
  a->set_lifetime(lifetime);
  return r;
}
ControlRequest AttrGet(std::string node, std::string name, control::Lifetime lifetime) {
  ControlRequest r;
  auto* a = r.mutable_attr_get();
  a->set_node(std::move(node));
  a->set_name(std::move(name));
  a->set_lifetime(lifetime);
  return r;
}
ControlRequest AttrDelete(std::string node, std::string name, control::Lifetime lifetime) {
  ControlRequest r;
  auto* a = r.mutable_attr_delete();
  a->set_node(std::move(node));
  a->set_name(std::move(name));
  a->set_lifetime(lifetime);
  return r;
}
ControlRequest AttrQuery(std::string name, control::Lifetime lifetime) {
  ControlRequest r;
  r.mutable_attr_query()->set_name(std::move(name));
  r.mutable_attr_query()->set_lifetime(lifetime);
  return r;
}
ControlRequest Cleanup(std::string rsc, std::string node) {
  ControlRequest r;
  r.mutable_cleanup()->set_rsc(std::move(rsc));
  r.mutable_cleanup()->set_node(std::move(node));
  return r;
}
ControlRequest ConfirmDown(std::string node) {
  ControlRequest r;
  r.mutable_confirm_down()->set_node(std::move(node));
  return r;
}
ControlRequest FenceBegin(std::string node, int64_t timeout_ms) {
  ControlRequest r;
  r.mutable_fence_begin()->set_node(std::move(node));
  r.mutable_fence_begin()->set_timeout_ms(timeout_ms);
  return r;
}
ControlRequest FenceEnd(std::string node, uint64_t incarnation, bool fenced) {
  ControlRequest r;
  auto* f = r.mutable_fence_end();
  f->set_node(std::move(node));
  f->set_incarnation(incarnation);
  f->set_fenced(fenced);
  return r;
}
ControlRequest NodelistRemove(std::string node) {
  ControlRequest r;
  r.mutable_nodelist_remove()->set_node(std::move(node));
  return r;
}
ControlRequest JoinToken(int64_t ttl_s) {
  ControlRequest r;
  r.mutable_join_token()->set_ttl_s(ttl_s);
  return r;
}
ControlRequest JoinTokenRevoke(std::string id) {
  ControlRequest r;
  r.mutable_join_token_revoke()->set_id(std::move(id));
  return r;
}
ControlRequest ReportLogs(int64_t from_s, int64_t to_s) {
  ControlRequest r;
  r.mutable_report_logs()->set_from_s(from_s);
  r.mutable_report_logs()->set_to_s(to_s);
  return r;
}

}  // namespace request
}  // namespace baton::control
