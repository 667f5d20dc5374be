#include "crmd/transition/transition.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "crmd/scheduler/digest.h"
#include "crmd/scheduler/scheduler.h"
#include "crmd/scheduler/score.h"

namespace baton::transition {
namespace {

using scheduler::Action;
using scheduler::Resource;

// The name the executor knows a resource by on `node`: anonymous clone
// instances keep the child's id in their history.
std::string HistoryName(const Resource* r, const scheduler::Node* node) {
  if (r->parent == nullptr) return r->id;
  for (const auto& h : r->history) {
    if (h.node == node && !h.history_id.empty()) return h.history_id;
  }
  if (!r->unique && r->parent && r->parent->IsClone()) return r->base_id;
  return r->id;
}

int64_t TimeoutMs(const Resource* r, const std::string& task, int64_t interval_ms, const scheduler::WorkingSet& ws) {
  for (const cib::Operation* op : r->ops) {
    if (op->name != task) continue;
    auto iv = scheduler::ParseIntervalMs(op->interval.empty() ? "0" : op->interval);
    if (!iv || *iv != interval_ms) continue;
    auto it = op->attrs.find("timeout");
    if (it != op->attrs.end()) {
      if (auto t = scheduler::ParseIntervalMs(it->second); t && *t > 0) return *t;
    }
  }
  for (const auto& set : ws.cib().configuration.op_defaults) {
    for (const auto& p : set.pairs) {
      if (p.name == "timeout" && p.value) {
        if (auto t = scheduler::ParseIntervalMs(*p.value); t && *t > 0) return *t;
      }
    }
  }
  return 20000;
}

}  // namespace

Graph BuildGraph(const scheduler::WorkingSet& ws, uint64_t id) {
  Graph g;
  g.id = id;
  std::map<const Action*, int> index;
  for (const Action& a : ws.actions) {
    if (!scheduler::InGraph(a)) continue;
    GraphAction ga;
    ga.id = static_cast<int>(g.actions.size());
    ga.task = a.task;
    ga.interval_ms = a.interval_ms;
    if (a.node) ga.node = a.node->name;
    if (a.task == "stonith") {
      ga.kind = GraphAction::Kind::kFence;
      ga.fence_action = a.fence_action.empty() ? "reboot" : a.fence_action;
      ga.description = absl::StrCat("fence (", ga.fence_action, ") ", ga.node);
    } else if (a.pseudo) {
      ga.kind = GraphAction::Kind::kPseudo;
      ga.description = absl::StrCat(a.rsc ? a.rsc->id + "_" : "", a.task, " (pseudo)");
    } else if (a.rsc == nullptr) {
      ga.kind = GraphAction::Kind::kCluster;
      ga.description = absl::StrCat(a.task, " on ", ga.node);
    } else {
      ga.kind = GraphAction::Kind::kResource;
      const Resource* r = a.rsc;
      ga.rsc = HistoryName(r, a.node);
      ga.rsc_class = r->cls;
      ga.provider = r->provider;
      ga.type = r->type;
      ga.params = r->params;
      if (a.task == "cancel") {
        auto it = a.extra.find("operation");
        ga.meta["operation"] = it == a.extra.end() ? "monitor" : it->second;
      }
      auto rc = a.extra.find("target_rc");
      ga.target_rc = rc == a.extra.end() ? 0 : std::atoi(rc->second.c_str());
      ga.timeout_ms = TimeoutMs(r, a.task == "cancel" ? ga.meta["operation"] : a.task, a.interval_ms, ws);
      ga.meta["on_node"] = ga.node;
      std::map<std::string, std::string> digest_params = r->params;
      if (a.interval_ms > 0) digest_params["CRM_meta_timeout"] = std::to_string(ga.timeout_ms);
      ga.op_digest = scheduler::ParametersDigest(digest_params);
      if (r->parent && r->parent->IsClone()) {
        ga.meta["clone"] = std::to_string(std::max(0, r->instance_number));
        ga.meta["clone_max"] = std::to_string(r->parent->clone_max);
        ga.meta["clone_node_max"] = std::to_string(r->parent->clone_node_max);
        if (r->parent->promotable) {
          ga.meta["promoted_max"] = std::to_string(r->parent->promoted_max);
          ga.meta["promoted_node_max"] = std::to_string(r->parent->promoted_node_max);
          // The names before Pacemaker 2.0, which agents still read (PAF
          // refuses to run unless master_max is 1).
          ga.meta["master_max"] = ga.meta["promoted_max"];
          ga.meta["master_node_max"] = ga.meta["promoted_node_max"];
        }
        ga.meta["globally_unique"] = r->parent->unique ? "true" : "false";
        ga.meta["notify"] = r->parent->notify ? "true" : "false";
      }
      // A notification's variables, and the same lists on the instance's
      // start, stop, promote and demote (OCF_RESKEY_CRM_meta_notify_*).
      ga.meta.insert(a.notify.begin(), a.notify.end());
      ga.description = absl::StrCat(ga.rsc, "_", a.task, "_", a.interval_ms, " on ", ga.node);
    }
    // Pacemaker's priority-INFINITY synapses: post-notifications (the clone's
    // pseudo-actions and the instances' notify operations) and a clone's
    // running/stopped/promoted/demoted.
    auto type = a.notify.find("notify_type");
    bool post_notify = (a.task == "notify" || a.task == "notified") && type != a.notify.end() && type->second == "post";
    bool clone_done = a.pseudo && a.rsc && a.rsc->IsClone() &&
                      (a.task == "running" || a.task == "stopped" || a.task == "promoted" || a.task == "demoted");
    ga.survives_abort = post_notify || clone_done;
    index[&a] = ga.id;
    g.actions.push_back(std::move(ga));
  }
  for (const Action& a : ws.actions) {
    auto it = index.find(&a);
    if (it == index.end()) continue;
    std::set<int> inputs;
    for (const scheduler::Ordering* o : a.before) {
      auto f = index.find(o->first);
      if (f != index.end() && f->second != it->second) inputs.insert(f->second);
    }
    g.actions[static_cast<size_t>(it->second)].inputs.assign(inputs.begin(), inputs.end());
  }
  return g;
}

void TransitionEngine::Start(Graph graph) {
  graph_ = std::move(graph);
  active_ = true;
  aborted_ = false;
  abort_reason_.clear();
  completed_.clear();
  in_flight_.clear();
}

bool TransitionEngine::Ready(const GraphAction& a) const {
  if (completed_.count(a.id) || in_flight_.count(a.id)) return false;
  if (aborted_ && !a.survives_abort) return false;
  for (int in : a.inputs) {
    if (!completed_.count(in)) return false;
  }
  return true;
}

std::vector<const GraphAction*> TransitionEngine::Dispatch() {
  std::vector<const GraphAction*> out;
  if (!active_) return out;
  bool progress = true;
  while (progress) {
    progress = false;
    for (const GraphAction& a : graph_.actions) {
      if (!Ready(a)) continue;
      if (a.kind == GraphAction::Kind::kPseudo || a.kind == GraphAction::Kind::kCluster) {
        completed_.insert(a.id);
        progress = true;
        continue;
      }
      if (batch_limit_ > 0 && static_cast<int>(in_flight_.size()) >= batch_limit_) return out;
      in_flight_.insert(a.id);
      out.push_back(&a);
    }
  }
  return out;
}

void TransitionEngine::OnResult(int action_id, bool ok) {
  if (!in_flight_.erase(action_id)) return;
  if (ok) {
    completed_.insert(action_id);
    return;
  }
  const auto& a = graph_.actions[static_cast<size_t>(action_id)];
  Abort(absl::StrCat(a.description, " failed"));
}

void TransitionEngine::Abort(const std::string& reason) {
  if (!active_ || aborted_) return;
  aborted_ = true;
  abort_reason_ = reason;
}

bool TransitionEngine::Done() const {
  if (!active_) return false;
  if (!in_flight_.empty()) return false;
  if (aborted_) {
    for (const GraphAction& a : graph_.actions) {
      if (Ready(a)) return false;  // Dispatch() still has it to run
    }
    return true;
  }
  return completed_.size() == graph_.actions.size();
}

}  // namespace baton::transition
