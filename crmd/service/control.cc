#include "crmd/service/control.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "crmd/common/access.h"

namespace baton::service {

std::string EncodeRequest(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += '\t';
    for (char c : fields[i]) {
      switch (c) {
        case '%': out += "%25"; break;
        case '\t': out += "%09"; break;
        case '\n': out += "%0A"; break;
        case '\r': out += "%0D"; break;
        default: out += c;
      }
    }
  }
  out += '\n';
  return out;
}

absl::StatusOr<std::vector<std::string>> DecodeRequest(std::string_view line) {
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\t') {
      fields.emplace_back();
    } else if (c == '%') {
      std::string_view esc = line.substr(i + 1, 2);
      if (esc == "25") fields.back() += '%';
      else if (esc == "09") fields.back() += '\t';
      else if (esc == "0A") fields.back() += '\n';
      else if (esc == "0D") fields.back() += '\r';
      else return absl::InvalidArgumentError(absl::StrCat("bad escape at byte ", i, " of the request"));
      i += 2;
    } else if (c == '\n' || c == '\r') {
      return absl::InvalidArgumentError("request holds a raw line break");
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string ErrorReply(const absl::Status& status) {
  const char* kind = "internal";
  switch (status.code()) {
    case absl::StatusCode::kNotFound: kind = "not-found"; break;
    case absl::StatusCode::kInvalidArgument: kind = "invalid"; break;
    case absl::StatusCode::kFailedPrecondition: kind = "refused"; break;
    case absl::StatusCode::kUnimplemented: kind = "unimplemented"; break;
    case absl::StatusCode::kPermissionDenied: kind = "denied"; break;
    default: break;
  }
  std::string msg(status.message());
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  return absl::StrCat("error: ", kind, ": ", msg, "\n");
}

absl::StatusOr<std::string> ParseReply(const std::string& reply) {
  if (reply.rfind("error: ", 0) != 0) return reply;
  std::string rest = reply.substr(7);
  while (!rest.empty() && rest.back() == '\n') rest.pop_back();
  auto colon = rest.find(": ");
  std::string kind = colon == std::string::npos ? "" : rest.substr(0, colon);
  std::string msg = colon == std::string::npos ? rest : rest.substr(colon + 2);
  if (kind == "not-found") return absl::NotFoundError(msg);
  if (kind == "invalid") return absl::InvalidArgumentError(msg);
  if (kind == "refused") return absl::FailedPreconditionError(msg);
  if (kind == "unimplemented") return absl::UnimplementedError(msg);
  if (kind == "denied") return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

std::string ControlSocketPath(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* s = std::getenv("BATON_SOCKET"); s && *s) return s;
  if (const char* d = std::getenv("BATON_NODE_DIR"); d && *d) return std::string(d) + "/state/crmd.sock";
  return "/run/baton/crmd.sock";
}

absl::StatusOr<std::string> Call(const std::string& socket_path, const std::vector<std::string>& fields) {
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
  std::string req = EncodeRequest(fields);
  if (req.size() > kMaxControlRequest) {
    ::close(fd);
    return absl::InvalidArgumentError("request too long");
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
  std::string reply;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (reply.empty()) return absl::UnavailableError(absl::StrCat(socket_path, ": baton-crmd closed without a reply"));
  return ParseReply(reply);
}

}  // namespace baton::service
