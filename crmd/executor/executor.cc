// Executor: OCF action environment, agent lookup, per-resource queues,
// recurring monitors and exit-code mapping (ocf-agents.md sections 2-9).
#include "crmd/executor/executor.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace baton::executor {
namespace {

constexpr const char* kExitReasonPrefix = "ocf-exit-reason:";
constexpr int64_t kDefaultTimeoutMs = 20000;

bool IsValidOcfRc(int rc) { return (rc >= 0 && rc <= 9) || rc == 190 || rc == 191; }

std::string ReadableMs(int64_t ms) {
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000, "s");
  return absl::StrCat(ms, "ms");
}

bool DefaultIsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// A provider or type that could leave its directory is never looked up.
bool IsSafePathComponent(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

}  // namespace

const char* OcfRcText(int rc) {
  switch (rc) {
    case 0: return "ok";
    case 1: return "error";
    case 2: return "invalid parameter";
    case 3: return "unimplemented feature";
    case 4: return "insufficient privileges";
    case 5: return "not installed";
    case 6: return "not configured";
    case 7: return "not running";
    case 8: return "promoted";
    case 9: return "promoted (failed)";
    case 190: return "OCF_DEGRADED";
    case 191: return "promoted (degraded)";
    default: return "unknown";
  }
}

const char* ExecStatusText(ExecStatus s) {
  switch (s) {
    case ExecStatus::kDone: return "complete";
    case ExecStatus::kCancelled: return "Cancelled";
    case ExecStatus::kTimedOut: return "Timed Out";
    case ExecStatus::kNotSupported: return "NOT SUPPORTED";
    case ExecStatus::kError: return "Error";
    case ExecStatus::kHardError: return "Hard error";
    case ExecStatus::kFatalError: return "Fatal error";
    case ExecStatus::kNotInstalled: return "Not installed";
  }
  return "unknown";
}

std::string ParseExitReason(const std::string& stderr_text) {
  size_t pos = stderr_text.rfind(kExitReasonPrefix);
  if (pos == std::string::npos) return "";
  pos += strlen(kExitReasonPrefix);
  size_t end = stderr_text.find('\n', pos);
  std::string reason(absl::StripAsciiWhitespace(
      absl::string_view(stderr_text).substr(pos, end == std::string::npos ? end : end - pos)));
  if (reason.size() > static_cast<size_t>(kMaxExitReasonLength)) {
    reason.resize(kMaxExitReasonLength);
  }
  return reason;
}

MappedResult MapProcessResult(const ProcessResult& result, int64_t timeout_ms) {
  MappedResult m;  // rc 1, status Error
  if (!result.spawn_error.empty()) {
    m.exit_reason = ParseExitReason(std::string(kExitReasonPrefix) +
                                    "Failed to execute agent: " + result.spawn_error);
  } else if (result.timed_out) {
    m.status = ExecStatus::kTimedOut;
    m.exit_reason = "Resource agent did not complete within " + ReadableMs(timeout_ms);
  } else if (result.term_signal) {
    const char* text = sigdescr_np(*result.term_signal);
    m.exit_reason = text != nullptr
                        ? absl::StrCat("Resource agent interrupted by ", text, " signal")
                        : absl::StrCat("Resource agent interrupted by signal ",
                                       *result.term_signal);
  } else if (result.exit_code) {
    m.status = ExecStatus::kDone;
    m.rc = IsValidOcfRc(*result.exit_code) ? *result.exit_code : static_cast<int>(OcfRc::kError);
    m.exit_reason = ParseExitReason(result.stderr_data);
  } else {
    m.exit_reason = "Resource agent ended without an exit status";
  }
  return m;
}

bool IsKnownAction(const std::string& action) {
  static const char* const kActions[] = {
      "start",  "stop",   "monitor", "promote",   "demote",      "notify",
      "reload", "reload-agent", "meta-data", "validate-all"};
  return std::any_of(std::begin(kActions), std::end(kActions),
                     [&](const char* a) { return action == a; });
}

