// Small OS helpers shared by the daemons and the CLI.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <set>
#include <vector>
#include <string>

#include "absl/status/status.h"

namespace baton::common {

// Replaces `path` with `text` so that a crash leaves either the old or the
// new contents: a temporary file beside it, fsync, rename. Names the path
// in its error.
absl::Status WriteFileDurably(const std::string& path, const std::string& text, int mode = 0600);

// Runs argv (found on PATH) with our stdout and stderr and waits for it:
// its exit status, or -1 when it could not run or was killed.
int RunAndWait(const std::vector<std::string>& argv);

// Every IPv4 and IPv6 address of this machine's (network namespace's) interfaces.
std::set<std::string> LocalAddresses();

// An IPv4 or IPv6 address and port as a sockaddr; false if `addr` is neither.
bool ToSockaddr(const std::string& addr, uint16_t port, sockaddr_storage* out, socklen_t* len);

// The address of a sockaddr as text ("" for other families).
std::string AddressString(const sockaddr_storage& sa);

}  // namespace baton::common
