// Executor: runs OCF resource agent actions on this node. Builds each
// action's environment, finds the agent, serialises actions per resource,
// reschedules recurring monitors, maps exit codes, and keeps the operation
// history the CIB status section records.
//
// Core logic only: time comes in through OnTick(now_ms) and processes run
// through the injected ProcessRunner.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/process/process_runner.h"

namespace baton::executor {

// The executor runs agents through lib/process.
using process::ProcessResult;
using process::ProcessRunner;
using process::ProcessSpec;

// OCF exit codes (ocf-agents.md section 4).
enum class OcfRc : int {
  kOk = 0,
  kError = 1,
  kInvalidParam = 2,
  kUnimplemented = 3,
  kInsufficientPriv = 4,
  kNotInstalled = 5,
  kNotConfigured = 6,
  kNotRunning = 7,
  kRunningPromoted = 8,
  kFailedPromoted = 9,
  kDegraded = 190,
  kDegradedPromoted = 191,
};

// Execution status, numbered as the history's op-status attribute.
enum class ExecStatus : int {
  kDone = 0,
  kCancelled = 1,
  kTimedOut = 2,
  kNotSupported = 3,
  kError = 4,
  kHardError = 5,
  kFatalError = 6,
  kNotInstalled = 7,
};

const char* OcfRcText(int rc);            // "ok", "not running", ..., "unknown"
const char* ExecStatusText(ExecStatus s);  // "complete", "Timed Out", ...

inline constexpr int kMaxExitReasonLength = 128;

// The result of a finished process turned into what the cluster records.
struct MappedResult {
  int rc = static_cast<int>(OcfRc::kError);
  ExecStatus status = ExecStatus::kError;
  std::string exit_reason;
};
// Exit codes 0..9, 190, 191 are kept; any other code becomes 1 (status
// complete, as Pacemaker does); a signal, a timeout or a failed exec gives
// rc 1 with status Error / Timed Out. Never fails.
MappedResult MapProcessResult(const ProcessResult& result, int64_t timeout_ms);
// The text after the last "ocf-exit-reason:" in `stderr_text`, up to the end
// of its line, trimmed and cut to kMaxExitReasonLength; "" if none.
std::string ParseExitReason(const std::string& stderr_text);

struct OperationRequest {
  std::string rsc_id;          // OCF_RESOURCE_INSTANCE
  std::string provider;        // e.g. "heartbeat", "pacemaker", "baton"
  std::string type;            // e.g. "IPaddr2"
  std::string action;          // start, stop, monitor, ... (see IsKnownAction)
  int64_t interval_ms = 0;     // monitor only; 0 = one-shot (a probe)
  int64_t timeout_ms = 20000;  // <= 0: the interval, else 20 s
  std::map<std::string, std::string> params;  // instance attributes
  std::map<std::string, std::string> meta;    // action meta, without CRM_meta_
};

bool IsKnownAction(const std::string& action);

// One line of a resource's history: a CIB lrm_rsc_op.
struct OperationResult {
  int call_id = 0;
  std::string rsc_id;
  std::string action;
  int64_t interval_ms = 0;
  int rc = 0;
  ExecStatus status = ExecStatus::kDone;
  std::string exit_reason;
  int64_t queued_ms = 0;          // when submitted (or when a recurring run fell due)
  int64_t started_ms = 0;         // last-run
  int64_t finished_ms = 0;
  int64_t last_rc_change_ms = 0;  // last time this op key's rc changed
  std::string output;             // the agent's stdout (meta-data XML)

