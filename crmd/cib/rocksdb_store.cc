#include "crmd/cib/rocksdb_store.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace baton::cib {
namespace {
constexpr char kKey[] = "cib";
constexpr char kMagic[] = "baton-cib";
}  // namespace

std::string EncodeStoredCib(const StoredCib& cib) {
  return absl::StrCat(kMagic, " 1 ", cib.written, " ", cib.version.admin_epoch, " ", cib.version.epoch, " ",
                      cib.version.num_updates, " ", cib.config.size(), "\n", cib.config);
}

absl::StatusOr<StoredCib> DecodeStoredCib(const std::string& record) {
  auto nl = record.find('\n');
  if (nl == std::string::npos) return absl::DataLossError("CIB record has no header line");
  std::istringstream head(record.substr(0, nl));
  std::string magic;
  int format = 0;
  StoredCib cib;
  size_t length = 0;
  head >> magic >> format >> cib.written >> cib.version.admin_epoch >> cib.version.epoch >>
      cib.version.num_updates >> length;
  if (!head || magic != kMagic || format != 1) return absl::DataLossError("CIB record header is not baton-cib 1");
  if (record.size() - nl - 1 != length) {
    return absl::DataLossError(absl::StrCat("CIB record is ", record.size() - nl - 1, " bytes, header says ", length));
  }
  cib.config = record.substr(nl + 1);
  return cib;
}

absl::StatusOr<std::unique_ptr<RocksDbCibStore>> RocksDbCibStore::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 16;
  options.keep_log_file_num = 2;
  rocksdb::DB* db = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(options, path, &db);
  if (!st.ok()) return absl::UnavailableError(absl::StrCat(path, ": cannot open the CIB store: ", st.ToString()));
  return std::unique_ptr<RocksDbCibStore>(new RocksDbCibStore(path, db));
}

RocksDbCibStore::RocksDbCibStore(std::string path, rocksdb::DB* db) : path_(std::move(path)), db_(db) {}
RocksDbCibStore::~RocksDbCibStore() = default;

absl::Status RocksDbCibStore::Save(const StoredCib& cib) {
  rocksdb::WriteOptions w;
  w.sync = true;
  rocksdb::Status st = db_->Put(w, kKey, EncodeStoredCib(cib));
  if (!st.ok()) return absl::InternalError(absl::StrCat(path_, ": CIB not saved: ", st.ToString()));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoredCib>> RocksDbCibStore::Load() {
  std::string value;
  rocksdb::Status st = db_->Get(rocksdb::ReadOptions(), kKey, &value);
  if (st.IsNotFound()) return std::optional<StoredCib>();
  if (!st.ok()) return absl::InternalError(absl::StrCat(path_, ": cannot read the CIB: ", st.ToString()));
  auto cib = DecodeStoredCib(value);
  if (!cib.ok()) return absl::DataLossError(absl::StrCat(path_, ": ", cib.status().message()));
  return std::optional<StoredCib>(*std::move(cib));
}

}  // namespace baton::cib
