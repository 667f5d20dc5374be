// FenceEngine: the fencer's decisions, without I/O. It takes fencing
// requests, agent results and clock ticks, and returns agent runs to start,
// completed requests and history changes. Device selection (host checks),
// topology levels, delays, retries and timeouts follow Pacemaker 2.1.5's
// fencer (reference/fence-agents.md §4-§6).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fencing/device.h"

namespace baton::fencing {

enum class FenceState { kPending, kSuccess, kFailed, kTimeout };
std::string_view FenceStateName(FenceState s);  // pending, success, failed, timeout
std::optional<FenceState> ParseFenceState(std::string_view s);

struct FenceCommand {
  std::string target;
  std::string action = "reboot";  // off, reboot, on
  int64_t timeout_ms = 60000;     // stonith-timeout: the default per-device action timeout
  bool allow_self = false;        // may a device fence the local node
  int64_t delay_ms = 0;           // requested delay (priority-fencing-delay); -1: no delays at all
  std::string origin;             // node that asked
  std::string client;             // e.g. "crm.1234", "baton-crmd"
};

struct FenceEvent {
  std::string id;  // unique, sortable by start: "<started_ms>-<delegate>-<seq>"
  std::string target;
  std::string action;
  std::vector<std::string> devices;  // the devices that ran the action, in order
  std::string delegate;              // node that executed ("manual" for Confirm)
  std::string origin;
  std::string client;
  FenceState state = FenceState::kPending;
  int64_t started_ms = 0;
  int64_t completed_ms = 0;  // 0 while pending
  std::string exit_reason;
  bool operator==(const FenceEvent&) const = default;
};

struct TopologyLevel {
  int index = 1;                // 1..9
  std::string target;           // exact node name, or
  std::string target_pattern;   // POSIX extended regex on the node name
  std::vector<std::string> devices;
};

// A fence agent to start: the caller runs it and reports back with run_id.
struct AgentRun {
  uint64_t run_id = 0;
  std::string device_id;
  std::string agent_path;
  std::string agent_action;  // as sent on stdin (for logs)
  std::string stdin_text;
  int64_t timeout_ms = 0;    // the runner kills the process group after this
};

struct AgentResult {
  int exit_code = -1;  // -1: killed by a signal or could not be started
  bool timed_out = false;
  std::string stdout_text;
  std::string stderr_text;
};

struct Completion {
  std::vector<uint64_t> request_ids;  // every merged requester
  FenceEvent entry;                 // final state
  bool no_device = false;             // no local device could fence the target
};

struct EngineOutput {
  std::vector<AgentRun> runs;
  std::vector<Completion> completions;
  std::vector<FenceEvent> history_updates;  // new or changed entries, to persist
  std::vector<std::string> history_removed;   // ids trimmed from the history
};

struct EngineOptions {
  std::string local_node;
  std::map<std::string, uint32_t> node_ids;  // name -> cluster node id (nodeid= for agents)
  std::function<int64_t(int64_t)> random;    // uniform in [0, n); default: always 0
  size_t max_history = 500;                  // trimmed to half when exceeded
  int64_t retry_pause_ms = 1000;
  int64_t list_cache_ms = 60000;
};

// Invariants:
//  1. A request completes exactly once, with success only if every
//     required step of one level exited 0 before its deadline; a run whose
//     deadline passed counts as a timeout (a failure), and its later result
//     is ignored.
//  2. At most one operation per (target, action) is active; requests for
//     the same pair join it and get its result.
//  3. A device never acts on the local node unless the request allows it.
//  4. Every agent run has timeout_ms > 0 and no later than its step's deadline.
//  5. history holds at most max_history entries, ordered by id.
// Thread-safety: none; one thread drives the engine (the daemon holds a mutex).
class FenceEngine {
 public:
  // The cluster's nodelist changed: name -> node id (nodeid= for agents).
  void SetNodeIds(std::map<std::string, uint32_t> ids) { options_.node_ids = std::move(ids); }
  explicit FenceEngine(EngineOptions options);

  // Devices and topology. Registering an existing id replaces it.
  void RegisterDevice(Device device);
  bool UnregisterDevice(const std::string& id);
  const std::map<std::string, Device>& devices() const { return devices_; }
  absl::Status SetTopology(std::vector<TopologyLevel> levels);

