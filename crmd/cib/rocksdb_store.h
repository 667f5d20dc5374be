// The CIB's durable home on a node: one RocksDB database in the state
// directory, every save a synced write (the DC and each member acknowledge a
// change only after Save returned).
#pragma once

#include <memory>
#include <string>

#include "crmd/cib/replication.h"

namespace rocksdb {
class DB;
}

namespace baton::cib {

class RocksDbCibStore : public CibStore {
 public:
  // Opens (creating if needed) the database at `path`.
  static absl::StatusOr<std::unique_ptr<RocksDbCibStore>> Open(const std::string& path);
  ~RocksDbCibStore() override;

  absl::Status Save(const StoredCib& cib) override;
  // DataLoss, naming the path, if the stored record cannot be decoded.
  absl::StatusOr<std::optional<StoredCib>> Load() override;

 private:
  RocksDbCibStore(std::string path, rocksdb::DB* db);
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
};

// The record's encoding, exposed for tests: "baton-cib 1 <written>
// <admin_epoch> <epoch> <num_updates> <length>\n<config>".
std::string EncodeStoredCib(const StoredCib& cib);
absl::StatusOr<StoredCib> DecodeStoredCib(const std::string& record);

}  // namespace baton::cib