  int64_t exec_time_ms() const { return finished_ms - started_ms; }
  int64_t queue_time_ms() const { return started_ms - queued_ms; }
  // <rsc>_<action>_<interval>, the history entry's key.
  std::string OpKey() const;
};

struct ExecutorOptions {
  std::string ocf_root = "/usr/lib/ocf";
  // Searched in order for <dir>/<provider>/<type>. Empty: $ocf_root/resource.d.
  std::vector<std::string> resource_dirs;
  // Searched first for provider "baton" (<dir>/<type>).
  std::string baton_agents_dir = "/usr/lib/baton/agents/ocf";
  // Put first on the agents' PATH and made their HA_SBIN_DIR (baton's
  // crm_attribute etc. shims); "" = neither.
  std::string tools_dir;
  std::string base_path = "/usr/sbin:/usr/bin:/sbin:/bin";
  std::string ha_rsctmp = "/run/resource-agents";
  std::string crm_feature_set = "3.16.1";
  std::map<std::string, std::string> extra_env;  // added last, override nothing
  // Seam for agent lookup: whether a path is an executable file.
  // Unset: access(path, X_OK) on a regular file.
  std::function<bool(const std::string&)> is_executable;
};

// Invariants:
//  1. At most one process per resource runs at a time; the others wait in
//     submission order (a recurring monitor joins the queue when it falls due).
//  2. A recurring monitor is rescheduled `interval` after each completion and
//     reported only on its first result and when rc or status changes;
//     every run updates the history.
//  3. Every submitted one-shot operation is reported exactly once.
//  4. Call ids increase; a recurring monitor keeps the call id it got when
//     submitted.
// Thread-safety: none; call from one thread (the daemon's event loop).
class Executor {
 public:
  Executor(ExecutorOptions options, ProcessRunner* runner);

  // Queues an operation; it starts on the next OnTick. Returns its call id.
  // Refused: an unknown action, a missing id/provider/type, an interval on
  // anything but monitor, a second recurring monitor with the same interval.
  absl::StatusOr<int> Submit(const OperationRequest& request, int64_t now_ms);
  // Cancels a recurring monitor. A run in progress is reported as Cancelled
  // when it ends; otherwise the cancellation is reported at the next tick.
  absl::Status Cancel(const std::string& rsc_id, const std::string& action,
                      int64_t interval_ms);

  // Collects finished processes, starts what may start, and returns the
  // results to report, in completion order.
  std::vector<OperationResult> OnTick(int64_t now_ms);
  // When OnTick next has timed work (a recurring monitor due); nullopt: none.
  std::optional<int64_t> NextWakeupMs() const;

  // The resource's history, one entry per op key, by call id.
  std::vector<OperationResult> History(const std::string& rsc_id) const;
  // Drops a resource's history (crm_resource --refresh); refused while busy.
  absl::Status ForgetResource(const std::string& rsc_id);
  bool Busy(const std::string& rsc_id) const;

  // Exposed for tests and for crm_resource --validate style callers.
  std::map<std::string, std::string> BuildEnvironment(const OperationRequest& request) const;
  std::optional<std::string> FindAgent(const std::string& provider,
                                       const std::string& type) const;

 private:
  struct Queued {
    int call_id = 0;
    OperationRequest request;
    int64_t queued_ms = 0;
    bool recurring = false;
  };
  struct Recurring {
    int call_id = 0;
    OperationRequest request;
    int64_t next_due_ms = 0;
    bool pending = false;  // queued or running
    std::optional<std::pair<int, ExecStatus>> last_reported;
  };
  struct Running {
    ProcessRunner::Handle handle = 0;
    Queued op;
    int64_t started_ms = 0;
    bool cancelled = false;
  };
  struct Resource {
    std::deque<Queued> queue;
    std::optional<Running> running;
    std::map<int64_t, Recurring> recurring;  // by interval
    std::map<std::string, OperationResult> history;  // by op key
  };

  void StartNext(const std::string& rsc_id, Resource& rsc, int64_t now_ms,
                 std::vector<OperationResult>* reports);
  void Finish(const std::string& rsc_id, Resource& rsc, const Queued& op,
              int64_t started_ms, int64_t now_ms, const MappedResult& mapped,
              std::string output, bool cancelled, std::vector<OperationResult>* reports);
  static int64_t EffectiveTimeout(const OperationRequest& request);

  const ExecutorOptions options_;
  ProcessRunner* const runner_;
  int next_call_id_ = 1;
  std::map<std::string, Resource> resources_;
  std::map<ProcessRunner::Handle, std::string> running_by_handle_;
  std::vector<OperationResult> pending_reports_;  // produced outside OnTick
};

}  // namespace baton::executor
