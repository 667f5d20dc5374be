// FenceEngine: operations move through levels and steps; every transition
// is driven by OnRequest, OnAgentResult or OnTick.
#include "fencing/engine.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace baton::fencing {
namespace {

bool IsFenceAction(const std::string& a) { return a == "off" || a == "reboot" || a == "on"; }

// The agent's last non-empty stderr line, else its exit code.
std::string FailureReason(const std::string& device, const std::string& action, const AgentResult& r) {
  std::string last;
  for (absl::string_view line : absl::StrSplit(r.stderr_text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty() && !absl::StrContains(line, "DeprecationWarning") &&
        !absl::StartsWith(line, "import ")) {
      last = std::string(line);
    }
  }
  std::string code = r.exit_code >= 0 ? absl::StrCat("exit code ", r.exit_code) : "killed by a signal";
  return absl::StrCat(action, " by device '", device, "' failed (", code, ")", last.empty() ? "" : ": ", last);
}

}  // namespace

std::string_view FenceStateName(FenceState s) {
  switch (s) {
    case FenceState::kPending: return "pending";
    case FenceState::kSuccess: return "success";
    case FenceState::kFailed: return "failed";
    case FenceState::kTimeout: return "timeout";
  }
  return "?";
}

std::optional<FenceState> ParseFenceState(std::string_view s) {
  for (FenceState st : {FenceState::kPending, FenceState::kSuccess, FenceState::kFailed, FenceState::kTimeout}) {
    if (FenceStateName(st) == s) return st;
  }
  return std::nullopt;
}

FenceEngine::FenceEngine(EngineOptions options) : options_(std::move(options)) {
  if (!options_.random) options_.random = [](int64_t) { return int64_t{0}; };
  if (options_.max_history < 2) options_.max_history = 2;
}

void FenceEngine::RegisterDevice(Device device) {
  lists_.erase(device.id);
  std::string id = device.id;
  devices_[id] = std::move(device);
}

bool FenceEngine::UnregisterDevice(const std::string& id) {
  lists_.erase(id);
  return devices_.erase(id) > 0;
}

absl::Status FenceEngine::SetTopology(std::vector<TopologyLevel> levels) {
  std::vector<std::regex> patterns;
  for (const auto& l : levels) {
    if (l.index < 1 || l.index > 9) {
      return absl::InvalidArgumentError(absl::StrCat("fencing level index ", l.index, " is outside 1..9"));
    }
    if (l.devices.empty()) return absl::InvalidArgumentError(absl::StrCat("fencing level ", l.index, " has no devices"));
    if (l.target.empty() == l.target_pattern.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("fencing level ", l.index, " needs exactly one of target or target-pattern"));
    }
    try {
      patterns.emplace_back(l.target_pattern.empty() ? std::string("$^") : l.target_pattern,
                            std::regex::extended);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("fencing level ", l.index, ": target-pattern '", l.target_pattern, "' is not a regex: ", e.what()));
    }
  }
  topology_ = std::move(levels);
  patterns_ = std::move(patterns);
  return absl::OkStatus();
}

std::vector<std::vector<std::string>> FenceEngine::PlanFor(const std::string& target, bool* topology) const {
  std::map<int, std::vector<std::string>> by_index;
  for (size_t i = 0; i < topology_.size(); ++i) {
    const TopologyLevel& l = topology_[i];
    bool match = l.target.empty() ? std::regex_match(target, patterns_[i]) : l.target == target;
    if (match && !by_index.count(l.index)) by_index[l.index] = l.devices;
  }
  std::vector<std::vector<std::string>> plan;
  *topology = !by_index.empty();
  if (*topology) {
    for (auto& [index, devs] : by_index) plan.push_back(devs);
  } else {
    for (const auto& [id, d] : devices_) plan.push_back({id});
  }
  return plan;
}

std::string FenceEngine::NewHistoryId(int64_t now_ms, const std::string& who) {
  return absl::StrFormat("%013d-%s-%06d", now_ms, who, ++history_seq_);
}

