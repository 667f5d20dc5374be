// The CIB's status section as the cluster knows it: each node's membership
// state and its resources' operation history, kept by every crmd from the
// results the executors broadcast, so a new DC starts from the last known
// state of a node that died with its predecessor.
//
// Core logic only. Records are Pacemaker lrm_rsc_op entries: a recurring
// monitor under "<rsc>_<op>_<interval>", the last one-shot operation under
// "<rsc>_last_0", the last failure also under "<rsc>_last_failure_0".
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lib/cib/cib.h"

namespace baton::transition {

// One operation result as an executor reports it.
struct OpResultRecord {
  std::string node;
  std::string rsc, rsc_class, provider, type;
  std::string task;
  int64_t interval_ms = 0;
  int call_id = 0;
  int rc = 0;
  int op_status = 0;  // executor::ExecStatus; -1: still running (pending)
  int target_rc = 0;  // what the graph expected (7 for a probe of a stopped resource)
  std::string exit_reason;
  int64_t last_rc_change_s = 0;  // wall clock
  int64_t last_run_s = 0;
  int64_t exec_ms = 0;
  int64_t queue_ms = 0;
  std::string op_digest;
  std::string transition_key;  // "<action>:<graph>:<target_rc>:<dc uuid>"
};

enum class NodeLife {
  kUnseen,   // never a member as far as we know: no node_state
  kMember,   // in the membership, crmd online
  kLost,     // left without being fenced: unclean until fenced
  kDown,     // fenced, or left cleanly: offline, nothing runs there
};

class StatusTable {
 public:
  void Record(const OpResultRecord& r);
  // A node's whole history as its executor reports it (a new DC asks).
  void ReplaceNode(const std::string& node, const std::vector<OpResultRecord>& records);
  // The node was fenced: it runs nothing and is cleanly down. `since`
  // orders what members know of a node: the ring sequence of the view in
  // which they learnt it.
  void Fenced(const std::string& node, uint64_t since);
  // The executor forgot the resource there (cleanup).
  void Forget(const std::string& node, const std::string& rsc);

  void SetLife(const std::string& node, NodeLife life, uint64_t since);
  NodeLife Life(const std::string& node) const;

  // What this table knows of each node's life, to hand to a new DC.
  struct KnownLife {
    std::string node;
    NodeLife life = NodeLife::kUnseen;
    uint64_t since = 0;
  };
  std::vector<KnownLife> Lives() const;
  // Another member's knowledge of a node that is not a member now: the
  // newer knowledge wins; of two as new, lost (unclean) wins over down, so
  // a merge never makes a node that may run something look safe. A member
  // last seen as a member is lost.
  void MergeLife(const KnownLife& theirs);

  // The status section for `nodes` (id, name), transient attributes from
  // `transient` (node -> name -> value).
  std::vector<cib::NodeState> Build(
      const std::vector<std::pair<std::string, std::string>>& nodes,
      const std::map<std::string, std::map<std::string, std::string>>& transient) const;

  // Whether any resource is (as far as its history says) active on `node`.
  bool AnyActive(const std::string& node) const;

  // Every record of a node (for tests and for `crm resource operations`).
  std::vector<OpResultRecord> Records(const std::string& node) const;

 private:
  // node -> rsc -> record id -> record
  std::map<std::string, std::map<std::string, std::map<std::string, OpResultRecord>>> history_;
  struct LifeEntry {
    NodeLife life = NodeLife::kUnseen;
    uint64_t since = 0;
  };
  std::map<std::string, LifeEntry> life_;
};

}  // namespace baton::transition
