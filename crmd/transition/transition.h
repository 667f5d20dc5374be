// Transitions: the DC turns a scheduled working set into a graph of actions
// and runs it — each action once its inputs are done, at most batch-limit in
// flight, resource actions to the executors of their nodes, fence actions to
// the fencer. An unexpected result, a lost node or any new event aborts the
// graph: nothing new is dispatched, in-flight actions finish, and the DC
// schedules again from the new state.
//
// Core logic only: no I/O. The daemon sends what Dispatch() returns and feeds
// results back with OnResult().
//
// Invariants:
//  1. An action is dispatched only after every one of its inputs completed
//     successfully (pseudo actions complete as soon as they are ready).
//  2. After Abort() nothing more is dispatched in this graph.
//  3. Each action is dispatched at most once and completes at most once.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "crmd/scheduler/working_set.h"

namespace baton::transition {

struct GraphAction {
  enum class Kind { kResource, kFence, kPseudo, kCluster };
  int id = 0;
  Kind kind = Kind::kPseudo;
  std::string node;  // where it runs; for fencing, the node to fence
  // Resource actions: the history id the executor knows it by (clone
  // instances of anonymous clones use the child's id), and the agent.
  std::string rsc;
  std::string rsc_class, provider, type;
  std::string task;  // start, stop, monitor, promote, demote, notify, cancel, stonith, ...
  int64_t interval_ms = 0;
  int64_t timeout_ms = 20000;
  int target_rc = 0;
  std::string fence_action;  // reboot, off, on
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> meta;  // action meta (without CRM_meta_)
  std::string op_digest;                    // of the parameters, as the scheduler compares them
  std::vector<int> inputs;                  // ids that must complete first
  std::string description;                  // for logs: "vip_start_0 on n2"
  // Runs even after the transition is aborted, once its inputs are done (as
  // Pacemaker's priority-INFINITY synapses: post-notifications and the
  // clone completion pseudo-actions they follow), so agents that cleaned up
  // in post-notifications (PAF) still do after a failed promote.
  bool survives_abort = false;
};

struct Graph {
  uint64_t id = 0;
  std::vector<GraphAction> actions;  // by id: actions[i].id == i
};

// The graph of a scheduled working set: every action InGraph() keeps, with
// its orderings among them as inputs.
Graph BuildGraph(const scheduler::WorkingSet& ws, uint64_t id);

class TransitionEngine {
 public:
  explicit TransitionEngine(int batch_limit = 0) : batch_limit_(batch_limit) {}

  void Start(Graph graph);
  // Ready actions, now marked in flight (pseudo and cluster actions complete
  // at once and are not returned). After an abort, only those that survive
  // it (GraphAction::survives_abort).
  std::vector<const GraphAction*> Dispatch();
  // `ok`: the action ended as the graph expected. A failure aborts.
  void OnResult(int action_id, bool ok);
  void Abort(const std::string& reason);

  bool active() const { return active_; }
  bool aborted() const { return aborted_; }
  // Active, and nothing more will happen: complete, or aborted with nothing
  // in flight. The caller then schedules again (if aborted or if new events
  // arrived) and starts the next graph.
  bool Done() const;
  const Graph& graph() const { return graph_; }
  const std::set<int>& in_flight() const { return in_flight_; }
  const std::string& abort_reason() const { return abort_reason_; }

 private:
  int batch_limit_;
  Graph graph_;
  bool active_ = false;
  bool aborted_ = false;
  std::string abort_reason_;
  std::set<int> completed_;
  std::set<int> in_flight_;

  bool Ready(const GraphAction& a) const;
};

}  // namespace baton::transition