std::string OperationResult::OpKey() const {
  return absl::StrCat(rsc_id, "_", action, "_", interval_ms);
}

Executor::Executor(ExecutorOptions options, ProcessRunner* runner)
    : options_(std::move(options)), runner_(runner) {}

int64_t Executor::EffectiveTimeout(const OperationRequest& request) {
  if (request.timeout_ms > 0) return request.timeout_ms;
  if (request.interval_ms > 0) return request.interval_ms;
  return kDefaultTimeoutMs;
}

std::map<std::string, std::string> Executor::BuildEnvironment(
    const OperationRequest& request) const {
  std::map<std::string, std::string> env;
  env["OCF_ROOT"] = options_.ocf_root;
  env["OCF_RA_VERSION_MAJOR"] = "1";
  env["OCF_RA_VERSION_MINOR"] = "1";
  env["OCF_EXIT_REASON_PREFIX"] = kExitReasonPrefix;
  env["OCF_RESOURCE_INSTANCE"] = request.action == "meta-data" ? request.type : request.rsc_id;
  env["OCF_RESOURCE_TYPE"] = request.type;
  env["OCF_RESOURCE_PROVIDER"] = request.provider;
  env["HA_RSCTMP"] = options_.ha_rsctmp;
  env["OCF_TRACE_RA"] = "0";
  env["PATH"] = options_.tools_dir.empty() ? options_.base_path
                                           : options_.tools_dir + ":" + options_.base_path;
  // Agents call ${HA_SBIN_DIR}/crm_attribute etc. by absolute path.
  if (!options_.tools_dir.empty()) env["HA_SBIN_DIR"] = options_.tools_dir;
  if (!options_.crm_feature_set.empty()) {
    env["OCF_RESKEY_crm_feature_set"] = options_.crm_feature_set;
  }
  for (const auto& [name, value] : request.params) {
    // An op attribute named OCF_CHECK_LEVEL is exported as is.
    env[name == "OCF_CHECK_LEVEL" ? name : "OCF_RESKEY_" + name] = value;
  }
  for (const auto& [name, value] : request.meta) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    env["OCF_RESKEY_CRM_meta_" + key] = value;
  }
  env["OCF_RESKEY_CRM_meta_interval"] = absl::StrCat(request.interval_ms);
  env["OCF_RESKEY_CRM_meta_timeout"] = absl::StrCat(EffectiveTimeout(request));
  for (const auto& [name, value] : options_.extra_env) env.emplace(name, value);
  return env;
}

std::optional<std::string> Executor::FindAgent(const std::string& provider,
                                               const std::string& type) const {
  if (!IsSafePathComponent(provider) || !IsSafePathComponent(type)) return std::nullopt;
  auto is_exec = options_.is_executable ? options_.is_executable : DefaultIsExecutable;
  if (provider == "baton" && !options_.baton_agents_dir.empty()) {
    std::string path = options_.baton_agents_dir + "/" + type;
    if (is_exec(path)) return path;
  }
  std::vector<std::string> dirs = options_.resource_dirs;
  if (dirs.empty()) dirs.push_back(options_.ocf_root + "/resource.d");
  for (const auto& dir : dirs) {
    std::string path = dir + "/" + provider + "/" + type;
    if (is_exec(path)) return path;
  }
  return std::nullopt;
}

