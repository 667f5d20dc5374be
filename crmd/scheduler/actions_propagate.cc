// The last step of CreateActions (action_builder.h): a fixpoint that
// propagates "mandatory" and "runnable" along the orderings, as the ordering
// flags say, until nothing changes.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmd/scheduler/action_builder.h"

namespace baton::scheduler {

namespace {

bool IsNotifyTask(const std::string& t) { return t == "notify" || t == "notified"; }

// Children's actions of a collective action, same task. A clone's
// notifications pass nothing on to the instances' notify actions.
std::vector<Action*> ChildActions(WorkingSet* ws, Action* a) {
  std::vector<Action*> out;
  if (a->rsc == nullptr || a->rsc->IsPrimitive() || IsNotifyTask(a->task)) return out;
  for (Resource* c : a->rsc->children) {
    for (Action* x : ActionsFor(ws, c, a->task)) out.push_back(x);
  }
  return out;
}

bool IsCompletedTask(const std::string& t) {
  return t == "running" || t == "stopped" || t == "promoted" || t == "demoted";
}

// The instances' task a collective action stands for: "start" for the
// clone's start, running and start/running notifications.
std::string InstanceTask(const Action* a) {
  if (IsNotifyTask(a->task)) {
    auto it = a->notify.find("notify_operation");
    return it == a->notify.end() ? a->task : it->second;
  }
  if (a->task == "running") return "start";
  if (a->task == "stopped") return "stop";
  if (a->task == "promoted") return "promote";
  if (a->task == "demoted") return "demote";
  return a->task;
}

}  // namespace

bool ActionBuilder::EffectiveOptional(Action* a) {
  if (a->rsc == nullptr || a->rsc->IsPrimitive()) return a->optional;
  if (!a->optional) return false;
  std::string task = InstanceTask(a);
  for (Resource* c : a->rsc->children) {
    for (Action* x : ActionsFor(ws_, c, task)) {
      if (!EffectiveOptional(x)) return false;
    }
  }
  return true;
}

bool ActionBuilder::OptionalOn(Action* a, const Node* node) {
  std::string task = InstanceTask(a);
  for (Resource* c : a->rsc->children) {
    for (Action* x : ActionsFor(ws_, c, task)) {
      if (c->IsPrimitive() && x->node != node) continue;
      if (!EffectiveOptional(x)) return false;
    }
  }
  return true;
}

bool ActionBuilder::EffectiveRunnable(Action* a) {
  if (a->rsc == nullptr || a->rsc->IsPrimitive()) return a->runnable;
  if (!a->runnable) return false;
  bool completed = IsCompletedTask(a->task) || IsNotifyTask(a->task);
  std::string task = InstanceTask(a);
  if (a->rsc->IsClone()) {
    // Runnable when any instance can do it (and not when none has it).
    for (Resource* c : a->rsc->children) {
      for (Action* x : ActionsFor(ws_, c, task)) {
        if (EffectiveRunnable(x)) return true;
      }
    }
    return false;
  }
  // Group.
  for (Resource* c : a->rsc->children) {
    std::vector<Action*> xs = ActionsFor(ws_, c, task);
    if (xs.empty() && (task == "start" || task == "promote")) return false;
    for (Action* x : xs) {
      if (!EffectiveRunnable(x) && (completed || task == "start" || task == "promote")) return false;
    }
  }
  return true;
}

namespace {

std::string ReasonFrom(const Action* first, bool required) {
  std::string task = first->task;
  if (first->rsc == nullptr) return absl::StrCat(required ? "required " : "unrunnable ", task);
  return absl::StrCat(required ? "required " : "unrunnable ", first->rsc->id, " ", task);
}

}  // namespace

bool ActionBuilder::MakeMandatory(Action* a, Action* because) {
  bool changed = false;
  if (a->optional) {
    if (a->rsc && !a->rsc->managed && a->node && !a->pseudo) return false;
    a->optional = false;
    changed = true;
    touched_.push_back(a);
    if (because && a->reason.empty() && a->rsc != because->rsc) a->reason = ReasonFrom(because, true);
  }
  if (a->rsc && !a->rsc->IsPrimitive()) {
    for (Action* c : ChildActions(ws_, a)) {
      if (a->rsc->IsClone() && !c->runnable) continue;
      changed = MakeMandatory(c, because) || changed;
    }
  }
  return changed;
}

bool ActionBuilder::MakeUnrunnable(Action* a, Action* because) {
  bool changed = false;
  if (a->runnable) {
    a->runnable = false;
    changed = true;
    touched_.push_back(a);
    if (because && a->reason.empty() && a->rsc != because->rsc) a->reason = ReasonFrom(because, false);
  }
  if (a->rsc && !a->rsc->IsPrimitive()) {
    for (Action* c : ChildActions(ws_, a)) changed = MakeUnrunnable(c, because) || changed;
  }
  return changed;
}

bool ActionBuilder::ApplyOrdering(Ordering* o) {
  Action* f = o->first;
  Action* t = o->then;
  unsigned fl = o->flags;
  bool changed = false;
  bool f_optional = EffectiveOptional(f);
  bool f_runnable = EffectiveRunnable(f);
  if (fl & kOrderOneOrMore) return false;
  // A blocked stop holds up everything ordered around it.
  if ((fl & (kOrderImpliesThen | kOrderImpliesFirst | kOrderRestart)) && f->task == "stop" && f->rsc &&
      f->rsc->blocked && !f->runnable && t->runnable) {
    t->runnable = false;
    touched_.push_back(t);
    changed = true;
  }
  bool t_collective = t->rsc && !t->rsc->IsPrimitive();
  if (fl & kOrderImpliesThen) {
    // A clone's action implies `then` on a node only if some instance's
    // action there is required (action_flags_for_ordering()).
    if (f->rsc && f->rsc->IsClone() && t->node) f_optional = OptionalOn(f, t->node);
    // A collective's action passes the change on to its members' actions.
    if (!f_optional && (t->optional || t_collective)) changed = MakeMandatory(t, f) || changed;
  }
  if (fl & kOrderImpliesFirst) {
    if (!EffectiveOptional(t) && f->optional) changed = MakeMandatory(f, nullptr) || changed;
  }
  if (fl & kOrderRunnableLeft) {
    if (!f_runnable && (t->runnable || t_collective)) changed = MakeUnrunnable(t, f) || changed;
  }
  if ((fl & kOrderAsymmetrical) && !f_runnable) {
    // Each primitive action decides for itself whether it is already done.
    std::vector<Action*> targets;
    std::function<void(Action*)> collect = [&](Action* a) {
      if (a->rsc && !a->rsc->IsPrimitive()) {
        for (Action* c : ChildActions(ws_, a)) collect(c);
      } else {
        targets.push_back(a);
      }
    };
    collect(t);
    for (Action* x : targets) {
      bool satisfied = x->optional && ((x->task == "stop" && x->rsc && x->rsc->running_on.empty()) ||
                                      (x->task == "start" && x->rsc && x->rsc->running_on.size() == 1 &&
                                       x->rsc->running_on[0] == x->node));
      if (satisfied) continue;
      changed = MakeMandatory(x, nullptr) || changed;
      changed = MakeUnrunnable(x, f) || changed;
    }
  }
  if (fl & kOrderRestart) {
    bool same_managed = t->rsc && t->rsc == f->rsc && t->rsc->managed;
    if (!t->optional || (!t->runnable && same_managed)) {
      if (f->optional && (f->runnable || !t->optional)) {
        f->optional = false;
        touched_.push_back(f);
        changed = true;
      }
      if (!f->optional && !f->runnable && t->runnable) {
        t->runnable = false;
        touched_.push_back(t);
        changed = true;
      }
    }
  }
  return changed;
}

bool ActionBuilder::BlockColocated() {
  bool changed = false;
  for (const Colocation& c : ws_->colocations) {
    if (c.score < kInfinity) continue;
    Resource* p = c.primary;
    std::string task = c.primary_role == Role::kPromoted ? "promote" : "start";
    std::vector<Action*> ps = ActionsFor(ws_, p, task);
    if (ps.empty()) continue;
    bool any_runnable = false;
    for (Action* a : ps) {
      if (EffectiveRunnable(a)) any_runnable = true;
    }
    if (any_runnable) continue;
    // Only when the primary is not already active in that role.
    if (p->IsPrimitive() && !p->running_on.empty() && p->assigned) continue;
    std::string dtask = c.dependent_role == Role::kPromoted ? "promote" : "start";
    std::function<void(Resource*)> block = [&](Resource* d) {
      for (Action* a : ActionsFor(ws_, d, dtask)) {
        if (a->runnable) {
          a->runnable = false;
          if (a->reason.empty()) a->reason = absl::StrCat("colocation with ", p->id);
          changed = true;
        }
      }
      for (Resource* ch : d->children) block(ch);
    };
    block(c.dependent);
  }
  return changed;
}

bool ActionBuilder::Update(Action* then, int depth) {
  if (depth > 2000) return false;  // a cycle of orderings; the outer fixpoint finishes the job
  bool any = false;
  bool then_optional = then->optional;
  bool then_runnable = then->runnable;
  // Newest ordering first: Pacemaker prepends them.
  for (size_t i = then->before.size(); i-- > 0;) {
    Ordering* o = then->before[i];
    Action* first = o->first;
    bool first_optional = first->optional;
    bool first_runnable = first->runnable;
    touched_.clear();
    if (!ApplyOrdering(o)) continue;
    any = true;
    bool first_changed = first->optional != first_optional || first->runnable != first_runnable;
    for (Action* x : std::vector<Action*>(touched_)) {
      if (x != first && x != then) first_changed = true;  // collective children
    }
    if (first_changed) {
      for (size_t j = first->after.size(); j-- > 0;) Update(first->after[j]->then, depth + 1);
      Update(first, depth + 1);
    }
  }
  if (then->optional != then_optional || then->runnable != then_runnable) {
    Update(then, depth + 1);
    for (size_t j = then->after.size(); j-- > 0;) Update(then->after[j]->then, depth + 1);
  }
  return any;
}

bool ActionBuilder::Propagate() {
  bool any = false;
  for (int round = 0; round < 1000; ++round) {
    bool changed = false;
    // Like pcmk__update_action_for_orderings, newest action first; what
    // changes is re-processed at once, so reasons name the cause Pacemaker
    // would name.
    for (auto it = ws_->actions.rbegin(); it != ws_->actions.rend(); ++it) {
      if (Update(&*it, 0)) changed = true;
    }
    touched_.clear();
    // one-or-more pseudo actions: runnable while enough of their inputs are.
    for (Action& a : ws_->actions) {
      if (!a.extra.count("one_or_more") || !a.runnable) continue;
      int needed = std::max(1, std::atoi(a.extra["one_or_more"].c_str()));
      int runnable = 0;
      for (const Ordering* o : a.before) {
        if ((o->flags & kOrderOneOrMore) && EffectiveRunnable(o->first)) ++runnable;
      }
      if (runnable < needed) {
        a.runnable = false;
        changed = true;
      }
      // Shown in the transition only when some input is really happening.
      bool printed = false;
      for (const Ordering* o : a.before) {
        if ((o->flags & kOrderOneOrMore) && !EffectiveOptional(o->first)) printed = true;
      }
      a.extra.erase("print_always");
      if (printed) a.extra.emplace("print_always", "1");
    }
    changed = BlockColocated() || changed;
    if (!changed) break;
    any = true;
  }
  return any;
}

// A collective's pseudo action is required when a child's matching action
// is (Pacemaker computes this on the fly as the action's flags).
void ActionBuilder::FinalizeCollective(Resource* r) {
  for (Resource* c : r->children) FinalizeCollective(c);
  if (r->IsPrimitive()) return;
  for (Action* a : r->actions) {
    if (a->node == nullptr && a->pseudo && a->optional && !EffectiveOptional(a)) a->optional = false;
  }
}

}  // namespace baton::scheduler
