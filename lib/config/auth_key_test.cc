// The authkey reader: sizes, permissions and file kinds it refuses, each
// with a message naming the file and the fix.
#include "lib/config/auth_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/support/temp_dir.h"

namespace baton::config {
namespace {

class AuthKey : public test_support::TempDirTest {
 protected:
  // A key file of `bytes` bytes of varied values, with `mode`.
  std::string Write(size_t bytes, mode_t mode) {
    std::string key(bytes, '\0');
    for (size_t i = 0; i < bytes; ++i) key[i] = static_cast<char>(i * 7);
    return WriteFile("authkey", key, mode);
  }
};

TEST_F(AuthKey, ReadsBinaryKey) {
  std::string path = Write(256, 0600);
  auto key = ReadAuthKey(path);
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_EQ(key->size(), 256u);
  EXPECT_EQ((*key)[0], '\0');
  EXPECT_EQ((*key)[255], static_cast<char>(255 * 7));
  EXPECT_TRUE(ReadAuthKey(Write(16, 0400)).ok());
  EXPECT_TRUE(ReadAuthKey(Write(4096, 0600)).ok());
}

TEST_F(AuthKey, RefusesGroupOrOtherAccess) {
  for (mode_t mode : {0640, 0604, 0644, 0660, 0601, 0610, 0777}) {
    std::string path = Write(256, mode);
    auto key = ReadAuthKey(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kPermissionDenied);
    char mode_text[8];
    snprintf(mode_text, sizeof mode_text, "%04o", mode);
    EXPECT_TRUE(absl::StartsWith(
        key.status().message(),
        absl::StrCat(path, ": mode ", mode_text, " lets group or others access the cluster key")))
        << key.status();
    EXPECT_TRUE(absl::StrContains(key.status().message(), absl::StrCat("chmod 600 ", path)))
        << key.status();
  }
}

TEST_F(AuthKey, RefusesShortKey) {
  for (size_t bytes : {0, 1, 15}) {
    std::string path = Write(bytes, 0600);
    auto key = ReadAuthKey(path);
    ASSERT_FALSE(key.ok()) << bytes;
    EXPECT_EQ(key.status().message(),
              absl::StrCat(path, ": key is only ", bytes,
                           " bytes, fewer than the 16 needed; generate a new one, e.g. "
                           "'corosync-keygen -k ",
                           path, "'"));
  }
}

TEST_F(AuthKey, RefusesLongKey) {
  std::string path = Write(4097, 0600);
  auto key = ReadAuthKey(path);
  ASSERT_FALSE(key.ok());
  EXPECT_TRUE(
      absl::StartsWith(key.status().message(),
                       absl::StrCat(path, ": key is 4097 bytes, more than the 4096 allowed")))
      << key.status();
  path = Write(1 << 20, 0600);
  key = ReadAuthKey(path);
  EXPECT_TRUE(absl::StrContains(key.status().message(), "1048576 bytes")) << key.status();
}

TEST_F(AuthKey, RefusesMissingFileAndNonFiles) {
  std::string missing = dir_ + "/authkey";
  auto key = ReadAuthKey(missing);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(key.status().message(), missing + ": cannot open: "))
      << key.status();

  key = ReadAuthKey(dir_);
  EXPECT_EQ(key.status().message(), dir_ + ": not a regular file");

  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  key = ReadAuthKey(fifo);  // must not block waiting for a writer
  EXPECT_EQ(key.status().message(), fifo + ": not a regular file");
}

}  // namespace
}  // namespace baton::config
