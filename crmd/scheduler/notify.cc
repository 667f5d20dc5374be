// Clone notifications (action_builder.h), after Pacemaker 2.1.5's
// pe_notif.c: the clone's pre/post notify pseudo-actions for each of start,
// stop, promote and demote, the instances' `notify` actions between them,
// the CRM_meta_notify_* lists, and the notifications a fencing-implied stop
// needs.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/scheduler/action_builder.h"
#include "crmd/scheduler/scheduler.h"

namespace baton::scheduler {

namespace {

// "rsc_pre_notify_start_0", "rsc_confirmed-post_notify_running_0".
std::string NotifyKey(const std::string& rsc, const std::string& type, const std::string& task) {
  return absl::StrCat(rsc, "_", type, "_notify_", task, "_0");
}

// One instance (with the node it is on or goes to) in a notification list.
struct Entry {
  const Resource* rsc;
  const Node* node;  // nullptr in the inactive list
};

// Sorted by instance id (byte order: "p:10" before "p:2"), then node id;
// later entries for an instance already listed are dropped. The lists are
// "" when empty (the caller turns that into " ").
void ToStrings(std::vector<Entry> list, bool with_nodes, std::string* resources, std::string* unames) {
  std::stable_sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) {
    int c = std::strcmp(a.rsc->id.c_str(), b.rsc->id.c_str());
    if (c != 0) return c < 0;
    if (a.node == nullptr || b.node == nullptr) return a.node != nullptr && b.node == nullptr;
    return std::strcmp(a.node->id.c_str(), b.node->id.c_str()) < 0;
  });
  std::vector<std::string> rs, ns;
  const std::string* last = nullptr;
  for (const Entry& e : list) {
    if (with_nodes && e.node == nullptr) continue;
    if (last && *last == e.rsc->id) continue;
    last = &e.rsc->id;
    rs.push_back(e.rsc->id);
    if (with_nodes) ns.push_back(e.node->name);
  }
  *resources = absl::StrJoin(rs, " ");
  if (unames) *unames = absl::StrJoin(ns, " ");
}

std::string OrBlank(const std::string& s) { return s.empty() ? " " : s; }

}  // namespace

// What one clone's notifications say (collect_resource_data()).
struct NotifyData {
  std::vector<Entry> start, stop, promote, demote;
  std::vector<Entry> active, inactive, promoted, unpromoted;
  std::map<std::string, std::string> keys;  // the lists, formatted
};

namespace {

// Each primitive instance's state, and (with `activity`) its required
// start/stop/promote/demote that can run (a stop on an unclean node counts
// anyway: it is implied by fencing).
void Collect(const Resource* r, bool activity, NotifyData* d) {
  if (!r->IsPrimitive()) {
    for (const Resource* c : r->children) Collect(c, activity, d);
    return;
  }
  Entry e{r, r->running_on.empty() ? nullptr : r->running_on[0]};
  switch (r->role) {
    case Role::kStopped: d->inactive.push_back(e); break;
    case Role::kStarted: d->active.push_back(e); break;
    case Role::kUnpromoted:
      d->unpromoted.push_back(e);
      d->active.push_back(e);
      break;
    case Role::kPromoted:
      d->promoted.push_back(e);
      d->active.push_back(e);
      break;
    default: break;
  }
  if (!activity) return;
  for (const Action* a : r->actions) {
    if (a->optional || a->node == nullptr) continue;
    bool unclean_stop = a->task == "stop" && a->node->unclean;
    if (!unclean_stop && !a->runnable) continue;
    Entry x{r, a->node};
    if (a->task == "start") d->start.push_back(x);
    else if (a->task == "stop") d->stop.push_back(x);
    else if (a->task == "promote") d->promote.push_back(x);
    else if (a->task == "demote") d->demote.push_back(x);
  }
}

// add_notif_keys(): the formatted lists.
void FormatKeys(const WorkingSet& ws, const Resource* clone, NotifyData* d) {
  auto put = [&](const std::vector<Entry>& list, std::initializer_list<const char*> names) {
    std::string rs, ns;
    ToStrings(list, true, &rs, &ns);
    for (const char* name : names) {
      d->keys[absl::StrCat("notify_", name, "_resource")] = OrBlank(rs);
      d->keys[absl::StrCat("notify_", name, "_uname")] = OrBlank(ns);
    }
  };
  put(d->stop, {"stop"});
  put(d->start, {"start"});
  put(d->demote, {"demote"});
  put(d->promote, {"promote"});
  put(d->active, {"active"});
  put(d->unpromoted, {"unpromoted", "slave"});
  put(d->promoted, {"promoted", "master"});
  std::string inactive;
  ToStrings(d->inactive, false, &inactive, nullptr);
  d->keys["notify_inactive_resource"] = OrBlank(inactive);
  // The clone's allowed nodes, name-sorted as crm_simulate shows them.
  std::vector<const Node*> allowed;
  for (const auto& [n, score] : clone->scores) allowed.push_back(n);
  std::sort(allowed.begin(), allowed.end(), [](const Node* a, const Node* b) { return NaturalLess(a->name, b->name); });
  std::vector<std::string> names;
  for (const Node* n : allowed) names.push_back(n->name);
  d->keys["notify_available_uname"] = OrBlank(absl::StrJoin(names, " "));
  names.clear();
  for (const Node& n : ws.nodes) names.push_back(n.name);
  d->keys["notify_all_uname"] = OrBlank(absl::StrJoin(names, " "));
  if (cib::Get(clone->meta, "container-attribute-target") == "host") {
    // Guest nodes would name their host here; baton has none.
    d->keys["notify_all_hosts"] = d->keys["notify_all_uname"];
  }
}

// Adds `from` to `to` without replacing what is there (add_hash_param).
void AddMissing(std::map<std::string, std::string>* to, const std::map<std::string, std::string>& from) {
  for (const auto& [k, v] : from) to->emplace(k, v);
}

Action* FirstOf(Resource* r, const std::string& task) {
  for (Action* a : r->actions) {
    if (a->task == task && a->interval_ms == 0) return a;
  }
  return nullptr;
}

}  // namespace

