// Actions and orderings (see actions.h), after Pacemaker 2.1.5's
// pcmk__schedule_actions: resource actions from the role matrix, probes,
// recurring monitors, fencing, ordering constraints, then a fixpoint that
// propagates "mandatory" and "runnable" along the links.
#include "crmd/scheduler/actions.h"

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crmd/scheduler/action_builder.h"
#include "crmd/scheduler/assign.h"

namespace baton::scheduler {
namespace {

using cib::Get;

bool InPromotable(const Resource* r) {
  for (const Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone()) return p->promotable;
  }
  return false;
}

Role NextRoleStep(Role cur, Role target) {
  switch (cur) {
    case Role::kUnknown: return Role::kStopped;
    case Role::kStopped:
      if (target == Role::kStopped) return Role::kUnknown;
      return target == Role::kStarted ? Role::kStarted : Role::kUnpromoted;
    case Role::kStarted:
      if (target == Role::kStarted) return Role::kUnknown;
      if (target == Role::kStopped) return Role::kStopped;
      return target;
    case Role::kUnpromoted:
      if (target == Role::kUnpromoted) return Role::kUnknown;
      if (target == Role::kPromoted) return Role::kPromoted;
      return Role::kStopped;
    case Role::kPromoted:
      if (target == Role::kPromoted) return Role::kUnknown;
      return Role::kUnpromoted;
  }
  return Role::kUnknown;
}

std::string Inverse(const std::string& task) {
  if (task == "start") return "stop";
  if (task == "stop") return "start";
  if (task == "promote") return "demote";
  if (task == "demote") return "promote";
  if (task == "promoted") return "demoted";
  if (task == "demoted") return "promoted";
  if (task == "running") return "stopped";
  if (task == "stopped") return "running";
  return "";
}

}  // namespace

void ActionBuilder::UpdateRunnable(Action* a) {
  if (a->pseudo || a->rsc == nullptr) return;
  Node* n = a->node;
  if (n == nullptr || !n->online || n->pending) {
    a->runnable = false;
    return;
  }
  const Resource* r = a->rsc;
  bool needs = (a->task == "start" || a->task == "promote") && r->requires_ != "nothing";
  if (!needs || ws_->have_quorum) return;
  switch (ws_->options.no_quorum_policy) {
    case NoQuorumPolicy::kIgnore: return;
    case NoQuorumPolicy::kFreeze:
      if (r->running_on.empty() || r->next_role > r->role) {
        a->runnable = false;
        if (a->reason.empty()) a->reason = "quorum freeze";
      }
      return;
    case NoQuorumPolicy::kDemote:
      if (InPromotable(r)) return;
      [[fallthrough]];
    default:
      a->runnable = false;
      if (a->reason.empty()) a->reason = "no quorum";
  }
}

Action* ActionBuilder::Custom(Resource* r, const std::string& task, Node* node, bool optional, long long interval) {
  bool existed = ws_->FindAction(r, task, node, interval) != nullptr;
  Action* a = ws_->NewAction(r, task, node, optional, interval);
  if (!existed) {
    a->runnable = true;
    if (r && !r->managed && node && interval == 0 && !a->pseudo) a->optional = true;
  }
  if (r && !r->managed && node && interval == 0 && !a->pseudo) a->optional = true;
  UpdateRunnable(a);
  return a;
}

Action* ActionBuilder::Pseudo(Resource* r, const std::string& task, bool optional) {
  Action* a = ws_->NewAction(r, task, nullptr, optional);
  a->pseudo = true;
  return a;
}

void ActionBuilder::Stop(Resource* r, bool optional) {
  for (Node* n : r->running_on) {
    Action* stop = Custom(r, "stop", n, optional);
    if (r->assigned == nullptr) stop->reason = r->stop_reason.empty() ? "node availability" : r->stop_reason;
    if (!r->managed) stop->runnable = false;
  }
}

void ActionBuilder::Start(Resource* r, Node* node, bool optional) {
  Action* start = Custom(r, "start", node, true);
  if (node == nullptr) start->runnable = false;
  if (start->runnable && !optional) start->optional = false;
}