absl::StatusOr<int> Executor::Submit(const OperationRequest& request, int64_t now_ms) {
  if (request.rsc_id.empty()) return absl::InvalidArgumentError("operation has no resource id");
  if (!IsKnownAction(request.action)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resource '", request.rsc_id, "': unknown action '", request.action,
        "' (expected start, stop, monitor, promote, demote, notify, reload, "
        "reload-agent, meta-data or validate-all)"));
  }
  if (request.provider.empty() || request.type.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resource '", request.rsc_id, "': an OCF agent needs a provider and a type"));
  }
  OperationRequest req = request;
  if (req.interval_ms < 0) req.interval_ms = 0;
  if (req.interval_ms > 0 && req.action != "monitor") {
    if (req.action != "start" && req.action != "stop") {
      return absl::InvalidArgumentError(absl::StrCat(
          "resource '", req.rsc_id, "': only monitor may recur, not '", req.action, "'"));
    }
    req.interval_ms = 0;  // start/stop never carry an interval
  }
  Resource& rsc = resources_[req.rsc_id];
  bool recurring = req.interval_ms > 0;
  if (recurring && rsc.recurring.count(req.interval_ms) > 0) {
    return absl::AlreadyExistsError(absl::StrCat(
        "resource '", req.rsc_id, "' already has a monitor every ", req.interval_ms,
        " ms; cancel it first"));
  }
  int call_id = next_call_id_++;
  if (recurring) {
    rsc.recurring[req.interval_ms] = Recurring{call_id, req, now_ms, true, std::nullopt};
  }
  rsc.queue.push_back(Queued{call_id, std::move(req), now_ms, recurring});
  return call_id;
}

absl::Status Executor::Cancel(const std::string& rsc_id, const std::string& action,
                              int64_t interval_ms) {
  auto rit = resources_.find(rsc_id);
  if (rit == resources_.end() || rit->second.recurring.count(interval_ms) == 0 ||
      rit->second.recurring[interval_ms].request.action != action) {
    return absl::NotFoundError(absl::StrCat("resource '", rsc_id, "' has no recurring ", action,
                                            " every ", interval_ms, " ms"));
  }
  Resource& rsc = rit->second;
  Recurring rec = std::move(rsc.recurring[interval_ms]);
  rsc.recurring.erase(interval_ms);
  if (rsc.running && rsc.running->op.call_id == rec.call_id) {
    rsc.running->cancelled = true;  // reported when the process ends
    return absl::OkStatus();
  }
  std::erase_if(rsc.queue, [&](const Queued& q) { return q.call_id == rec.call_id; });
  OperationResult r;
  r.call_id = rec.call_id;
  r.rsc_id = rsc_id;
  r.action = action;
  r.interval_ms = interval_ms;
  r.status = ExecStatus::kCancelled;
  rsc.history.erase(r.OpKey());
  pending_reports_.push_back(std::move(r));
  return absl::OkStatus();
}

std::vector<OperationResult> Executor::OnTick(int64_t now_ms) {
  std::vector<OperationResult> reports;
  reports.swap(pending_reports_);
  for (auto& [handle, result] : runner_->Collect()) {
    auto hit = running_by_handle_.find(handle);
    if (hit == running_by_handle_.end()) continue;  // not ours: ignore
    std::string rsc_id = hit->second;
    running_by_handle_.erase(hit);
    Resource& rsc = resources_[rsc_id];
    if (!rsc.running || rsc.running->handle != handle) continue;
    Running run = std::move(*rsc.running);
    rsc.running.reset();
    MappedResult mapped = MapProcessResult(result, EffectiveTimeout(run.op.request));
    Finish(rsc_id, rsc, run.op, run.started_ms, now_ms, mapped, std::move(result.stdout_data),
           run.cancelled, &reports);
  }
  for (auto& [rsc_id, rsc] : resources_) {
    for (auto& [interval, rec] : rsc.recurring) {
      if (rec.pending || rec.next_due_ms > now_ms) continue;
      rec.pending = true;
      rsc.queue.push_back(Queued{rec.call_id, rec.request, rec.next_due_ms, true});
    }
    if (!rsc.running) StartNext(rsc_id, rsc, now_ms, &reports);
  }
  return reports;
}

