// Who may use a node's cluster sockets: root, and the members of the
// `haclient` group (Pacemaker's group for its tools, created by the
// package). The daemons make their local sockets 0660 root:haclient and
// check each client's credentials again on accept (SO_PEERCRED), so a
// socket whose mode was loosened by hand still refuses strangers.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace baton::common {

inline constexpr char kClusterGroup[] = "haclient";

// Makes the socket at `path` 0660 owned by root:haclient when the group
// exists, else 0600 (root only). Creates nothing; names the path on error.
absl::Status RestrictClusterSocket(const std::string& path);

// Creates the directory that holds the sockets (and its parents) when
// missing: 0750 root:haclient when the group exists, else 0700. An existing
// directory is left alone (the package's tmpfiles.d makes /run/baton).
absl::Status MakeSocketDirectory(const std::string& dir);

// Whether a client with these credentials may use the cluster: root, the
// daemon's own user, or a member of haclient (primary or supplementary).
bool MayUseCluster(uid_t uid, gid_t gid);

// The credentials of the process at the other end of a unix socket.
struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};
absl::Status GetPeerCredentials(int fd, PeerCredentials* out);

// "user alice (uid 1000)", or "uid 1000" when the name is unknown.
std::string DescribeUser(uid_t uid);

// The one line a client without access is told.
std::string NoAccessMessage(uid_t uid);

}  // namespace baton::common