void ActionBuilder::Promote(Resource* r, Node* node, bool optional) {
  bool runnable = true;
  for (Action* a : r->actions) {
    if (a->task == "start" && a->node == node && !a->runnable) runnable = false;
  }
  if (runnable) {
    Custom(r, "promote", node, optional);
  } else if (Action* p = ws_->FindAction(r, "promote", node)) {
    p->runnable = false;
  } else {
    // Pacemaker creates none here, but the clone's "promoted" ordering later
    // creates a node-less one that cannot run; it shows as blocked.
    Action* p2 = Custom(r, "promote", node, true);
    p2->runnable = false;
    p2->reason.clear();
  }
}

void ActionBuilder::Demote(Resource* r, bool optional) {
  for (Node* n : r->running_on) Custom(r, "demote", n, optional);
}

void ActionBuilder::Transition(Resource* r, Role from, Role to, Node* node, bool optional) {
  if ((from == Role::kUnknown && to == Role::kStopped) || (from == Role::kStarted && to == Role::kStopped) ||
      (from == Role::kUnpromoted && (to == Role::kStopped || to == Role::kStarted))) {
    Stop(r, optional);
  } else if (from == Role::kStopped && (to == Role::kStarted || to == Role::kUnpromoted)) {
    Start(r, node, optional);
  } else if ((from == Role::kStarted || from == Role::kUnpromoted) && to == Role::kPromoted) {
    Promote(r, node, optional);
  } else if (from == Role::kPromoted && to < Role::kPromoted) {
    Demote(r, optional);
  }
}

void ActionBuilder::PrimitiveActions(Resource* r) {
  if (r->orphan && r->running_on.empty()) return;
  if (r->next_role == Role::kUnknown) r->next_role = r->assigned ? Role::kStarted : Role::kStopped;
  Node* current = r->running_on.empty() ? nullptr : r->running_on[0];
  Node* assigned = r->assigned;
  bool need_stop = false;
  bool need_promote = false;
  bool moving = current && assigned && current != assigned && r->next_role >= Role::kStarted;
  if (moving) need_stop = true;
  if (r->multiply_active) need_stop = true;
  bool changed = current && r->definition_changed.count(current) && !moving;
  if (changed) need_stop = true;
  if (!moving) {
    if (r->failed) {
      need_stop = true;
    } else if (r->blocked) {
      need_stop = true;
    } else if (r->role > Role::kStarted && current && assigned) {
      Action* start = Custom(r, "start", assigned, true);
      if (!start->optional) need_stop = true;
    }
  }
  // Down: from the current role to stopped, on the current node(s).
  Role role = r->role;
  while (role != Role::kStopped) {
    Role next = NextRoleStep(role, Role::kStopped);
    if (next == Role::kUnknown) break;
    Transition(r, role, next, current, !need_stop);
    role = next;
  }
  // Up again to the original role, on the assigned node.
  if (r->role <= r->next_role && !r->blocked && r->role != Role::kStopped) {
    role = Role::kStopped;
    while (role != r->role) {
      Role next = NextRoleStep(role, r->role);
      if (next == Role::kUnknown) break;
      bool required = need_stop || (next == Role::kPromoted && need_promote);
      Transition(r, role, next, assigned, !required);
      role = next;
    }
  }
  // Then the role changes that are wanted.
  role = r->role;
  while (role != r->next_role) {
    Role next = NextRoleStep(role, r->next_role);
    if (next == Role::kUnknown) break;
    Transition(r, role, next, assigned, false);
    role = next;
  }
  if (changed) {
    if (Action* start = ws_->FindAction(r, "start", assigned)) start->reason = "resource definition change";
  } else if (r->reload && current && current == assigned && !need_stop && r->next_role >= Role::kStarted) {
    Custom(r, "reload-agent", current, false);
  }
  Recurring(r);
}

void ActionBuilder::StoppedMonitor(Resource* r, long long interval) {
  bool unique = true;
  for (Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone() && !p->unique) unique = false;
  }
  if (!unique) return;
  for (auto& n : ws_->nodes) {
    Node* node = &n;
    NodeHistory* h = r->HistoryOn(node);
    bool active = h && h->active_monitors.count(interval) &&
                  h->active_monitors.at(interval)->target_rc == 7;
    if (node == r->assigned) {
      if (active) {
        Action* cancel = Custom(r, "cancel", node, false, interval);
        cancel->extra["operation"] = "monitor";
        if (Action* start = ws_->FindAction(r, "start", node)) ws_->Order(cancel, start, kOrderRunnableLeft);
      }
      continue;
    }
    Action* mon = Custom(r, "monitor", node, active, interval);
    mon->extra["target_rc"] = "7";
    if (!node->online || node->unclean) mon->runnable = false;
    for (Node* rn : r->running_on) {
      if (rn != node) continue;
      if (Action* stop = ws_->FindAction(r, "stop", node)) {
        ws_->Order(stop, mon, kOrderImpliesThen | kOrderRunnableLeft);
        if (!stop->runnable) mon->runnable = false;
      }
    }
    if (r->managed) {
      if (Action* probe = ws_->FindAction(r, "monitor", node, 0)) ws_->Order(probe, mon, kOrderRunnableLeft);
    }
  }
}

