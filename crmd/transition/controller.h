// The controller (Pacemaker's controld): every node keeps the cluster's
// status from the results executors broadcast; the DC of the partition also
// schedules and runs transitions: on every relevant event (membership,
// quorum, configuration, an unexpected result, fencing, attributes, a
// timer) it runs the scheduler on configuration + status and executes the
// graph, resource actions on their nodes' executors and fencing through the
// fencer.
//
// Core logic only: events in, requests out (Take*), no I/O; the daemon
// carries requests over the peer transport and to baton-fenced.
//
// Invariants:
//  1. Only the DC dispatches; one graph at a time; a new graph only after
//     the previous one is done (complete, or aborted with nothing in flight).
//  2. A node that left without being fenced stays unclean in the status
//     (expected up, not in the membership) until its fencing is confirmed,
//     so the scheduler orders its resources' recovery after the fencing.
//  3. Before its first transition a new DC has the executors' histories of
//     every member (or waited history_wait_ms for them).
//  4. What a member knows of an absent node (left cleanly, fenced, lost)
//     is never forgotten by a new DC: it comes with the member's history,
//     and the newer knowledge wins (StatusTable::MergeLife).
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crmd/attrd/attrd.h"
#include "crmd/scheduler/cluster_options.h"
#include "crmd/transition/status_table.h"
#include "crmd/transition/transition.h"
#include "lib/cib/cib.h"

namespace baton::transition {

struct ControllerOptions {
  std::string self;
  std::vector<std::pair<std::string, std::string>> nodes;  // (id, name), configuration order
  int64_t history_wait_ms = 2000;    // a new DC waits this long for members' histories
  int64_t startup_wait_ms = 10000;   // the first DC waits this long for every node to join
  int64_t recheck_ms = 60000;        // reschedule at least this often (failure-timeout etc.)
};

struct ExecOut {
  std::string node;
  uint64_t graph = 0;
  GraphAction action;
};

struct FenceOut {
  std::string target;
  std::string action;  // reboot, off, on
  uint64_t graph = 0;
  int action_id = 0;
  int64_t timeout_ms = 60000;  // stonith-timeout
};

struct AttrOut {
  std::string node, name, value;
  bool remove = false;
};

class Controller {
 public:
  Controller(ControllerOptions options, const attrd::AttributeStore* attrs, int64_t now_ms);

  // The partition's membership and its DC (membership/election.h, quorate
  // or not: without quorum the DC applies no-quorum-policy). `ring_seq`
  // (the view's ring sequence) dates what this node learns of the others.
  void OnView(const std::set<std::string>& members, const std::string& dc, bool quorate, uint64_t ring_seq,
              int64_t now_ms);
  void OnConfig(const cib::Cib& configured);
  // The cluster's nodelist changed (crm cluster join/remove): (id, name) in
  // configuration order. The next schedule sees the new set of nodes.
  void OnNodelist(std::vector<std::pair<std::string, std::string>> nodes);
  void OnOpResult(uint64_t graph, int action, const OpResultRecord& r);
  // An operation a node's executor has started (op_status -1): the status
  // shows it in flight, so a new DC does not act as if nothing ran there.
  void OnPending(const OpResultRecord& r);
  // A member's executor history, and what it knows of every node's life
  // (StatusTable::Lives): a new DC learns which absent nodes left cleanly
  // or were fenced, and which are lost (invariant 4).
  void OnHistory(const std::string& node, const std::vector<OpResultRecord>& records,
                 const std::vector<StatusTable::KnownLife>& lives = {});
  void OnFenceResult(uint64_t graph, int action, const std::string& target, bool ok);
  // Broadcast by the DC after a fencing succeeded (and by crm node clearstate).
  void OnNodeFenced(const std::string& node);
  // A member started again (a new incarnation) before the membership saw it
  // leave: its executor's history is the new life's, asked for again.
  void OnNodeRestarted(const std::string& node);
  // No new transition while set: an operator is fencing a node that left,
  // and recovery waits for that fencing's outcome instead of fencing again.
  void SetHeld(bool held) { held_ = held; }
  // crm resource cleanup: RSC's history on NODE ("" = every node) is gone.
  void OnCleanup(const std::string& rsc, const std::string& node);
  // A transient attribute changed (promotion scores, fail counts).
  void OnAttributesChanged();
  // `wall_s`: wall-clock seconds, the scheduler's "now".
  void OnTick(int64_t now_ms, int64_t wall_s);

  std::vector<ExecOut> TakeExec();
  std::vector<FenceOut> TakeFence();
  std::vector<AttrOut> TakeAttrs();
  std::vector<std::string> TakeFencedBroadcast();
  bool TakeHistoryQuery();

  // Configuration + status as this node knows them.
  cib::Cib CurrentCib() const;
  bool is_dc() const { return dc_ == options_.self; }
  const std::string& dc() const { return dc_; }
  bool is_member(const std::string& node) const { return members_.count(node) > 0; }
  const StatusTable& table() const { return table_; }
  uint64_t transitions() const { return graph_id_; }
  // crm_config, typed: read on every OnConfig, and as the scheduler read it
  // (rules at its "now") for the last transition.
  const scheduler::ClusterOptions& cluster_options() const { return cluster_options_; }
  // One line per transition event, for the daemon's log.
  std::vector<std::string> TakeLog();

  // How long past its own timeout an action may stay unanswered before the
  // DC counts it as failed (a lost message, a node that never answered).
  static constexpr int64_t kActionGraceMs = 20000;

 private:
  void Schedule(int64_t now_ms, int64_t wall_s);
  void DispatchReady();
  void Failure(const OpResultRecord& r);

  ControllerOptions options_;  // nodes change with OnNodelist only
  const attrd::AttributeStore* attrs_;
  int64_t started_ms_;
  cib::Cib configured_;
  scheduler::ClusterOptions cluster_options_;
  std::vector<std::string> option_problems_;  // invalid options, logged once per change
  int64_t wall_s_ = 0;                        // the last schedule's wall clock, for OnConfig's rules
  StatusTable table_;
  std::set<std::string> members_;
  std::string dc_;
  bool quorate_ = false;
  uint64_t ring_seq_ = 0;

  TransitionEngine engine_;
  uint64_t graph_id_ = 0;
  bool dirty_ = true;
  int64_t last_schedule_ms_ = 0;
  std::set<std::string> history_pending_;
  int64_t history_deadline_ms_ = 0;
  int64_t last_tick_ms_ = 0;
  bool held_ = false;
  int64_t hold_until_ms_ = 0;                 // after a failed fencing: retry later, not at once
  std::map<int, int64_t> deadlines_;          // in-flight action -> when it counts as lost

  std::vector<ExecOut> exec_out_;
  std::vector<FenceOut> fence_out_;
  std::vector<AttrOut> attr_out_;
  std::vector<std::string> fenced_out_;
  bool history_query_ = false;
  std::vector<std::string> log_;
};

}  // namespace baton::transition
