#include "crmd/transition/controller.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/scheduler/scheduler.h"

namespace baton::transition {
namespace {

// A result the cluster counts as a failure (a probe may find anything).
bool IsFailure(const OpResultRecord& r) {
  if (r.task == "monitor" && r.interval_ms == 0 && r.op_status == 0) {
    return !(r.rc == 0 || r.rc == 7 || r.rc == 8);
  }
  // Notifications cannot fail (as in Pacemaker): an agent's notify result,
  // timeouts included, never counts against the resource.
  if (r.task == "cancel" || r.task == "notify") return false;
  return r.op_status != 0 || r.rc != r.target_rc;
}

}  // namespace

Controller::Controller(ControllerOptions options, const attrd::AttributeStore* attrs, int64_t now_ms)
    : options_(std::move(options)), attrs_(attrs), started_ms_(now_ms) {}

void Controller::OnView(const std::set<std::string>& members, const std::string& dc, bool quorate,
                        uint64_t ring_seq, int64_t now_ms) {
  bool was_dc = is_dc();
  ring_seq_ = ring_seq;
  std::set<std::string> before = members_;
  // A member that was not one as far as the status goes (fenced, lost,
  // never seen) has (re)joined, even if the membership never showed it gone.
  for (const auto& [id, name] : options_.nodes) {
    if (members.count(name) && table_.Life(name) != NodeLife::kMember) before.erase(name);
  }
  for (const auto& [id, name] : options_.nodes) {
    if (members.count(name)) {
      table_.SetLife(name, NodeLife::kMember, ring_seq);
    } else if (table_.Life(name) == NodeLife::kMember) {
      // Left after announcing its shutdown with nothing running: down, not lost.
      auto t = attrs_->transient().find(name);
      bool announced = t != attrs_->transient().end() && t->second.count("shutdown");
      table_.SetLife(name, announced && !table_.AnyActive(name) ? NodeLife::kDown : NodeLife::kLost, ring_seq);
    }
  }
  members_ = members;
  dc_ = dc;
  quorate_ = quorate;
  dirty_ = true;
  if (!is_dc()) {
    engine_ = TransitionEngine();
    deadlines_.clear();
    history_pending_.clear();
    return;
  }
  // Actions in flight on nodes that are gone will never report.
  if (engine_.active()) {
    for (int id : std::set<int>(engine_.in_flight())) {
      const GraphAction& a = engine_.graph().actions[static_cast<size_t>(id)];
      if (a.kind == GraphAction::Kind::kResource && !members.count(a.node)) {
        engine_.OnResult(id, false);
        deadlines_.erase(id);
      }
    }
    engine_.Abort("membership changed");
  }
  // A new DC, or nodes that joined: their executors say what runs there.
  bool joined = false;
  for (const auto& m : members) joined = joined || !before.count(m);
  if (!was_dc || joined) {
    history_pending_ = members;
    history_pending_.erase(options_.self);
    for (const auto& m : members) {
      if (m != options_.self && (!was_dc || !before.count(m))) table_.ReplaceNode(m, {});
    }
    history_deadline_ms_ = now_ms + options_.history_wait_ms;
    history_query_ = true;
    if (!was_dc) log_.push_back(absl::StrCat("this node is the DC (", quorate ? "with" : "WITHOUT", " quorum)"));
  }
}

void Controller::OnNodelist(std::vector<std::pair<std::string, std::string>> nodes) {
  options_.nodes = std::move(nodes);
  dirty_ = true;
}

void Controller::OnConfig(const cib::Cib& configured) {
  configured_ = configured;
  std::vector<std::string> problems;
  cluster_options_ = scheduler::ParseClusterOptions(configured_, wall_s_, &problems);
  if (problems != option_problems_) {
    for (const auto& p : problems) log_.push_back("configuration: " + p);
    option_problems_ = std::move(problems);
  }
  dirty_ = true;
  if (engine_.active()) engine_.Abort("configuration changed");
}

void Controller::Failure(const OpResultRecord& r) {
  if (!is_dc()) return;
  std::string suffix = absl::StrCat(r.rsc, "#", r.task, "_", r.interval_ms);
  std::string value = "INFINITY";
  bool fatal_start = r.task == "start" && cluster_options_.start_failure_is_fatal;
  if (!fatal_start) {
    auto cur = attrs_->Get(r.node, "fail-count-" + suffix, attrd::Lifetime::kReboot);
    int n = cur ? std::atoi(cur->c_str()) : 0;
    if (cur && *cur == "INFINITY") n = 1000000;
    value = std::to_string(n + 1);
  }
  attr_out_.push_back({r.node, "fail-count-" + suffix, value, false});
  attr_out_.push_back({r.node, "last-failure-" + suffix, std::to_string(r.last_rc_change_s), false});
  log_.push_back(absl::StrCat(r.rsc, " ", r.task, (r.interval_ms ? absl::StrCat(" (", r.interval_ms, " ms)") : ""),
                              " on ", r.node, " failed: rc=", r.rc, " status=", r.op_status,
                              r.exit_reason.empty() ? "" : " (" + r.exit_reason + ")"));
}

void Controller::OnOpResult(uint64_t graph, int action, const OpResultRecord& r) {
  table_.Record(r);
  if (!is_dc()) return;
  bool failure = IsFailure(r);
  // The action this result answers: same graph, and the same resource, task,
  // interval and node (a late result of another DC's graph must not match).
  bool ours = graph == graph_id_ && engine_.active() && engine_.in_flight().count(action);
  if (ours) {
    const GraphAction& a = engine_.graph().actions[static_cast<size_t>(action)];
    ours = a.node == r.node && a.rsc == r.rsc && a.task == r.task && a.interval_ms == r.interval_ms;
  }
  if (ours) {
    bool ok = (r.op_status == 0 && (r.rc == r.target_rc || r.task == "cancel")) || r.task == "notify";
    engine_.OnResult(action, ok);
    deadlines_.erase(action);
    if (!ok) dirty_ = true;
  } else if (failure || r.interval_ms == 0) {
    // Not an answer to this graph: a failure, or a change this DC did not
    // ask for (an older DC's action finishing) — the state it scheduled from
    // is gone either way.
    if (engine_.active()) {
      engine_.Abort(absl::StrCat(r.rsc, " ", r.task, failure ? " failed" : " done (not in this transition)", " on ",
                                 r.node));
    }
    dirty_ = true;
  }
  if (failure) Failure(r);
}

void Controller::OnPending(const OpResultRecord& r) {
  table_.Record(r);
  if (is_dc()) dirty_ = true;
}

void Controller::OnHistory(const std::string& node, const std::vector<OpResultRecord>& records,
                           const std::vector<StatusTable::KnownLife>& lives) {
  table_.ReplaceNode(node, records);
  for (const auto& l : lives) {
    if (members_.count(l.node)) continue;  // the membership knows better
    table_.MergeLife(l);
  }
  if (history_pending_.erase(node) && is_dc()) dirty_ = true;
}

void Controller::OnFenceResult(uint64_t graph, int action, const std::string& target, bool ok) {
  if (ok) {
    table_.Fenced(target, ring_seq_);
    fenced_out_.push_back(target);
    log_.push_back(absl::StrCat(target, " was fenced"));
    if (members_.count(target)) {
      // Rebooted and back before the membership noticed: a fresh node,
      // whose executor history comes with the next query.
      table_.SetLife(target, NodeLife::kMember, ring_seq_);
      history_pending_.insert(target);
      history_deadline_ms_ = last_tick_ms_ + options_.history_wait_ms;
      history_query_ = true;
    }
  } else {
    log_.push_back(absl::StrCat("fencing ", target, " FAILED; will retry in 2 s"));
    hold_until_ms_ = last_tick_ms_ + 2000;
  }
  dirty_ = true;
  if (graph == graph_id_ && engine_.active()) {
    engine_.OnResult(action, ok);
    deadlines_.erase(action);
  }
}

void Controller::OnNodeFenced(const std::string& node) {
  // Whatever ran there is gone; if it is back already, its executor's
  // (empty or new) history comes with the DC's next query.
  table_.Fenced(node, ring_seq_);
  if (members_.count(node)) table_.SetLife(node, NodeLife::kMember, ring_seq_);
  dirty_ = true;
}

void Controller::OnNodeRestarted(const std::string& node) {
  table_.ReplaceNode(node, {});
  dirty_ = true;
  if (!is_dc()) return;
  if (engine_.active()) engine_.Abort(node + " restarted");
  history_pending_.insert(node);
  history_deadline_ms_ = last_tick_ms_ + options_.history_wait_ms;
  history_query_ = true;
}

void Controller::OnCleanup(const std::string& rsc, const std::string& node) {
  for (const auto& [id, name] : options_.nodes) {
    if (node.empty() || node == name) table_.Forget(name, rsc);
  }
  dirty_ = true;
  if (engine_.active()) engine_.Abort("cleanup of " + rsc);
}

void Controller::OnAttributesChanged() {
  dirty_ = true;
}

cib::Cib Controller::CurrentCib() const {
  cib::Cib c = configured_;
  static const std::string kYes = "1", kNo = "0";  // (a ternary of literals trips GCC 12's -Wrestrict)
  c.attrs["have-quorum"] = quorate_ ? kYes : kNo;
  for (const auto& [id, name] : options_.nodes) {
    if (name == dc_) c.attrs["dc-uuid"] = id;
    bool present = false;
    for (const auto& n : c.configuration.nodes) present = present || n.uname == name;
    if (!present) {
      cib::Node n;
      n.id = id;
      n.uname = name;
      c.configuration.nodes.push_back(n);
    }
  }
  // Permanent node attributes (standby, site, ...) live with the nodes.
  for (auto& n : c.configuration.nodes) {
    auto it = attrs_->permanent().find(n.uname);
    if (it == attrs_->permanent().end() || it->second.empty()) continue;
    cib::NvSet set;
    set.id = "nodes-" + n.id + "-attrd";
    for (const auto& [k, v] : it->second) set.pairs.push_back({set.id + "-" + k, k, v});
    n.attributes.push_back(std::move(set));
  }
  c.status = table_.Build(options_.nodes, attrs_->transient());
  return c;
}

void Controller::DispatchReady() {
  for (const GraphAction* a : engine_.Dispatch()) {
    // The fencer may take stonith-timeout; allow half as much again.
    int64_t stonith_ms = cluster_options_.stonith_timeout_ms;
    int64_t timeout = a->kind == GraphAction::Kind::kFence ? stonith_ms + stonith_ms / 2 : a->timeout_ms;
    deadlines_[a->id] = last_tick_ms_ + timeout + kActionGraceMs;
    if (a->kind == GraphAction::Kind::kFence) {
      fence_out_.push_back({a->node, a->fence_action, graph_id_, a->id, stonith_ms});
    } else {
      exec_out_.push_back({a->node, graph_id_, *a});
    }
  }
}

void Controller::Schedule(int64_t now_ms, int64_t wall_s) {
  dirty_ = false;
  last_schedule_ms_ = now_ms;
  wall_s_ = wall_s;
  cib::Cib c = CurrentCib();
  auto ws = scheduler::Schedule(c, wall_s);
  if (!ws.ok()) {
    log_.push_back(absl::StrCat("ERROR: the scheduler refused the CIB: ", ws.status().message()));
    return;
  }
  // The options this graph was built from (crm_config's rules at wall_s).
  cluster_options_ = (*ws)->options;
  Graph g = BuildGraph(**ws, ++graph_id_);
  if (g.actions.empty()) return;
  for (const auto& line : scheduler::TransitionSummary(**ws)) log_.push_back(absl::StrCat("transition ", graph_id_, ":", line));
  log_.push_back(absl::StrCat("transition ", graph_id_, ": ", g.actions.size(), " actions"));
  engine_ = TransitionEngine(cluster_options_.batch_limit);
  deadlines_.clear();
  engine_.Start(std::move(g));
  DispatchReady();
}

void Controller::OnTick(int64_t now_ms, int64_t wall_s) {
  last_tick_ms_ = now_ms;
  if (!is_dc()) return;
  // The first DC gives every node a chance to join before it decides that
  // the missing ones must be fenced (Pacemaker's dc-deadtime).
  if (graph_id_ == 0 && members_.size() < options_.nodes.size() && now_ms - started_ms_ < options_.startup_wait_ms) {
    return;
  }
  if (!history_pending_.empty() && now_ms < history_deadline_ms_) return;
  history_pending_.clear();
  if (engine_.active()) {
    for (auto it = deadlines_.begin(); it != deadlines_.end();) {
      if (now_ms < it->second) {
        ++it;
        continue;
      }
      const GraphAction& a = engine_.graph().actions[static_cast<size_t>(it->first)];
      log_.push_back(absl::StrCat(a.description, ": no result in time; counted as failed"));
      engine_.OnResult(it->first, false);
      it = deadlines_.erase(it);
    }
    DispatchReady();
    if (!engine_.Done()) return;
    if (engine_.aborted()) {
      log_.push_back(absl::StrCat("transition ", graph_id_, " aborted: ", engine_.abort_reason()));
      dirty_ = true;
    } else {
      log_.push_back(absl::StrCat("transition ", graph_id_, " complete"));
    }
    engine_ = TransitionEngine();
    deadlines_.clear();
  }
  if (now_ms - last_schedule_ms_ >= options_.recheck_ms) dirty_ = true;
  if (dirty_ && now_ms >= hold_until_ms_ && !held_) Schedule(now_ms, wall_s);
}

std::vector<ExecOut> Controller::TakeExec() { return std::exchange(exec_out_, {}); }
std::vector<FenceOut> Controller::TakeFence() { return std::exchange(fence_out_, {}); }
std::vector<AttrOut> Controller::TakeAttrs() { return std::exchange(attr_out_, {}); }
std::vector<std::string> Controller::TakeFencedBroadcast() { return std::exchange(fenced_out_, {}); }
bool Controller::TakeHistoryQuery() { return std::exchange(history_query_, false); }
std::vector<std::string> Controller::TakeLog() { return std::exchange(log_, {}); }

}  // namespace baton::transition