void ActionBuilder::Recurring(Resource* r) {
  if (r->blocked) return;
  for (const cib::Operation* op : r->ops) {
    auto interval = ParseIntervalMs(op->interval);
    if (!interval || *interval <= 0) continue;
    static const std::set<std::string> kSkip = {"start", "stop", "promote", "demote", "reload-agent",
                                                "migrate_to", "migrate_from"};
    if (kSkip.count(op->name)) continue;
    // Two ops with one name and interval: Pacemaker schedules neither.
    int same = 0;
    for (const cib::Operation* o : r->ops) {
      if (o->name == op->name && ParseIntervalMs(o->interval).value_or(-1) == *interval) ++same;
    }
    if (same > 1) continue;
    std::string enabled = Get(op->attrs, "enabled");
    if (!enabled.empty() && !IsTrue(enabled)) continue;
    Role op_role = ParseRole(Get(op->attrs, "role"));
    if (op_role == Role::kStopped) {
      StoppedMonitor(r, *interval);
      continue;
    }
    Node* node = r->assigned;
    if (node == nullptr || node->maintenance) continue;
    if (r->next_role == Role::kStopped && r->managed) continue;
    Action* start = ws_->FindAction(r, "start", node);
    bool start_optional = start == nullptr || start->optional;
    // Active under any of the instance's entries there (an anonymous
    // instance may have several on one node).
    bool exists = false;
    for (const NodeHistory& h : r->history) {
      if (h.node == node && h.active_monitors.count(*interval) && h.role != Role::kStopped) exists = true;
    }
    bool optional = start_optional && exists && !r->reschedule.count({node, *interval});
    bool mismatch = (op_role != Role::kUnknown && op_role != r->next_role) ||
                    (op_role == Role::kUnknown && r->next_role == Role::kPromoted);
    if (mismatch) {
      if (optional) {
        Action* cancel = Custom(r, "cancel", node, false, *interval);
        cancel->extra["operation"] = op->name;
      }
      continue;
    }
    Action* mon = Custom(r, op->name, node, optional, *interval);
    if ((start && !start->runnable) || !node->online || node->unclean) mon->runnable = false;
    if (r->next_role == Role::kPromoted) mon->extra["target_rc"] = "8";
    if (r->managed && start) ws_->Order(start, mon, kOrderImpliesThen | kOrderRunnableLeft);
    if (r->next_role == Role::kPromoted) {
      if (Action* p = ws_->FindAction(r, "promote", node)) ws_->Order(p, mon, kOrderOptional | kOrderRunnableLeft);
    } else if (r->role == Role::kPromoted) {
      if (Action* d = ws_->FindAction(r, "demote", node)) ws_->Order(d, mon, kOrderOptional | kOrderRunnableLeft);
    }
  }
}

namespace {

bool AnyChildAction(WorkingSet* ws, Resource* r, const std::string& task, bool mandatory) {
  for (Resource* c : r->children) {
    for (Action* a : c->actions) {
      if (a->task != task || a->node == nullptr) continue;
      if (!mandatory || (!a->optional && (a->runnable || a->pseudo))) return true;
    }
    if (AnyChildAction(ws, c, task, mandatory)) return true;
  }
  return false;
}

}  // namespace

