// Durable fencing history: a Store seam with a RocksDB implementation
// (<state-dir>/fence-history) and an in-memory one for tests. Entries are
// stored as baton.fencing.HistoryEntry protobufs (the wire form of FenceEvent) keyed by entry id.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fencing/engine.h"
#include "proto/fencing.pb.h"

namespace baton::fencing {

FenceEvent FromProto(const HistoryEntry& p);
void ToProto(const FenceEvent& e, HistoryEntry* p);

// Thread-safety: implementations are safe to call from any thread.
class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // Put and Remove are durable (synced) when they return OK.
  virtual absl::Status Put(const FenceEvent& e) = 0;
  virtual absl::Status Remove(const std::string& id) = 0;
  // Every stored entry, ordered by id.
  virtual absl::StatusOr<std::vector<FenceEvent>> LoadAll() = 0;

  static absl::StatusOr<std::unique_ptr<HistoryStore>> OpenRocksDb(const std::string& path);
  static std::unique_ptr<HistoryStore> NewInMemory();
};

}  // namespace baton::fencing
