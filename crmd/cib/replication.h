// CIB replication: the DC is the only writer; every member persists before it
// acknowledges; a new DC takes the newest CIB among the members.
//
// Core logic only: messages in and out, time through OnTick, storage through
// the CibStore seam (RocksDB in the daemon, memory in tests and simulation).
// The configuration travels as opaque text (Pacemaker XML); this layer only
// compares versions.
//
// Per view (identified by `term`, which only grows — the membership's ring
// sequence), the DC:
//   1. syncs: asks every member for its version, fetches the newest CIB if a
//      member holds a newer one than its own (StoredCib::NewerThan), and
//      installs it on every member;
//   2. serves: applies one change at a time as compare-and-swap on the
//      version the client read, persists it, installs it on every member and
//      reports success only when all have acknowledged.
// Members accept installs only from the DC of their current term. A view
// change fails pending changes with Unavailable (their outcome is then
// unknown: the next DC keeps the newest copy).
//
// Invariants (checked by tests/sim/cib_sim_test.cc after every step):
//  1. A change reported successful is on the durable store of every member
//     of the view it was made in; since writes need a quorate view, every
//     later quorate view holds a member with it, and the next DC takes it.
//  2. Two different configurations are never reported committed with the
//     same version.
//  3. When one view holds every node and its DC serves, all members hold the
//     same version and text.
// Thread-safety: none; one event loop owns it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/cib/cib.h"

namespace baton::cib {

struct StoredCib {
  Version version;
  std::string config;    // the configuration, as text
  uint64_t written = 0;  // the term whose DC made this version
  bool operator==(const StoredCib&) const = default;
  // Which of two copies a new DC takes: the one written in the later term,
  // then the higher version (as Raft compares logs). Versions alone do not
  // do: a DC cut off mid-change keeps a version number that a later DC
  // also gives to a different change.
  bool NewerThan(const StoredCib& o) const {
    return written != o.written ? written > o.written : version > o.version;
  }
};

// Where a node's CIB lives across restarts.
class CibStore {
 public:
  virtual ~CibStore() = default;
  // Durable when it returns OK (RocksDB: a synced write).
  virtual absl::Status Save(const StoredCib& cib) = 0;
  // nullopt: nothing stored yet.
  virtual absl::StatusOr<std::optional<StoredCib>> Load() = 0;
};

class MemoryCibStore : public CibStore {
 public:
  absl::Status Save(const StoredCib& cib) override;
  absl::StatusOr<std::optional<StoredCib>> Load() override { return stored_; }
  void FailSaves(bool fail) { fail_ = fail; }

 private:
  std::optional<StoredCib> stored_;
  bool fail_ = false;
};

// A replication message between crmds.
struct ReplMsg {
  enum class Type {
    kQuery,    // DC -> member: your version?
    kVersion,  // member -> DC
    kFetch,    // DC -> member: send me your CIB
    kFull,     // member -> DC: version + config
    kInstall,  // DC -> member: persist this (seq)
    kAck,      // member -> DC: persisted (seq)
    kForward,  // member -> DC: a client's change (request_id, base, config)
    kResult,   // DC -> member: the change's outcome
  };
  Type type = Type::kQuery;
  uint64_t term = 0;
  uint32_t from = 0;
  Version version;
  std::string config;
  uint64_t written = 0;  // the CIB's StoredCib::written
  uint64_t seq = 0;
  uint64_t request_id = 0;
  Version base;
  absl::StatusCode code = absl::StatusCode::kOk;  // kResult
  std::string error;                              // kResult
};

struct Outgoing {
  uint32_t to = 0;
  ReplMsg msg;
};

// The outcome of a change submitted at this node.
struct ChangeResult {
  uint64_t request_id = 0;
  absl::Status status;
  Version version;  // the committed version on success
};

struct ReplicaOptions {
  int64_t retry_ms = 200;  // resend unanswered queries and installs
  // Mutation testing only: a new DC keeps its own CIB instead of the newest.
  bool unsafe_keep_own_cib = false;
};

class CibReplica {
 public:
  CibReplica(uint32_t self, CibStore* store, ReplicaOptions options = {});

  // Loads the stored CIB (none: version 0.0.0, empty text).
  absl::Status Init();

  // A new agreed view, or the same view whose DC changed (quorum came or
  // went). `dc` is set only for a quorate view.
  void OnView(uint64_t term, const std::set<uint32_t>& members, std::optional<uint32_t> dc, int64_t now_ms);
  void OnMessage(const ReplMsg& msg, int64_t now_ms);
  void OnTick(int64_t now_ms);

  // A client's change at this node: replace the configuration with `config`
  // if the CIB is still at `base`. Refused without a DC (no quorum). The
  // outcome comes through TakeResults().
  void Submit(uint64_t request_id, const Version& base, std::string config, int64_t now_ms);

  std::vector<Outgoing> TakeOutgoing();
  std::vector<ChangeResult> TakeResults();

  const StoredCib& current() const { return current_; }
  bool is_dc() const { return dc_ == self_; }
  // The DC has synced this view and accepts changes.
  bool serving() const { return is_dc() && phase_ == Phase::kServing; }
  uint64_t term() const { return term_; }

 private:
  enum class Phase { kIdle, kQuerying, kFetching, kInstalling, kServing };
  struct Pending {
    uint64_t request_id = 0;
    uint32_t origin = 0;
    Version base;
    std::string config;
  };

  void Send(uint32_t to, ReplMsg msg);
  void Finish(uint32_t origin, uint64_t request_id, absl::Status status, const Version& version);
  void StartInstall(int64_t now_ms);
  void InstallDone(int64_t now_ms);
  void ApplyNext(int64_t now_ms);
  void FailAllPending(const absl::Status& why);
  std::set<uint32_t> Others() const;

  const uint32_t self_;
  CibStore* const store_;
  const ReplicaOptions options_;
  StoredCib current_;

  uint64_t term_ = 0;
  std::set<uint32_t> members_;
  std::optional<uint32_t> dc_;

  // DC state for this term.
  Phase phase_ = Phase::kIdle;
  std::map<uint32_t, StoredCib> versions_;  // answers to kQuery (without the text)
  uint32_t fetch_from_ = 0;
  uint64_t install_seq_ = 0;
  std::set<uint32_t> awaiting_;  // members yet to answer the current step
  int64_t last_send_ms_ = 0;
  std::vector<Pending> queue_;           // changes waiting, in arrival order
  std::optional<Pending> in_flight_;     // the change being installed
  uint64_t last_install_seq_ = 0;  // member side: installs of this term arrive in any order
  std::set<uint64_t> forwarded_;  // this node's changes sent to the DC, unanswered

  std::vector<Outgoing> outgoing_;
  std::vector<ChangeResult> results_;
};

}  // namespace baton::cib
