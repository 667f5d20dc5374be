// The cluster's shared secret, /etc/baton/authkey: raw bytes (as written by
// corosync-keygen) that authenticate and encrypt traffic between nodes.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace baton::config {

inline constexpr size_t kMinAuthKeyBytes = 16;
inline constexpr size_t kMaxAuthKeyBytes = 4096;

// Reads the key file whole. Refuses, with a message naming the file and the
// fix, a file that is not a regular file, that group or others may access
// (mode & 077), or whose size is outside [kMinAuthKeyBytes, kMaxAuthKeyBytes].
absl::StatusOr<std::string> ReadAuthKey(const std::string& path);

}  // namespace baton::config
