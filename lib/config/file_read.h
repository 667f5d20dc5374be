// Reading a small regular file whole, for the configuration and key readers.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace baton::config {

struct FileContents {
  std::string data;  // at most the limit given to ReadRegularFile
  mode_t mode = 0;   // st_mode of the opened file
  off_t size = 0;    // st_size of the opened file
};

// Opens `path`, which must be a regular file (a FIFO does not block it), and
// reads at most `limit` bytes. Errors start with the path.
absl::StatusOr<FileContents> ReadRegularFile(const std::string& path, size_t limit);

}  // namespace baton::config