void ActionBuilder::CollectiveActions(Resource* r) {
  for (Resource* c : r->children) ResourceActions(c);
  // Group actions start optional; clone actions are required when a child's
  // is. Either way FinalizeCollective() settles them after propagation.
  bool starting = r->IsClone() && AnyChildAction(ws_, r, "start", true);
  bool stopping = r->IsClone() && AnyChildAction(ws_, r, "stop", true);
  Pseudo(r, "start", !starting);
  Pseudo(r, "running", !starting);
  CloneNotifyPseudos(r, "start");
  Pseudo(r, "stop", !stopping);
  Pseudo(r, "stopped", !stopping);
  CloneNotifyPseudos(r, "stop");
  bool promotable = r->IsClone() ? r->promotable : IsTrue(Get(r->meta, "promotable", "false"));
  if (promotable || (r->IsGroup() && InPromotable(r))) {
    bool promoting = r->IsClone() && AnyChildAction(ws_, r, "promote", true);
    bool demoting = r->IsClone() && AnyChildAction(ws_, r, "demote", true);
    Pseudo(r, "promote", !promoting);
    Pseudo(r, "promoted", !promoting);
    CloneNotifyPseudos(r, "promote");
    Pseudo(r, "demote", !demoting);
    Pseudo(r, "demoted", !demoting);
    CloneNotifyPseudos(r, "demote");
  }
}

void ActionBuilder::ResourceActions(Resource* r) {
  if (r->IsPrimitive()) {
    PrimitiveActions(r);
  } else {
    if (r->next_role == Role::kUnknown) r->next_role = r->assigned ? Role::kStarted : Role::kStopped;
    CollectiveActions(r);
  }
}

namespace {

bool KnownOn(const Resource* r, const Node* n) {
  for (const auto& h : r->history) {
    if (h.node == n && h.known) return true;
  }
  return false;
}

bool CloneKnownOn(const Resource* clone, const Node* n) {
  if (clone->IsPrimitive()) return KnownOn(clone, n);
  for (const Resource* c : clone->children) {
    if (CloneKnownOn(c, n)) return true;
  }
  return false;
}

}  // namespace

bool ActionBuilder::ProbeOne(Resource* r, Node* node) {
  if (r->IsClone() && !r->unique) {
    if (CloneKnownOn(r, node)) return false;
    Resource* pick = nullptr;
    for (Resource* c : r->children) {
      if (c->assigned == node || std::find(c->running_on.begin(), c->running_on.end(), node) != c->running_on.end()) {
        pick = c;
        break;
      }
    }
    if (pick == nullptr && !r->children.empty()) pick = r->children.front();
    return pick ? ProbeOne(pick, node) : false;
  }
  if (!r->IsPrimitive()) {
    bool any = false;
    for (Resource* c : r->children) any = ProbeOne(c, node) || any;
    return any;
  }
  if (r->orphan || KnownOn(r, node)) return false;
  for (const Location* loc : r->locations) {
    if (loc->discovery != "never") continue;
    for (const auto& [n, s] : loc->nodes) {
      if (n == node) return false;
    }
  }
  Action* probe = Custom(r, "monitor", node, false, 0);
  probe->optional = false;
  probe->is_probe = true;
  bool running_here = std::find(r->running_on.begin(), r->running_on.end(), node) != r->running_on.end();
  probe->extra["target_rc"] = running_here ? (r->role == Role::kPromoted ? "8" : "0") : "7";
  probes_.push_back(probe);
  return true;
}

// Each probe goes before the start of its resource (or of the whole clone).
void ActionBuilder::OrderProbes() {
  for (Action* probe : probes_) {
    Resource* r = probe->rsc;
    Resource* top = r;
    for (Resource* p = r->parent; p; p = p->parent) {
      if (p->IsClone() && !r->is_fencing_device) top = p;
    }
    if (top != r) {
      if (Action* start = ws_->FindAction(top, "start", nullptr)) ws_->Order(probe, start, kOrderOptional);
    }
    for (Action* a : std::vector<Action*>(r->actions)) {
      if (a->task == "start") ws_->Order(probe, a, kOrderOptional);
    }
  }
}

void ActionBuilder::Probes() {
  if (!ws_->options.enable_startup_probes) return;
  for (auto& n : ws_->nodes) {
    if (!n.online || n.unclean || n.pending) continue;
    for (Resource* r : ws_->resources) ProbeOne(r, &n);
  }
}

namespace {

bool AnyManaged(const std::vector<Resource*>& rs) {
  for (const Resource* r : rs) {
    if (r->managed) return true;
    if (AnyManaged(r->children)) return true;
  }
  return false;
}

}  // namespace