  // Returns the request id; results arrive in a later Completion.
  uint64_t OnRequest(FenceCommand request, int64_t now_ms);
  void OnAgentResult(uint64_t run_id, const AgentResult& result, int64_t now_ms);
  void OnTick(int64_t now_ms);
  // The operator asserts `target` is down: recorded as a successful off by
  // "manual"; pending operations against it complete successfully.
  FenceEvent Confirm(const std::string& target, const std::string& client, int64_t now_ms);

  // Devices that may fence `target`, as far as is known without running an
  // agent: static lists, none, cached dynamic lists, and status-checked
  // devices (optimistically). Self-fencing rules apply.
  std::vector<std::string> Query(const std::string& target, bool allow_self) const;

  // History, oldest first; an empty target means all.
  std::vector<FenceEvent> History(const std::string& target) const;
  // Restores persisted history at start; entries left pending by a previous
  // run become failed (and are reported in history_updates).
  void LoadHistory(std::vector<FenceEvent> entries, int64_t now_ms);
  // Records an operation another fencer executed for us.
  void RecordHistory(FenceEvent entry);

  // Earliest time OnTick has something to do; nullopt when idle.
  std::optional<int64_t> NextWakeMs() const;
  EngineOutput TakeOutput();

 private:
  struct Step {
    std::string device_id;
    std::string action;
    bool tolerate_failure = false;  // the `on` half of a remapped reboot
    bool check_eligibility = true;
  };
  enum class Phase { kIdle, kListing, kStatusCheck, kDelaying, kRunning, kPausing, kDone };
  struct Operation {
    uint64_t id = 0;
    std::vector<uint64_t> request_ids;
    FenceCommand request;
    FenceEvent entry;
    std::vector<std::vector<std::string>> levels;  // device ids per level, in order
    bool topology = false;
    size_t level = 0;
    std::vector<Step> steps;  // of the current level
    size_t step = 0;
    Phase phase = Phase::kIdle;
    int64_t wake_ms = 0;      // end of a delay or retry pause
    uint64_t run_id = 0;      // the run in flight, 0 if none
    int attempt = 0;
    int64_t step_started_ms = 0;
    int64_t step_deadline_ms = 0;
    int64_t step_timeout_ms = 0;
    bool step_checked = false;  // the current step's device passed the checks
    bool delay_done = false;
    std::set<std::string> listed;                 // devices whose list ran in this op
    std::map<std::string, bool> status_result;    // device -> status said on/off
    bool any_eligible = false;
    bool last_failure_timeout = false;
    std::string last_reason;
    std::vector<std::string> failed_levels;  // why each earlier level failed
  };
  struct ListCache {
    std::vector<std::string> names;
    int64_t fetched_ms = -1;  // -1: never succeeded
  };

  std::vector<std::vector<std::string>> PlanFor(const std::string& target, bool* topology) const;
  void StartLevel(Operation& op, int64_t now_ms);
  void Advance(Operation& op, int64_t now_ms);
  // Eligibility of a device for the op's target: true/false, or nullopt when
  // an agent run was started to find out.
  std::optional<bool> CheckEligible(Operation& op, const Device& d, int64_t now_ms);
  bool PolicyAllows(Operation& op, const Device& d, const std::string& action);
  void HandleResult(uint64_t run_id, const AgentResult& result, int64_t now_ms);
  void Reap();  // drops finished operations
  void StartStepRun(Operation& op, const Device& d, int64_t now_ms);
  void StepSucceeded(Operation& op, int64_t now_ms);
  void StepFailed(Operation& op, const std::string& reason, bool timeout, int64_t now_ms);
  void LevelFailed(Operation& op, int64_t now_ms);
  void Finish(Operation& op, FenceState state, const std::string& reason, int64_t now_ms);
  uint64_t Launch(Operation& op, const Device& d, const std::string& action, const std::string& target,
                  int64_t timeout_ms);
  void AddHistory(const FenceEvent& e);
  std::string NewHistoryId(int64_t now_ms, const std::string& who);

  EngineOptions options_;
  std::map<std::string, Device> devices_;
  std::vector<TopologyLevel> topology_;
  std::vector<std::regex> patterns_;  // compiled target_pattern per topology_ entry
  std::map<std::string, ListCache> lists_;
  std::map<uint64_t, Operation> ops_;        // by op id
  std::map<uint64_t, uint64_t> run_to_op_;   // run id -> op id
  std::vector<FenceEvent> history_;
  EngineOutput out_;
  uint64_t next_request_ = 1;
  uint64_t next_op_ = 1;
  uint64_t next_run_ = 1;
  uint64_t history_seq_ = 0;
};

}  // namespace baton::fencing