Action* ActionBuilder::NotifyPseudo(Resource* r, const Action* action, const std::string& task,
                                    const std::string& notified, const std::string& type) {
  bool pre = type == "pre" || type == "confirmed-pre";
  Action* a = ws_->NewKeyedAction(r, NotifyKey(r->id, type, action->task), notified, nullptr, action->optional);
  a->pseudo = true;
  a->runnable = pre || action->runnable;
  a->notify["notify_key_type"] = type;
  a->notify["notify_key_operation"] = action->task;
  a->notify["notify_type"] = pre ? "pre" : "post";
  a->notify["notify_operation"] = task;
  return a;
}

ActionBuilder::NotifyOps ActionBuilder::NotifyPseudos(Resource* r, const std::string& task, Action* action,
                                                      Action* complete) {
  NotifyOps ops;
  if (action) {
    ops.pre = NotifyPseudo(r, action, task, "notify", "pre");
    ops.pre_done = NotifyPseudo(r, action, task, "notified", "confirmed-pre");
    ws_->Order(ops.pre, ops.pre_done, kOrderOptional);
    ws_->Order(ops.pre_done, action, kOrderOptional);
  }
  if (complete) {
    ops.post = NotifyPseudo(r, complete, task, "notify", "post");
    ops.post_done = NotifyPseudo(r, complete, task, "notified", "confirmed-post");
    ws_->Order(complete, ops.post, kOrderImpliesThen);
    ws_->Order(ops.post, ops.post_done, kOrderImpliesThen);
  }
  if (action && complete) ws_->Order(ops.pre_done, ops.post, kOrderOptional);
  return ops;
}

void ActionBuilder::CloneNotifyPseudos(Resource* clone, const std::string& task) {
  if (!clone->IsClone() || !clone->notify) return;
  Action* action = ws_->FindAction(clone, task, nullptr);
  Action* complete = ws_->FindAction(clone, Completed(task), nullptr);
  notify_[clone][task] = NotifyPseudos(clone, task, action, complete);
  auto& by_task = notify_[clone];
  auto order = [&](const char* first, const char* then) {
    ws_->Order(by_task[first].post_done, by_task[then].pre, kOrderOptional);
  };
  if (task == "stop") order("stop", "start");
  if (task == "demote") {
    order("stop", "promote");
    order("start", "promote");
    order("demote", "promote");
    order("demote", "start");
    order("demote", "stop");
  }
}

Action* ActionBuilder::NotifyDone(Resource* first, const std::string& completed_task) {
  if (first->parent != nullptr) return nullptr;  // only top-level clones notify
  auto it = notify_.find(first);
  if (it == notify_.end()) return nullptr;
  for (const auto& [task, ops] : it->second) {
    if (Completed(task) == completed_task) return ops.post_done;
  }
  return nullptr;
}

// new_notify_action(): `inst`'s notification on `node` between the clone's
// pseudo-action `op` and `done`.
Action* ActionBuilder::InstanceNotify(Resource* inst, Node* node, Action* op, Action* done,
                                      const std::map<std::string, std::string>& keys) {
  if (op == nullptr || done == nullptr || !node->online || !op->runnable) return nullptr;
  std::string key = NotifyKey(inst->id, op->notify.at("notify_type"), op->notify.at("notify_operation"));
  Action* a = ws_->NewKeyedAction(inst, key, "notify", node, op->optional);
  if (!inst->managed) a->optional = true;
  a->runnable = node->online && !node->pending;
  AddMissing(&a->notify, op->notify);
  AddMissing(&a->notify, keys);
  ws_->Order(op, a, kOrderOptional);
  ws_->Order(a, done, kOrderOptional);
  return a;
}