void ActionBuilder::OrderVsFence(Action* fence, Node* target) {
  ForEachResource(ws_->resources, [&](Resource* r) {
    if (!r->IsPrimitive() || !r->managed) return;
    for (Action* a : std::vector<Action*>(r->actions)) {
      if ((a->task == "start" || a->task == "promote") && r->requires_ == "fencing") {
        ws_->Order(fence, a, kOrderOptional);
      } else if (a->task == "start" && r->requires_ == "quorum" && r->scores.count(target) &&
                 !KnownOn(r, target)) {
        // It might be active on the node being fenced: wait for the fencing.
        ws_->Order(fence, a, kOrderOptional | kOrderRunnableLeft);
      }
      if ((a->task == "stop" || a->task == "demote") && a->node == target) {
        a->pseudo = true;
        a->runnable = true;
        a->extra["implied_by_fencing"] = "1";
        ws_->Order(fence, a, kOrderOptional);
        if (a->task == "stop") NotifyAfterFencing(a, fence);
      }
    }
  });
}

void ActionBuilder::Fencing() {
  bool can_fence_base = ws_->options.stonith_enabled && ws_->have_stonith_resource;
  bool have_managed = AnyManaged(ws_->resources);
  Action* previous = nullptr;
  Action* dc_fence = nullptr;
  for (auto& n : ws_->nodes) {
    Node* node = &n;
    bool can_fence = can_fence_base &&
                     (ws_->have_quorum || ws_->options.no_quorum_policy == NoQuorumPolicy::kIgnore ||
                      node->online);
    if (node->unclean && can_fence && have_managed) {
      Action* fence = Custom(nullptr, "stonith", node, false);
      fence->pseudo = false;
      fence->runnable = true;
      fence->optional = false;
      fence->fence_action = StonithActionName(ws_->options.stonith_action);
      fence->reason = node->fence_reason.empty() ? "node is unclean" : node->fence_reason;
      fencing_.push_back(fence);
      OrderVsFence(fence, node);
      if (node->is_dc) {
        dc_fence = fence;
      } else {
        if (!ws_->options.concurrent_fencing && previous) ws_->Order(previous, fence, kOrderOptional);
        previous = fence;
      }
    } else if (node->online && node->shutdown && !node->remote) {
      Action* down = Custom(nullptr, "do_shutdown", node, false);
      down->runnable = true;
      ForEachResource(ws_->resources, [&](Resource* r) {
        if (!(r->managed || r->blocked)) return;
        for (Action* a : r->actions) {
          if (a->task == "stop" && a->node == node) {
            a->optional = false;
            ws_->Order(a, down, kOrderOptional | kOrderRunnableLeft);
          }
        }
      });
    }
  }
  if (dc_fence) {
    // The DC is fenced last: after every other fencing, or after the last
    // of the chain without concurrent fencing.
    if (ws_->options.concurrent_fencing) {
      for (Action* f : fencing_) {
        if (f != dc_fence) ws_->Order(f, dc_fence, kOrderOptional);
      }
    } else if (previous) {
      ws_->Order(previous, dc_fence, kOrderOptional);
    }
  }
}

// --- internal orderings -------------------------------------------------------

void ActionBuilder::PrimitiveInternal(Resource* r) {
  if (!r->managed) return;
  auto of = [&](const char* task) {
    std::vector<Action*> v;
    for (Action* a : r->actions) {
      if (a->task == task && a->interval_ms == 0) v.push_back(a);
    }
    return v;
  };
  for (Action* stop : of("stop")) {
    for (Action* start : of("start")) ws_->Order(stop, start, kOrderOptional | kOrderImpliesThen | kOrderRestart);
  }
  if (InPromotable(r) || r->role > Role::kUnpromoted) {
    for (Action* d : of("demote")) {
      for (Action* s : of("stop")) ws_->Order(d, s, kOrderImpliesFirst);
    }
    for (Action* s : of("start")) {
      for (Action* p : of("promote")) ws_->Order(s, p, kOrderRunnableLeft);
    }
  }
}

std::string Completed(const std::string& task) {
  if (task == "start") return "running";
  if (task == "stop") return "stopped";
  if (task == "promote") return "promoted";
  if (task == "demote") return "demoted";
  return task;
}

std::vector<Action*> ActionsFor(WorkingSet* ws, Resource* r, const std::string& task) {
  std::vector<Action*> out;
  if (!r->IsPrimitive()) {
    if (Action* a = ws->FindAction(r, task, nullptr)) out.push_back(a);
    return out;
  }
  for (Action* a : r->actions) {
    if (a->task == task && a->interval_ms == 0) out.push_back(a);
  }
  return out;
}

