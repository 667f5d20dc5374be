// Checks on the key file: a regular file, private to its owner, of a size
// a cipher can use.
#include "lib/config/auth_key.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/config/file_read.h"

namespace baton::config {

absl::StatusOr<std::string> ReadAuthKey(const std::string& path) {
  auto file = ReadRegularFile(path, kMaxAuthKeyBytes + 1);
  if (!file.ok()) return file.status();
  if ((file->mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: mode %04o lets group or others access the cluster key; run 'chmod 600 %s' "
        "(and replace the key if others may have read it)",
        path, file->mode & 07777, path));
  }
  size_t size = file->data.size();
  if (size > kMaxAuthKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": key is ", file->size, " bytes, more than the ", kMaxAuthKeyBytes,
                     " allowed; generate a new one, e.g. 'corosync-keygen -k ", path, "'"));
  }
  if (size < kMinAuthKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": key is only ", size, " bytes, fewer than the ", kMinAuthKeyBytes,
                     " needed; generate a new one, e.g. 'corosync-keygen -k ", path, "'"));
  }
  return std::move(file->data);
}

}  // namespace baton::config