uint64_t FenceEngine::OnRequest(FenceCommand request, int64_t now_ms) {
  uint64_t rid = next_request_++;
  for (auto& [id, op] : ops_) {
    if (op.phase != Phase::kDone && op.request.target == request.target && op.request.action == request.action) {
      op.request_ids.push_back(rid);  // invariant 2
      return rid;
    }
  }
  Operation& op = ops_[next_op_];
  op.id = next_op_++;
  op.request_ids.push_back(rid);
  op.request = std::move(request);
  op.entry.id = NewHistoryId(now_ms, options_.local_node);
  op.entry.target = op.request.target;
  op.entry.action = op.request.action;
  op.entry.delegate = options_.local_node;
  op.entry.origin = op.request.origin;
  op.entry.client = op.request.client;
  op.entry.started_ms = now_ms;
  AddHistory(op.entry);
  if (!IsFenceAction(op.request.action)) {
    Finish(op, FenceState::kFailed, absl::StrCat("unknown fencing action '", op.request.action, "'; use off, reboot or on"), now_ms);
  } else if (op.request.target.empty()) {
    Finish(op, FenceState::kFailed, "no target node given", now_ms);
  } else {
    op.levels = PlanFor(op.request.target, &op.topology);
    StartLevel(op, now_ms);
  }
  Reap();
  return rid;
}

void FenceEngine::StartLevel(Operation& op, int64_t now_ms) {
  if (op.level >= op.levels.size()) {
    if (!op.any_eligible) {
      std::string why = op.last_reason.empty() ? "" : absl::StrCat(" (", op.last_reason, ")");
      Finish(op, FenceState::kFailed, absl::StrCat("no device can fence ", op.request.target, why), now_ms);
      return;
    }
    Finish(op, op.last_failure_timeout ? FenceState::kTimeout : FenceState::kFailed, op.last_reason, now_ms);
    return;
  }
  const std::vector<std::string>& devs = op.levels[op.level];
  op.steps.clear();
  if (op.request.action == "reboot" && devs.size() > 1) {
    // Redundant power supplies: every device off, then every device on.
    for (const auto& d : devs) op.steps.push_back({d, "off", false, true});
    for (const auto& d : devs) op.steps.push_back({d, "on", true, false});
  } else {
    for (const auto& d : devs) op.steps.push_back({d, op.request.action, false, true});
  }
  op.step = 0;
  op.step_checked = false;
  op.phase = Phase::kIdle;
  Advance(op, now_ms);
}

bool FenceEngine::PolicyAllows(Operation& op, const Device& d, const std::string& action) {
  const std::string& target = op.request.target;
  std::string agent_action = AgentAction(d, action);
  if (d.metadata.on_target.count(agent_action)) {
    if (target != options_.local_node) {
      op.last_reason = absl::StrCat("device '", d.id, "' runs '", agent_action, "' only on the target itself");
      return false;
    }
  } else if (target == options_.local_node && !op.request.allow_self) {  // invariant 3
    op.last_reason = absl::StrCat("refusing to fence the local node ", target, " through device '", d.id,
                                  "' (self-fencing not allowed by the request)");
    return false;
  }
  if (action == "on" && !d.metadata.actions.empty() && !d.metadata.HasAction("on") &&
      !d.action_override.count("on")) {
    op.last_reason = absl::StrCat("device '", d.id, "' has no 'on' action");
    return false;
  }
  return true;
}

std::optional<bool> FenceEngine::CheckEligible(Operation& op, const Device& d, int64_t now_ms) {
  const Step& s = op.steps[op.step];
  if (!PolicyAllows(op, d, s.action)) return false;
  const std::string& target = op.request.target;
  auto cannot = [&](std::string why) {
    op.last_reason = absl::StrCat("device '", d.id, "' cannot fence ", target, ": ", why);
    return false;
  };
  HostCheck check = EffectiveHostCheck(d);
  if (check == HostCheck::kDynamicList) {
    const ListCache& cache = lists_[d.id];
    bool fresh = cache.fetched_ms >= 0 && now_ms - cache.fetched_ms < options_.list_cache_ms;
    if (fresh || (op.listed.count(d.id) && cache.fetched_ms >= 0)) {
      const auto& n = cache.names;
      bool has = std::find(n.begin(), n.end(), target) != n.end() ||
                 std::find(n.begin(), n.end(), PortFor(d, target)) != n.end();
      return has ? std::optional<bool>(true) : cannot("not in its list output");
    }
    if (!op.listed.count(d.id)) {
      op.phase = Phase::kListing;
      op.step_deadline_ms = now_ms + ActionTimeoutMs(d, "list", op.request.timeout_ms);
      Launch(op, d, "list", "", op.step_deadline_ms - now_ms);
      return std::nullopt;
    }
    if (d.host_check) return cannot("its list action failed");
    check = HostCheck::kStatus;  // unconfigured dynamic-list falls back to status
  }
  switch (check) {
    case HostCheck::kNone: return true;
    case HostCheck::kStaticList:
      return StaticListHas(d, target) ? std::optional<bool>(true) : cannot("not in pcmk_host_list/pcmk_host_map");
    case HostCheck::kStatus:
      if (auto it = op.status_result.find(d.id); it != op.status_result.end()) {
        return it->second ? std::optional<bool>(true) : cannot("its status action did not answer on or off");
      }
      op.phase = Phase::kStatusCheck;
      op.step_deadline_ms = now_ms + ActionTimeoutMs(d, "status", op.request.timeout_ms);
      Launch(op, d, "status", target, op.step_deadline_ms - now_ms);
      return std::nullopt;
    case HostCheck::kDynamicList: break;
  }
  return false;
}