void ActionBuilder::GroupInternal(Resource* g) {
  auto one = [&](Resource* r, const std::string& task) { return ws_->FindAction(r, task, nullptr); };
  ws_->Order(one(g, "stop"), one(g, "stopped"), kOrderRunnableLeft);
  ws_->Order(one(g, "stopped"), one(g, "start"), kOrderOptional);
  ws_->Order(one(g, "start"), one(g, "running"), kOrderRunnableLeft);
  Resource* prev = nullptr;
  for (size_t i = 0; i < g->children.size(); ++i) {
    Resource* m = g->children[i];
    Internal(m);
    for (Action* s : ActionsFor(ws_, m, "start")) {
      ws_->Order(one(g, "start"), s, kOrderImpliesFirstPrinted | (g->ordered ? 0u : kOrderImpliesThen | kOrderRunnableLeft));
      ws_->Order(s, one(g, "running"), kOrderRunnableLeft | kOrderImpliesThen | kOrderImpliesThenPrinted);
    }
    if (InPromotable(g)) {
      unsigned down = (g->ordered && i == 0) ? kOrderOptional : 0u;
      for (Action* d : ActionsFor(ws_, m, "demote")) {
        ws_->Order(one(g, "demote"), d, down | kOrderImpliesFirstPrinted);
        ws_->Order(d, one(g, "demoted"), (g->ordered && i == 0) ? kOrderImpliesThen : kOrderImpliesThenPrinted);
      }
      for (Action* p : ActionsFor(ws_, m, "promote")) {
        ws_->Order(p, one(g, "promoted"), kOrderRunnableLeft | kOrderImpliesThen | kOrderImpliesThenPrinted);
        ws_->Order(one(g, "promote"), p,
                   kOrderImpliesFirstPrinted | (g->ordered ? 0u : kOrderImpliesThen | kOrderRunnableLeft));
      }
    }
    for (Action* s : ActionsFor(ws_, m, "stop")) {
      unsigned stopflags = (g->ordered && i == 0) ? kOrderOptional : 0u;
      ws_->Order(one(g, "stop"), s, stopflags | kOrderImpliesFirstPrinted);
      ws_->Order(s, one(g, "stopped"), (g->ordered && i == 0) ? kOrderImpliesThen : kOrderImpliesThenPrinted);
    }
    if (g->ordered && prev) {
      for (Action* ps : ActionsFor(ws_, prev, "start")) {
        for (Action* ms : ActionsFor(ws_, m, "start")) ws_->Order(ps, ms, kOrderImpliesThen | kOrderRunnableLeft);
      }
      for (Action* ms : ActionsFor(ws_, m, "stop")) {
        for (Action* ps : ActionsFor(ws_, prev, "stop")) ws_->Order(ms, ps, kOrderOptional | kOrderRestart);
      }
      for (Action* pp : ActionsFor(ws_, prev, "promote")) {
        for (Action* mp : ActionsFor(ws_, m, "promote")) ws_->Order(pp, mp, kOrderImpliesThen | kOrderRunnableLeft);
      }
      for (Action* md : ActionsFor(ws_, m, "demote")) {
        for (Action* pd : ActionsFor(ws_, prev, "demote")) ws_->Order(md, pd, kOrderOptional);
      }
    }
    prev = m;
  }
  if (g->ordered && !g->children.empty()) {
    for (Action* s : ActionsFor(ws_, g->children.back(), "stop")) {
      ws_->Order(one(g, "stop"), s, kOrderOptional);
    }
  }
}

