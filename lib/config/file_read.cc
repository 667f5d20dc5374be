// open/fstat/read on one descriptor, so the checks and the bytes read are
// of the same file.
#include "lib/config/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace baton::config {
namespace {

absl::Status Errno(const std::string& path, const char* doing, int err) {
  std::string message = absl::StrCat(path, ": cannot ", doing, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InvalidArgumentError(message);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<FileContents> ReadRegularFile(const std::string& path, size_t limit) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return Errno(path, "open", errno);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Errno(path, "stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  FileContents out;
  out.mode = st.st_mode;
  out.size = st.st_size;
  char buf[4096];
  while (out.data.size() < limit) {
    ssize_t n = read(fd.get(), buf, std::min(sizeof buf, limit - out.data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(path, "read", errno);
    if (n == 0) break;
    out.data.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace baton::config
