#include "crmd/cib/rocksdb_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace baton::cib {
namespace {

class RocksDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/baton-cibstore-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(RocksDbStoreTest, SurvivesReopen) {
  StoredCib cib{Version{1, 7, 2}, "<configuration>\n  <crm_config/>\n</configuration>\n", 42};
  {
    auto store = RocksDbCibStore::Open(dir_ + "/cib");
    ASSERT_TRUE(store.ok()) << store.status();
    auto empty = (*store)->Load();
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty->has_value());
    ASSERT_TRUE((*store)->Save(cib).ok());
  }
  auto store = RocksDbCibStore::Open(dir_ + "/cib");
  ASSERT_TRUE(store.ok());
  auto loaded = (*store)->Load();
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, cib);
}

TEST(StoredCibEncoding, RoundTripsAndRefusesDamage) {
  StoredCib cib{Version{0, 3, 9}, "text with\nnewlines", 5};
  auto back = DecodeStoredCib(EncodeStoredCib(cib));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, cib);
  std::string rec = EncodeStoredCib(cib);
  EXPECT_EQ(DecodeStoredCib(rec.substr(0, rec.size() - 1)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStoredCib("garbage").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStoredCib("other 1 0 0 0 0 0\n").status().code(), absl::StatusCode::kDataLoss);
}

TEST(RocksDbStore, UnopenablePathIsAnError) {
  auto store = RocksDbCibStore::Open("/proc/baton-cannot-create-here");
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace baton::cib