void ActionBuilder::CloneInternal(Resource* c) {
  auto one = [&](Resource* r, const std::string& task) { return ws_->FindAction(r, task, nullptr); };
  ws_->Order(one(c, "stopped"), one(c, "start"), kOrderOptional);
  ws_->Order(one(c, "start"), one(c, "running"), kOrderRunnableLeft);
  ws_->Order(one(c, "stop"), one(c, "stopped"), kOrderRunnableLeft);
  if (c->promotable) {
    ws_->Order(one(c, "demoted"), one(c, "stop"), kOrderOptional);
    ws_->Order(one(c, "running"), one(c, "promote"), kOrderRunnableLeft);
    ws_->Order(one(c, "demote"), one(c, "demoted"), kOrderRunnableLeft);
    ws_->Order(one(c, "promote"), one(c, "promoted"), kOrderRunnableLeft);
    ws_->Order(one(c, "demoted"), one(c, "promote"), kOrderOptional);
  }
  // Each child's action sits between the clone's pseudo action and its
  // "-ed" counterpart (start ... running, stop ... stopped).
  // A collective child is done when its own "-ed" action is.
  auto bracket = [&](Resource* child, const char* task, const char* done, unsigned before) {
    for (Action* a : ActionsFor(ws_, child, task)) ws_->Order(one(c, task), a, before | kOrderImpliesFirstPrinted);
    for (Action* a : ActionsFor(ws_, child, child->IsPrimitive() ? task : done)) {
      ws_->Order(a, one(c, done), kOrderImpliesThenPrinted);
    }
  };
  for (Resource* child : c->children) {
    Internal(child);
    bracket(child, "start", "running", kOrderRunnableLeft);
    bracket(child, "stop", "stopped", 0);
    if (c->promotable) {
      bracket(child, "promote", "promoted", kOrderRunnableLeft);
      bracket(child, "demote", "demoted", 0);
    }
  }
}

void ActionBuilder::Internal(Resource* r) {
  if (r->IsPrimitive()) PrimitiveInternal(r);
  else if (r->IsGroup()) GroupInternal(r);
  else CloneInternal(r);
}

std::vector<Action*> ActionBuilder::ActionsOf(Resource* r, const std::string& task, bool create_first) {
  std::vector<Action*> out = ActionsFor(ws_, r, task);
  if (out.empty() && create_first) {
    // A first action that nothing scheduled: it cannot run.
    Action* a = Custom(r, task, nullptr, true);
    a->runnable = false;
    out.push_back(a);
  }
  return out;
}

void ActionBuilder::LinkOrder(Resource* first, const std::string& ftask, Resource* then, const std::string& ttask,
                              unsigned flags, const std::string& id, bool create_first) {
  bool stopping = ftask == "stop" || ftask == "demote";
  if (first->IsClone() && then->IsClone() && (stopping ? first->interleave : then->interleave)) {
    // Interleaved clones: each instance waits only for the instance of the
    // first clone on its own node.
    for (Resource* t : then->children) {
      Node* where = stopping ? (t->running_on.empty() ? nullptr : t->running_on[0]) : t->assigned;
      Resource* match = nullptr;
      for (Resource* f : first->children) {
        if (where == nullptr) break;
        bool here = stopping ? std::find(f->running_on.begin(), f->running_on.end(), where) != f->running_on.end()
                             : f->assigned == where;
        if (here) {
          match = f;
          break;
        }
      }
      std::vector<Action*> thens = ActionsFor(ws_, t, ttask);
      if (match == nullptr) {
        if (where != nullptr && (flags & (kOrderImpliesThen | kOrderRunnableLeft)) && !stopping) {
          for (Action* a : thens) a->runnable = false;
        }
        continue;
      }
      std::string ft = match->IsPrimitive() ? ftask : Completed(ftask);
      for (Action* f : ActionsFor(ws_, match, ft)) {
        for (Action* a : thens) ws_->Order(f, a, flags, id);
      }
    }
    // The clones' own actions stay ordered too, but only the instances'
    // orderings above change what is required or runnable.
    std::vector<Action*> firsts = ActionsFor(ws_, first, Completed(ftask));
    if (Action* done = NotifyDone(first, Completed(ftask))) firsts = {done};
    for (Action* f : firsts) {
      for (Action* t : ActionsFor(ws_, then, ttask)) ws_->Order(f, t, kOrderNone, id);
    }
    return;
  }
  std::string first_task = first->IsPrimitive() ? ftask : Completed(ftask);
  std::vector<Action*> firsts = ActionsFor(ws_, first, first_task);
  if (Action* done = NotifyDone(first, first_task)) firsts = {done};
  if (firsts.empty()) {
    if ((ftask == "stop" && first->role == Role::kStopped && first->next_role <= Role::kStopped) ||
        (ftask == "demote" && first->role <= Role::kUnpromoted)) {
      return;
    }
    if (!create_first) return;
    firsts = ActionsOf(first, first_task, true);
  }
  std::vector<Action*> thens = ActionsFor(ws_, then, ttask);
  if (thens.empty()) return;
  for (Action* f : firsts) {
    for (Action* t : thens) ws_->Order(f, t, flags, id);
  }
}