void FenceEngine::Advance(Operation& op, int64_t now_ms) {
  if (op.phase == Phase::kDone) return;
  if (op.step >= op.steps.size()) {
    // A success after failed levels keeps why they failed.
    Finish(op, FenceState::kSuccess,
           op.failed_levels.empty() ? "" : absl::StrCat("after ", absl::StrJoin(op.failed_levels, "; ")), now_ms);
    return;
  }
  const Step& s = op.steps[op.step];
  auto it = devices_.find(s.device_id);
  if (it == devices_.end()) {
    op.any_eligible = op.any_eligible || op.topology;
    StepFailed(op, absl::StrCat("device '", s.device_id, "' is not registered"), false, now_ms);
    return;
  }
  const Device& d = it->second;
  if (s.check_eligibility && !op.step_checked) {
    std::optional<bool> eligible = CheckEligible(op, d, now_ms);
    if (!eligible) return;  // an agent run will tell
    if (!*eligible) {
      if (op.topology) {
        op.any_eligible = true;  // a configured level failed, not "no device"
        LevelFailed(op, now_ms);
      } else {
        ++op.level;  // without topology an ineligible device is just skipped
        StartLevel(op, now_ms);
      }
      return;
    }
    op.any_eligible = true;
    op.step_checked = true;
  }
  if (!op.delay_done) {
    op.delay_done = true;  // delays apply to the first device only
    bool fencing = s.action == "off" || s.action == "reboot";
    if (op.request.delay_ms >= 0 && fencing) {
      int64_t delay = op.request.delay_ms + DeviceDelayMs(d, op.request.target, s.action, options_.random);
      if (delay > 0) {
        op.phase = Phase::kDelaying;
        op.wake_ms = now_ms + delay;
        return;
      }
    }
  }
  op.attempt = 1;
  op.step_started_ms = now_ms;
  op.step_timeout_ms = ActionTimeoutMs(d, s.action, op.request.timeout_ms);
  op.step_deadline_ms = now_ms + op.step_timeout_ms;
  op.phase = Phase::kRunning;
  Launch(op, d, s.action, op.request.target, op.step_timeout_ms);
}

uint64_t FenceEngine::Launch(Operation& op, const Device& d, const std::string& action, const std::string& target,
                             int64_t timeout_ms) {
  AgentRun run;
  run.run_id = next_run_++;
  run.device_id = d.id;
  run.agent_path = d.agent_path;
  run.agent_action = AgentAction(d, action);
  std::optional<uint32_t> nodeid;
  if (auto it = options_.node_ids.find(target); it != options_.node_ids.end()) nodeid = it->second;
  run.stdin_text = BuildAgentStdin(d, action, target, nodeid);
  run.timeout_ms = std::max<int64_t>(1, timeout_ms);  // invariant 4
  op.run_id = run.run_id;
  run_to_op_[run.run_id] = op.id;
  out_.runs.push_back(std::move(run));
  return op.run_id;
}

void FenceEngine::OnAgentResult(uint64_t run_id, const AgentResult& result, int64_t now_ms) {
  HandleResult(run_id, result, now_ms);
  Reap();
}