void Executor::StartNext(const std::string& rsc_id, Resource& rsc, int64_t now_ms,
                         std::vector<OperationResult>* reports) {
  while (!rsc.running && !rsc.queue.empty()) {
    Queued op = std::move(rsc.queue.front());
    rsc.queue.pop_front();
    const OperationRequest& req = op.request;
    std::optional<std::string> agent = FindAgent(req.provider, req.type);
    if (!agent) {
      MappedResult mapped{static_cast<int>(OcfRc::kNotInstalled), ExecStatus::kNotInstalled,
                          absl::StrCat("Agent ocf:", req.provider, ":", req.type,
                                       " is not installed")};
      mapped.exit_reason.resize(
          std::min<size_t>(mapped.exit_reason.size(), kMaxExitReasonLength));
      Finish(rsc_id, rsc, op, now_ms, now_ms, mapped, "", false, reports);
      continue;
    }
    ProcessSpec spec;
    spec.program = *agent;
    spec.argv = {*agent, req.action};
    spec.env = BuildEnvironment(req);
    spec.timeout_ms = EffectiveTimeout(req);
    ProcessRunner::Handle handle = runner_->Start(spec);
    running_by_handle_[handle] = rsc_id;
    rsc.running = Running{handle, std::move(op), now_ms, false};
  }
}

void Executor::Finish(const std::string& rsc_id, Resource& rsc, const Queued& op,
                      int64_t started_ms, int64_t now_ms, const MappedResult& mapped,
                      std::string output, bool cancelled,
                      std::vector<OperationResult>* reports) {
  OperationResult r;
  r.call_id = op.call_id;
  r.rsc_id = rsc_id;
  r.action = op.request.action;
  r.interval_ms = op.request.interval_ms;
  r.rc = mapped.rc;
  r.status = cancelled ? ExecStatus::kCancelled : mapped.status;
  r.exit_reason = mapped.exit_reason;
  r.queued_ms = op.queued_ms;
  r.started_ms = started_ms;
  r.finished_ms = now_ms;
  r.output = std::move(output);
  std::string key = r.OpKey();
  if (cancelled) {
    rsc.history.erase(key);  // a cancelled monitor leaves no history
    reports->push_back(std::move(r));
    return;
  }
  auto prev = rsc.history.find(key);
  r.last_rc_change_ms = (prev != rsc.history.end() && prev->second.rc == r.rc)
                            ? prev->second.last_rc_change_ms
                            : now_ms;
  // Notifications are not part of a resource's history (Pacemaker records
  // none): they say nothing about the resource's state.
  if (r.action != "notify") {
    OperationResult stored = r;
    stored.output.clear();
    rsc.history[key] = std::move(stored);
  }
  if (!op.recurring) {
    reports->push_back(std::move(r));
    return;
  }
  auto rec = rsc.recurring.find(r.interval_ms);
  if (rec == rsc.recurring.end() || rec->second.call_id != op.call_id) return;
  rec->second.pending = false;
  rec->second.next_due_ms = now_ms + r.interval_ms;
  std::pair<int, ExecStatus> seen{r.rc, r.status};
  if (rec->second.last_reported != seen) {
    rec->second.last_reported = seen;
    reports->push_back(std::move(r));
  }
}

std::optional<int64_t> Executor::NextWakeupMs() const {
  std::optional<int64_t> next;
  for (const auto& [rsc_id, rsc] : resources_) {
    for (const auto& [interval, rec] : rsc.recurring) {
      if (rec.pending) continue;
      if (!next || rec.next_due_ms < *next) next = rec.next_due_ms;
    }
  }
  return next;
}

std::vector<OperationResult> Executor::History(const std::string& rsc_id) const {
  std::vector<OperationResult> out;
  auto it = resources_.find(rsc_id);
  if (it == resources_.end()) return out;
  for (const auto& [key, r] : it->second.history) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const OperationResult& a, const OperationResult& b) { return a.call_id < b.call_id; });
  return out;
}

bool Executor::Busy(const std::string& rsc_id) const {
  auto it = resources_.find(rsc_id);
  return it != resources_.end() &&
         (it->second.running || !it->second.queue.empty() || !it->second.recurring.empty());
}

absl::Status Executor::ForgetResource(const std::string& rsc_id) {
  if (Busy(rsc_id)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "resource '", rsc_id, "' has operations queued, running or recurring; cancel them first"));
  }
  resources_.erase(rsc_id);
  return absl::OkStatus();
}

}  // namespace baton::executor