void ActionBuilder::Constraints() {
  for (const OrderConstraint& o : ws_->orders) {
    unsigned fwd = kOrderOptional;
    unsigned inv = kOrderOptional;
    if (o.kind == OrderKind::kMandatory) {
      if (o.symmetrical) {
        fwd |= kOrderImpliesThen;
        if (o.first_task == "start" || o.first_task == "promote") fwd |= kOrderRunnableLeft;
        inv |= kOrderImpliesFirst;
      } else {
        fwd |= kOrderAsymmetrical;
      }
    } else if (o.kind == OrderKind::kSerialize) {
      fwd |= kOrderSerialize;
    }
    if (!o.first_any.empty()) {
      // require-all=false: any one of the first set will do.
      Action* pseudo = ws_->NewAction(nullptr, o.one_or_more_id, nullptr, true);
      pseudo->pseudo = true;
      pseudo->extra["print_always"] = "1";
      pseudo->extra["one_or_more"] = "1";
      for (Resource* f : o.first_any) {
        std::string task = f->IsPrimitive() ? o.first_task : Completed(o.first_task);
        for (Action* fa : ActionsFor(ws_, f, task)) ws_->Order(fa, pseudo, kOrderOneOrMore);
      }
      for (Action* t : ActionsFor(ws_, o.then, o.then_task)) ws_->Order(pseudo, t, fwd | kOrderRunnableLeft, o.id);
      continue;
    }
    if (o.clone_min > 0) {
      // Each instance's first action feeds a pseudo action that is runnable
      // once clone_min of them are.
      Action* pseudo = ws_->NewAction(nullptr, absl::StrCat("clone-one-or-more:", o.id), nullptr, true);
      pseudo->pseudo = true;
      pseudo->extra["print_always"] = "1";
      pseudo->extra["one_or_more"] = std::to_string(o.clone_min);
      for (Resource* inst : o.first->children) {
        std::string task = inst->IsPrimitive() ? o.first_task : Completed(o.first_task);
        for (Action* fa : ActionsFor(ws_, inst, task)) ws_->Order(fa, pseudo, kOrderOneOrMore);
      }
      for (Action* t : ActionsFor(ws_, o.then, o.then_task)) ws_->Order(pseudo, t, fwd | kOrderRunnableLeft, o.id);
      continue;
    }
    LinkOrder(o.first, o.first_task, o.then, o.then_task, fwd, o.id, true);
    if (o.symmetrical && o.kind != OrderKind::kSerialize) {
      std::string it = Inverse(o.then_task), ifirst = Inverse(o.first_task);
      if (!it.empty() && !ifirst.empty()) LinkOrder(o.then, it, o.first, ifirst, inv, o.id, false);
    }
  }
}

// What Pacemaker schedules while it unpacks the status, in that order: the
// recurring monitors still active (optional), and the stop of a failed
// resource that is to be recovered.
void ActionBuilder::UnpackActions() {
  for (const auto& [r, node] : ws_->history_order) {
    NodeHistory* h = r->HistoryOn(node);
    if (h == nullptr) continue;
    if (node->online && h->role > Role::kStopped) {
      for (const auto& [interval, op] : h->active_monitors) {
        bool after_start = true;
        for (const OpEntry& x : h->ops) {
          if ((x.task == "start" || x.task == "migrate_from") && x.call_id > op->call_id) after_start = false;
        }
        if (after_start && op->status != -1) Custom(r, "monitor", node, true, interval);
      }
    }
    if (h->failed && !node->unclean && h->role > Role::kStopped &&
        (h->on_fail == "restart" || h->on_fail == "restart-container")) {
      Custom(r, "stop", node, false);
    }
  }
}

void ActionBuilder::Run() {
  UnpackActions();
  // Probes first, as Pacemaker creates them (this decides the order in which
  // the simulated transition runs them).
  Probes();
  for (Resource* r : ws_->resources) ResourceActions(r);
  OrderProbes();
  Fencing();
  // User orderings first, as Pacemaker records them before the internal
  // ones: a first action they create is then tied into its resource's own
  // stop/start chain.
  Constraints();
  for (Resource* r : ws_->resources) Internal(r);
  Propagate();
  for (Resource* r : ws_->resources) FinalizeCollective(r);
  CreateNotifications();
  // Stops implied by fencing stay runnable pseudo actions.
}

void CreateActions(WorkingSet* ws) {
  ActionBuilder b(ws);
  b.Run();
}

}  // namespace baton::scheduler