void FenceEngine::HandleResult(uint64_t run_id, const AgentResult& result, int64_t now_ms) {
  auto rit = run_to_op_.find(run_id);
  if (rit == run_to_op_.end()) return;  // its operation gave up on it (timeout, confirm)
  auto oit = ops_.find(rit->second);
  run_to_op_.erase(rit);
  if (oit == ops_.end()) return;
  Operation& op = oit->second;
  op.run_id = 0;
  const std::string device = op.steps[op.step].device_id;
  bool late = now_ms >= op.step_deadline_ms;
  switch (op.phase) {
    case Phase::kListing:
      if (result.exit_code == 0 && !result.timed_out && !late) {
        ListCache& c = lists_[device];
        c.names = ParseHostList(result.stdout_text);
        c.fetched_ms = now_ms;
      }
      op.listed.insert(device);
      op.phase = Phase::kIdle;
      Advance(op, now_ms);
      break;
    case Phase::kStatusCheck:
      op.status_result[device] = !result.timed_out && !late && (result.exit_code == 0 || result.exit_code == 2);
      op.phase = Phase::kIdle;
      Advance(op, now_ms);
      break;
    case Phase::kRunning:
      if (result.timed_out || late) {  // invariant 1: never success after the deadline
        StepFailed(op, absl::StrCat(op.steps[op.step].action, " by device '", device, "' timed out after ",
                                    op.step_timeout_ms, " ms"), true, now_ms);
      } else if (result.exit_code == 0) {
        StepSucceeded(op, now_ms);
      } else {
        StepFailed(op, FailureReason(device, op.steps[op.step].action, result), false, now_ms);
      }
      break;
    default:
      break;
  }
}

void FenceEngine::StepSucceeded(Operation& op, int64_t now_ms) {
  const std::string& dev = op.steps[op.step].device_id;
  auto& devs = op.entry.devices;
  if (std::find(devs.begin(), devs.end(), dev) == devs.end()) devs.push_back(dev);
  ++op.step;
  op.step_checked = false;
  op.phase = Phase::kIdle;
  Advance(op, now_ms);
}

void FenceEngine::StepFailed(Operation& op, const std::string& reason, bool timeout, int64_t now_ms) {
  op.run_id = 0;
  if (op.step < op.steps.size() && op.steps[op.step].tolerate_failure) {
    ++op.step;  // the `on` half of a remapped reboot may fail
    op.phase = Phase::kIdle;
    Advance(op, now_ms);
    return;
  }
  auto dit = devices_.find(op.step < op.steps.size() ? op.steps[op.step].device_id : "");
  if (!timeout && dit != devices_.end() && op.phase == Phase::kRunning) {
    int retries = ActionRetries(dit->second, op.steps[op.step].action);
    int64_t elapsed = now_ms - op.step_started_ms;
    bool time_left = elapsed * 10 < op.step_timeout_ms * 7 &&
                     now_ms + options_.retry_pause_ms < op.step_deadline_ms;
    if (op.attempt < retries && time_left) {
      op.phase = Phase::kPausing;
      op.wake_ms = now_ms + options_.retry_pause_ms;
      op.last_reason = reason;
      return;
    }
  }
  op.last_reason = reason;
  op.last_failure_timeout = timeout;
  LevelFailed(op, now_ms);
}

void FenceEngine::LevelFailed(Operation& op, int64_t now_ms) {
  if (!op.last_reason.empty() && (op.failed_levels.empty() || op.failed_levels.back() != op.last_reason)) {
    op.failed_levels.push_back(op.last_reason);
  }
  ++op.level;
  StartLevel(op, now_ms);
}

void FenceEngine::OnTick(int64_t now_ms) {
  for (auto& [id, op] : ops_) {
    switch (op.phase) {
      case Phase::kRunning:
        if (now_ms >= op.step_deadline_ms) {
          run_to_op_.erase(op.run_id);
          StepFailed(op, absl::StrCat(op.steps[op.step].action, " by device '", op.steps[op.step].device_id,
                                      "' timed out after ", op.step_timeout_ms, " ms"), true, now_ms);
        }
        break;
      case Phase::kListing:
      case Phase::kStatusCheck:
        if (now_ms >= op.step_deadline_ms) {
          AgentResult timed_out;
          timed_out.timed_out = true;
          HandleResult(op.run_id, timed_out, now_ms);
        }
        break;
      case Phase::kDelaying:
        if (now_ms >= op.wake_ms) {
          op.phase = Phase::kIdle;
          Advance(op, now_ms);
        }
        break;
      case Phase::kPausing:
        if (now_ms >= op.wake_ms) {
          ++op.attempt;  // the retry gets what is left of the step's time
          op.phase = Phase::kRunning;
          Launch(op, devices_.at(op.steps[op.step].device_id), op.steps[op.step].action, op.request.target,
                 op.step_deadline_ms - now_ms);
        }
        break;
      default:
        break;
    }
  }
  Reap();
}

void FenceEngine::Finish(Operation& op, FenceState state, const std::string& reason, int64_t now_ms) {
  if (op.phase == Phase::kDone) return;
  if (op.run_id) run_to_op_.erase(op.run_id);
  op.run_id = 0;
  op.phase = Phase::kDone;
  op.entry.state = state;
  op.entry.completed_ms = now_ms;
  op.entry.exit_reason = reason;
  AddHistory(op.entry);
  Completion c;
  c.request_ids = op.request_ids;
  c.entry = op.entry;
  c.no_device = state != FenceState::kSuccess && !op.any_eligible;
  out_.completions.push_back(std::move(c));
}

