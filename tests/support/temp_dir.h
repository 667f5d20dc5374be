// A test fixture owning a private temporary directory, removed after each
// test, and files written into it with mkstemp.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace baton::test_support {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "config_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `contents` to a new file `prefix`.XXXXXX in dir_, with `mode`;
  // returns its path.
  std::string WriteFile(absl::string_view prefix, absl::string_view contents, mode_t mode = 0600) {
    std::string path = absl::StrCat(dir_, "/", prefix, ".XXXXXX");
    int fd = mkstemp(path.data());
    EXPECT_GE(fd, 0) << path;
    EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
    EXPECT_EQ(fchmod(fd, mode), 0);
    close(fd);
    return path;
  }

  std::string dir_;
};

}  // namespace baton::test_support
