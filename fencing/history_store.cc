// RocksDB and in-memory history stores.
#include "fencing/history_store.h"

#include <rocksdb/db.h>

#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace baton::fencing {

FenceEvent FromProto(const HistoryEntry& p) {
  FenceEvent e;
  e.id = p.id();
  e.target = p.target();
  e.action = p.action();
  e.devices.assign(p.devices().begin(), p.devices().end());
  e.delegate = p.delegate();
  e.origin = p.origin();
  e.client = p.client();
  e.state = ParseFenceState(p.state()).value_or(FenceState::kFailed);
  e.started_ms = p.started_ms();
  e.completed_ms = p.completed_ms();
  e.exit_reason = p.exit_reason();
  return e;
}

void ToProto(const FenceEvent& e, HistoryEntry* p) {
  p->set_id(e.id);
  p->set_target(e.target);
  p->set_action(e.action);
  for (const auto& d : e.devices) p->add_devices(d);
  p->set_delegate(e.delegate);
  p->set_origin(e.origin);
  p->set_client(e.client);
  p->set_state(std::string(FenceStateName(e.state)));
  p->set_started_ms(e.started_ms);
  p->set_completed_ms(e.completed_ms);
  p->set_exit_reason(e.exit_reason);
}

namespace {

class RocksDbHistoryStore : public HistoryStore {
 public:
  explicit RocksDbHistoryStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

  absl::Status Put(const FenceEvent& e) override {
    HistoryEntry p;
    ToProto(e, &p);
    return Check(db_->Put(SyncWrite(), e.id, p.SerializeAsString()), "write");
  }
  absl::Status Remove(const std::string& id) override { return Check(db_->Delete(SyncWrite(), id), "delete"); }

  absl::StatusOr<std::vector<FenceEvent>> LoadAll() override {
    std::vector<FenceEvent> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      HistoryEntry p;
      if (!p.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("fence history entry '", it->key().ToString(), "' is corrupt"));
      }
      out.push_back(FromProto(p));
    }
    if (auto st = Check(it->status(), "read"); !st.ok()) return st;
    return out;
  }

 private:
  static rocksdb::WriteOptions SyncWrite() {
    rocksdb::WriteOptions w;
    w.sync = true;
    return w;
  }
  static absl::Status Check(const rocksdb::Status& s, const char* what) {
    if (s.ok()) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("fence history ", what, ": ", s.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db_;  // RocksDB is itself thread-safe
};

class MemoryHistoryStore : public HistoryStore {
 public:
  absl::Status Put(const FenceEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    entries_[e.id] = e;
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(id);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<FenceEvent>> LoadAll() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<FenceEvent> out;
    for (const auto& [id, e] : entries_) out.push_back(e);
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, FenceEvent> entries_;  // guarded by mu_
};

}  // namespace

absl::StatusOr<std::unique_ptr<HistoryStore>> HistoryStore::OpenRocksDb(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot open fence history database ", path, ": ", s.ToString(),
                                               " (is another baton-fenced using this state directory?)"));
  }
  return std::unique_ptr<HistoryStore>(new RocksDbHistoryStore(std::unique_ptr<rocksdb::DB>(raw)));
}

std::unique_ptr<HistoryStore> HistoryStore::NewInMemory() { return std::make_unique<MemoryHistoryStore>(); }

}  // namespace baton::fencing
