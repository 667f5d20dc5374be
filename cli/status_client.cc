#include "cli/status_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>

namespace baton::cli {

int RunStatus(const std::vector<std::string>& args, bool cluster, std::ostream& out, std::ostream& err) {
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--socket" && i + 1 < args.size()) {
      path = args[++i];
    } else if (args[i].rfind("--socket=", 0) == 0) {
      path = args[i].substr(9);
    } else {
      err << "crm: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (path.empty()) {
    if (const char* s = std::getenv("BATON_SOCKET")) path = s;
    else if (const char* d = std::getenv("BATON_NODE_DIR")) path = std::string(d) + "/state/crmd.sock";
    else path = "/var/lib/baton/crmd.sock";
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un un;
  std::memset(&un, 0, sizeof(un));
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)) != 0) {
    err << "crm: cannot reach baton-crmd at " << path << ": " << std::strerror(errno)
        << " (is it running? see --socket)\n";
    if (fd >= 0) ::close(fd);
    return 1;
  }
  std::string req = cluster ? "cluster-status\n" : "status\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    err << "crm: " << path << ": " << std::strerror(errno) << "\n";
    ::close(fd);
    return 1;
  }
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (reply.rfind("error:", 0) == 0) {
    err << "crm: " << reply;
    return 1;
  }
  out << reply;
  return 0;
}

}  // namespace baton::cli