void FenceEngine::Reap() {
  for (auto it = ops_.begin(); it != ops_.end();) {
    it = it->second.phase == Phase::kDone ? ops_.erase(it) : std::next(it);
  }
}

FenceEvent FenceEngine::Confirm(const std::string& target, const std::string& client, int64_t now_ms) {
  FenceEvent e;
  e.id = NewHistoryId(now_ms, "manual");
  e.target = target;
  e.action = "off";
  e.delegate = "manual";
  e.origin = options_.local_node;
  e.client = client;
  e.state = FenceState::kSuccess;
  e.started_ms = e.completed_ms = now_ms;
  e.exit_reason = "confirmed down by the operator";
  AddHistory(e);
  for (auto& [id, op] : ops_) {
    if (op.request.target == target) {
      op.any_eligible = true;
      Finish(op, FenceState::kSuccess, absl::StrCat("confirmed down by the operator (", client, ")"), now_ms);
    }
  }
  Reap();
  return e;
}

std::vector<std::string> FenceEngine::Query(const std::string& target, bool allow_self) const {
  std::vector<std::string> out;
  for (const auto& [id, d] : devices_) {
    if (target == options_.local_node && !allow_self) continue;
    switch (EffectiveHostCheck(d)) {
      case HostCheck::kNone:
      case HostCheck::kStatus:
        out.push_back(id);
        break;
      case HostCheck::kStaticList:
        if (StaticListHas(d, target)) out.push_back(id);
        break;
      case HostCheck::kDynamicList: {
        auto it = lists_.find(id);
        if (it == lists_.end() || it->second.fetched_ms < 0) {
          out.push_back(id);  // unknown until listed: optimistic
        } else {
          const auto& n = it->second.names;
          if (std::find(n.begin(), n.end(), target) != n.end() ||
              std::find(n.begin(), n.end(), PortFor(d, target)) != n.end()) {
            out.push_back(id);
          }
        }
        break;
      }
    }
  }
  return out;
}

void FenceEngine::AddHistory(const FenceEvent& e) {
  auto it = std::lower_bound(history_.begin(), history_.end(), e.id,
                             [](const FenceEvent& h, const std::string& id) { return h.id < id; });
  if (it != history_.end() && it->id == e.id) {
    *it = e;
  } else {
    history_.insert(it, e);
  }
  out_.history_updates.push_back(e);
  if (history_.size() > options_.max_history) {  // invariant 5: trim the oldest half
    size_t drop = history_.size() / 2;
    for (size_t i = 0; i < drop; ++i) out_.history_removed.push_back(history_[i].id);
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(drop));
  }
}

std::vector<FenceEvent> FenceEngine::History(const std::string& target) const {
  std::vector<FenceEvent> out;
  for (const auto& e : history_) {
    if (target.empty() || e.target == target) out.push_back(e);
  }
  for (const auto& [id, op] : ops_) {  // pending entries carry the devices tried so far
    for (auto& e : out) {
      if (e.id == op.entry.id) e = op.entry;
    }
  }
  return out;
}

void FenceEngine::LoadHistory(std::vector<FenceEvent> entries, int64_t now_ms) {
  for (auto& e : entries) {
    if (e.state == FenceState::kPending) {
      e.state = FenceState::kFailed;
      e.completed_ms = now_ms;
      e.exit_reason = "the fencer stopped before the operation completed";
    }
    AddHistory(e);
  }
}

void FenceEngine::RecordHistory(FenceEvent entry) { AddHistory(entry); }

std::optional<int64_t> FenceEngine::NextWakeMs() const {
  std::optional<int64_t> next;
  auto consider = [&](int64_t t) { next = next ? std::min(*next, t) : t; };
  for (const auto& [id, op] : ops_) {
    switch (op.phase) {
      case Phase::kRunning:
      case Phase::kListing:
      case Phase::kStatusCheck: consider(op.step_deadline_ms); break;
      case Phase::kDelaying:
      case Phase::kPausing: consider(op.wake_ms); break;
      default: break;
    }
  }
  return next;
}

EngineOutput FenceEngine::TakeOutput() {
  EngineOutput o = std::move(out_);
  out_ = EngineOutput{};
  return o;
}

}  // namespace baton::fencing
