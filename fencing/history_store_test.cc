// The RocksDB history store keeps entries across a reopen.
#include "fencing/history_store.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace baton::fencing {
namespace {

using HistoryStoreTest = test_support::TempDirTest;

TEST_F(HistoryStoreTest, RocksDbSurvivesReopen) {
  FenceEvent e;
  e.id = "0000000000001-n1-000001";
  e.target = "n2";
  e.action = "reboot";
  e.devices = {"d1", "d2"};
  e.delegate = "n1";
  e.origin = "n3";
  e.client = "crm";
  e.state = FenceState::kSuccess;
  e.started_ms = 1;
  e.completed_ms = 2;
  e.exit_reason = "why";
  {
    auto store = HistoryStore::OpenRocksDb(dir_ + "/db");
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Put(e).ok());
    FenceEvent gone = e;
    gone.id = "0000000000002-n1-000002";
    ASSERT_TRUE((*store)->Put(gone).ok());
    ASSERT_TRUE((*store)->Remove(gone.id).ok());
  }
  auto store = HistoryStore::OpenRocksDb(dir_ + "/db");
  ASSERT_TRUE(store.ok()) << store.status();
  auto all = (*store)->LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0], e);
}

}  // namespace
}  // namespace baton::fencing
