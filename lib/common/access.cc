#include "lib/common/access.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"

namespace baton::common {
namespace {

std::optional<gid_t> ClusterGid() {
  std::vector<char> buf(16384);
  struct group gr;
  struct group* found = nullptr;
  if (getgrnam_r(kClusterGroup, &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
  return found->gr_gid;
}

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::PermissionDeniedError(absl::StrCat(path, ": cannot ", what, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status RestrictClusterSocket(const std::string& path) {
  auto gid = ClusterGid();
  if (!gid) {
    if (::chmod(path.c_str(), 0600) != 0) return Errno("chmod", path);
    return absl::OkStatus();
  }
  if (::chown(path.c_str(), ::geteuid(), *gid) != 0) return Errno("chown", path);
  if (::chmod(path.c_str(), 0660) != 0) return Errno("chmod", path);
  return absl::OkStatus();
}

absl::Status MakeSocketDirectory(const std::string& dir) {
  struct stat st;
  // An existing directory is left as it is (it may be /tmp, or made by
  // tmpfiles.d with the package's owner and mode).
  if (::stat(dir.c_str(), &st) == 0) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  auto gid = ClusterGid();
  if (gid && ::chown(dir.c_str(), ::geteuid(), *gid) != 0) return Errno("chown", dir);
  if (::chmod(dir.c_str(), gid ? 0750 : 0700) != 0) return Errno("chmod", dir);
  return absl::OkStatus();
}

bool MayUseCluster(uid_t uid, gid_t gid) {
  if (uid == 0 || uid == ::geteuid()) return true;
  auto cluster = ClusterGid();
  if (!cluster) return false;
  if (gid == *cluster) return true;
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return false;
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<size_t>(n));
    if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &n) < 0) return false;
  }
  for (int i = 0; i < n; ++i) {
    if (groups[static_cast<size_t>(i)] == *cluster) return true;
  }
  return false;
}

absl::Status GetPeerCredentials(int fd, PeerCredentials* out) {
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return absl::InternalError(absl::StrCat("SO_PEERCRED: ", std::strerror(errno)));
  }
  out->pid = cred.pid;
  out->uid = cred.uid;
  out->gid = cred.gid;
  return absl::OkStatus();
}

std::string DescribeUser(uid_t uid) {
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return absl::StrCat("user ", found->pw_name, " (uid ", uid, ")");
  }
  return absl::StrCat("uid ", uid);
}

std::string NoAccessMessage(uid_t uid) {
  return absl::StrCat("permission denied: ", DescribeUser(uid), " is neither root nor in the '", kClusterGroup,
                      "' group, which may use and change the cluster (add it: adduser USER ", kClusterGroup, ")");
}

}  // namespace baton::common