// new_post_notify_action(): the post notification, and the instance's
// recurring monitors wait for all post notifications.
void ActionBuilder::InstancePostNotify(Resource* inst, Node* node, const NotifyOps& ops,
                                       const std::map<std::string, std::string>& keys) {
  InstanceNotify(inst, node, ops.post, ops.post_done, keys);
  if (ops.post_done == nullptr) return;
  for (Action* mon : std::vector<Action*>(inst->actions)) {
    if (mon->interval_ms > 0 && mon->task != "cancel") ws_->Order(ops.post_done, mon, kOrderOptional);
  }
}

// create_notify_actions(): the lists on the instances' real actions, and
// which instances are told before and after `task`.
void ActionBuilder::NotifyInstances(Resource* r, const std::string& task, const NotifyOps& ops,
                                    const NotifyData& d) {
  if (!r->IsPrimitive()) {
    for (Resource* c : r->children) NotifyInstances(c, task, ops, d);
    return;
  }
  for (Action* a : r->actions) {
    if (a->optional || a->node == nullptr) continue;
    if (a->task == "start" || a->task == "stop" || a->task == "promote" || a->task == "demote") {
      AddMissing(&a->notify, d.keys);
    }
  }
  // Nothing more unless some instance really does `task` (a stop may be
  // implied by fencing, so stops are always looked at).
  if ((task == "start" && d.start.empty()) || (task == "promote" && d.promote.empty()) ||
      (task == "demote" && d.demote.empty())) {
    return;
  }
  if (r->role != Role::kStopped && (task == "stop" || task == "demote")) {
    Action* stop = FirstOf(r, "stop");
    for (Node* node : r->running_on) {
      // Not the node being fenced.
      if (stop && stop->pseudo && node->unclean) continue;
      InstanceNotify(r, node, ops.pre, ops.pre_done, d.keys);
      if (task == "demote" || stop == nullptr || stop->optional) InstancePostNotify(r, node, ops, d.keys);
    }
  }
  if (r->next_role != Role::kStopped && (task == "start" || task == "promote")) {
    if (r->assigned == nullptr) return;
    Action* start = FirstOf(r, "start");
    if (task != "start" || start == nullptr || start->optional) {
      InstanceNotify(r, r->assigned, ops.pre, ops.pre_done, d.keys);
    }
    InstancePostNotify(r, r->assigned, ops, d.keys);
  }
}

// The clone's notify pseudo-actions are in the transition exactly when its
// own action (pre) or completion (post) is.
void ActionBuilder::SettleNotifyPseudos(Resource* clone, const std::string& task, const NotifyOps& ops) {
  auto copy = [](Action* to, const Action* from) {
    if (to == nullptr || from == nullptr) return;
    to->optional = from->optional;
    to->runnable = from->runnable;
  };
  Action* action = ws_->FindAction(clone, task, nullptr);
  Action* complete = ws_->FindAction(clone, Completed(task), nullptr);
  copy(ops.pre, action);
  copy(ops.pre_done, action);
  copy(ops.post, complete);
  copy(ops.post_done, complete);
}

void ActionBuilder::CreateNotifications() {
  for (Resource* clone : ws_->resources) {
    auto it = notify_.find(clone);
    if (it == notify_.end()) continue;
    for (const char* task : {"start", "stop", "promote", "demote"}) {
      auto ops_it = it->second.find(task);
      if (ops_it == it->second.end()) continue;
      const NotifyOps& ops = ops_it->second;
      SettleNotifyPseudos(clone, task, ops);
      NotifyData d;
      Collect(clone, true, &d);
      FormatKeys(*ws_, clone, &d);
      bool required = (std::string(task) == "start" && !d.start.empty()) ||
                      (std::string(task) == "stop" && !d.stop.empty()) ||
                      (std::string(task) == "promote" && !d.promote.empty()) ||
                      (std::string(task) == "demote" && !d.demote.empty());
      if (required) {
        for (Action* a : {ops.pre, ops.pre_done, ops.post, ops.post_done}) {
          if (a) a->optional = false;
        }
      }
      NotifyInstances(clone, task, ops, d);
    }
  }
}

// pe__order_notifs_after_fencing(): a stop implied by fencing gets its own
// post-stop notifications (owned by the instance, after the fencing), so
// the other instances hear of it even if the clone's own stop notifications
// come later or not at all.
void ActionBuilder::NotifyAfterFencing(Action* stop, Action* fence) {
  Resource* inst = stop->rsc;
  Resource* clone = inst->Top();
  if (!clone->IsClone() || !clone->notify || stop->node == nullptr) return;
  NotifyOps ops = NotifyPseudos(inst, "stop", nullptr, fence);
  NotifyData d;
  d.keys["notify_stop_resource"] = inst->id;
  d.keys["notify_stop_uname"] = stop->node->name;
  NotifyInstances(clone, "stop", ops, d);
}

}  // namespace baton::scheduler
