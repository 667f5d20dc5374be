// crm_mon-style status text (see status_text.h and
// ../shared/reference/crm_mon-output.md).
#include "cli/status_text.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/executor/executor.h"

namespace baton::cli {

using scheduler::Node;
using scheduler::Resource;
using scheduler::Role;
using scheduler::WorkingSet;

namespace {

std::string Pad(int indent) { return std::string(indent, ' '); }

std::string NodeState(const WorkingSet& ws, const Node& n) {
  if (n.unclean) {
    if (n.online) return "UNCLEAN (online)";
    if (n.pending) return "UNCLEAN (pending)";
    return "UNCLEAN (offline)";
  }
  if (n.pending) return "pending";
  if (n.standby_onfail && n.online) return "standby (on-fail)";
  if (n.standby) {
    if (!n.online) return "OFFLINE (standby)";
    bool active = false;
    scheduler::ForEachResource(ws.resources, [&](const Resource* r) {
      if (r->IsPrimitive() && std::find(r->running_on.begin(), r->running_on.end(), &n) != r->running_on.end()) {
        active = true;
      }
    });
    return active ? "standby (with active resources)" : "standby";
  }
  if (n.maintenance) return n.online ? "maintenance" : "OFFLINE (maintenance)";
  return n.online ? "online" : "OFFLINE";
}

std::string Agent(const Resource* r) {
  if (r->provider.empty()) return absl::StrCat(r->cls, ":", r->type);
  return absl::StrCat(r->cls, ":", r->provider, ":", r->type);
}

bool TopPromotable(const Resource* r) {
  for (const Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone()) return p->promotable;
  }
  return false;
}

Role DisplayRole(const Resource* r) {
  Role role = r->role;
  if (role == Role::kStarted && TopPromotable(r)) return Role::kUnpromoted;
  return role;
}


// A failed probe of `r` on node `name` (or any node when empty): its rc.
std::optional<int> FailedProbe(const Resource* r, const std::string& name) {
  for (const auto& h : r->history) {
    if (!name.empty() && h.node->name != name) continue;
    for (const auto& op : h.ops) {
      if (op.task == "monitor" && op.interval_ms == 0 && op.rc != 7 && op.rc != 0 && op.rc != 8 &&
          op.id.find("last_failure") != std::string::npos) {
        return op.rc;
      }
    }
  }
  return std::nullopt;
}

std::string PrimitiveLine(const Resource* r, bool with_node = true) {
  std::string out = absl::StrCat(r->id, "\t(", Agent(r), "):\t");
  std::string state;
  const Node* node = r->running_on.size() == 1 ? r->running_on[0] : nullptr;
  if (r->orphan) state += " ORPHANED";
  Role role = DisplayRole(r);
  if (r->failed && !r->running_on.empty()) {
    state += " FAILED";
    if (role > Role::kUnpromoted) absl::StrAppend(&state, " ", scheduler::RoleName(role));
  } else {
    absl::StrAppend(&state, " ", scheduler::RoleName(role == Role::kUnknown ? Role::kStopped : role));
  }
  if (node && with_node) absl::StrAppend(&state, " ", node->name);
  if (r->running_on.empty()) {
    if (auto rc = FailedProbe(r, "")) absl::StrAppend(&state, " (", executor::OcfRcText(*rc), ") ");
  }
  std::vector<std::string> flags;
  if (node && !node->online && node->unclean) flags.push_back("UNCLEAN");
  std::string target = scheduler::RoleName(r->target_role.value_or(Role::kUnknown));
  if (r->target_role == Role::kStopped) flags.push_back("disabled");
  else if (r->target_role == Role::kUnpromoted && TopPromotable(r)) {
    flags.push_back(absl::StrCat("target-role:", cib::Get(r->meta, "target-role")));
  }
  if (r->blocked) flags.push_back("blocked");
  else if (r->maintenance) flags.push_back("maintenance");
  else if (!r->managed) flags.push_back("unmanaged");
  if (r->failure_ignored) flags.push_back("failure ignored");
  if (!flags.empty()) absl::StrAppend(&state, " (", absl::StrJoin(flags, ", "), ")");
  // Several nodes: listed after the flags.
  if (r->running_on.size() > 1) {
    std::vector<std::string> names;
    for (const Node* n : r->running_on) names.push_back(n->name);
    absl::StrAppend(&state, " [ ", absl::StrJoin(names, " "), " ]");
  }
  return out + state;
}

bool Active(const Resource* r) {
  if (r->IsPrimitive()) return !r->running_on.empty();
  for (const Resource* c : r->children) {
    if (Active(c)) return true;
  }
  return false;
}

bool FullyActive(const Resource* r) {
  if (r->IsPrimitive()) return !r->running_on.empty();
  for (const Resource* c : r->children) {
    if (!FullyActive(c)) return false;
  }
  return true;
}

bool AnyFlag(const Resource* r, bool (*pred)(const Resource*)) {
  if (pred(r)) return true;
  for (const Resource* c : r->children) {
    if (AnyFlag(c, pred)) return true;
  }
  return false;
}

void Render(const WorkingSet& ws, const Resource* r, int indent, bool show_inactive, std::vector<std::string>* out);

void RenderGroup(const WorkingSet& ws, const Resource* g, int indent, bool show_inactive,
                 std::vector<std::string>* out) {
  std::vector<std::string> attrs;
  if (!g->managed || AnyFlag(g, [](const Resource* x) { return x->IsPrimitive() && !x->managed; })) {
    bool all_unmanaged = true;
    for (const Resource* c : g->children) all_unmanaged = all_unmanaged && !c->managed;
    if (all_unmanaged) attrs.push_back("unmanaged");
  }
  if (g->target_role == Role::kStopped) attrs.push_back("disabled");
  std::string head = absl::StrCat(Pad(indent), "* Resource Group: ", g->id);
  if (!attrs.empty()) absl::StrAppend(&head, " (", absl::StrJoin(attrs, ", "), ")");
  out->push_back(head + ":");
  for (const Resource* c : g->children) Render(ws, c, indent + 2, show_inactive, out);
}

void RenderClone(const WorkingSet& ws, const Resource* c, int indent, bool show_inactive,
                 std::vector<std::string>* out) {
  std::vector<std::string> attrs;
  if (c->promotable) attrs.push_back("promotable");
  if (c->unique) attrs.push_back("unique");
  bool all_unmanaged = !c->children.empty();
  for (const Resource* ch : c->children) {
    if (!AnyFlag(ch, [](const Resource* x) { return x->IsPrimitive() && !x->managed; })) all_unmanaged = false;
  }
  if (!c->managed || all_unmanaged) attrs.push_back("unmanaged");
  if (c->target_role == Role::kStopped) attrs.push_back("disabled");
  std::string child_id = c->def && !c->def->children.empty() ? c->def->children[0].id : "";
  std::string head = absl::StrCat(Pad(indent), "* Clone Set: ", c->id, " [", child_id, "]");
  if (!attrs.empty()) absl::StrAppend(&head, " (", absl::StrJoin(attrs, ", "), ")");
  out->push_back(head + ":");
  int ci = indent + 2;
  // Instances in instance-number order.
  std::vector<const Resource*> kids(c->children.begin(), c->children.end());
  std::stable_sort(kids.begin(), kids.end(), [](const Resource* a, const Resource* b) {
    if (a->orphan != b->orphan) return !a->orphan;
    return a->instance_number < b->instance_number;
  });
  if (c->unique) {
    for (const Resource* ch : kids) Render(ws, ch, ci, show_inactive, out);
    return;
  }
  std::vector<const Node*> promoted, started;
  std::set<const Node*> active_nodes;
  for (const Resource* ch : kids) {
    if (!Active(ch)) continue;
    bool full = false;
    if (AnyFlag(ch, [](const Resource* x) { return x->orphan; })) full = true;
    else if (!FullyActive(ch)) full = true;
    else if (AnyFlag(ch, [](const Resource* x) { return x->IsPrimitive() && x->failed; })) full = true;
    else if (AnyFlag(ch, [](const Resource* x) { return x->IsPrimitive() && !x->managed; })) full = true;
    else {
      const Node* loc = ch->running_on.size() == 1 ? ch->running_on[0] : nullptr;
      if (loc == nullptr) {
        full = true;
      } else if (!loc->online && loc->unclean) {
        full = true;
      } else if (DisplayRole(ch->IsPrimitive() ? ch : ch->children.front()) > Role::kUnpromoted ||
                 ch->role > Role::kUnpromoted) {
        promoted.push_back(loc);
      } else {
        started.push_back(loc);
      }
    }
    for (const Node* n : ch->running_on) active_nodes.insert(n);
    if (full) Render(ws, ch, ci, show_inactive, out);
  }
  auto names = [](std::vector<const Node*> v) {
    std::sort(v.begin(), v.end(), [](const Node* a, const Node* b) { return a->name < b->name; });
    std::vector<std::string> s;
    for (const Node* n : v) s.push_back(n->name);
    return absl::StrJoin(s, " ");
  };
  if (!promoted.empty()) out->push_back(absl::StrCat(Pad(ci), "* Promoted: [ ", names(promoted), " ]"));
  if (!started.empty()) {
    const char* label = c->promotable ? "Unpromoted" : "Started";
    std::string extra = c->promotable && c->target_role == Role::kUnpromoted ? " (target-role)" : "";
    out->push_back(absl::StrCat(Pad(ci), "* ", label, extra, ": [ ", names(started), " ]"));
  }
  if (!show_inactive) return;
  // Stopped: allowed nodes without an active instance, grouped by state text.
  std::map<std::string, std::vector<const Node*>> stopped;
  std::vector<std::string> order;
  for (const auto& n : ws.nodes) {
    if (active_nodes.count(&n)) continue;
    if (!ws.options.symmetric_cluster) {
      bool allowed = false;
      for (const Resource* ch : c->children) {
        for (const auto& h : ch->history) {
          if (h.node == &n) allowed = true;
        }
      }
      if (!allowed) continue;
    }
    std::string state = c->target_role == Role::kStopped ? "Stopped (disabled)" : "Stopped";
    for (const Resource* ch : c->children) {
      if (auto rc = FailedProbe(ch, n.name)) state = absl::StrCat("Stopped (", executor::OcfRcText(*rc), ")");
    }
    if (!stopped.count(state)) order.push_back(state);
    stopped[state].push_back(&n);
  }
  std::sort(order.begin(), order.end());
  for (const auto& state : order) {
    out->push_back(absl::StrCat(Pad(ci), "* ", state, ": [ ", names(stopped[state]), " ]"));
  }
}

void Render(const WorkingSet& ws, const Resource* r, int indent, bool show_inactive, std::vector<std::string>* out) {
  if (r->IsGroup()) {
    RenderGroup(ws, r, indent, show_inactive, out);
  } else if (r->IsClone()) {
    RenderClone(ws, r, indent, show_inactive, out);
  } else {
    if (!show_inactive && r->running_on.empty()) return;
    if (r->orphan && r->running_on.empty()) return;
    out->push_back(absl::StrCat(Pad(indent), "* ", PrimitiveLine(r)));
  }
}

void CountInstances(const Resource* r, ResourceCounts* c, bool disabled) {
  disabled = disabled || r->target_role == Role::kStopped;
  if (r->IsPrimitive()) {
    if (r->orphan && r->running_on.empty()) return;
    c->instances++;
    if (disabled) c->disabled++;
    if (r->blocked) c->blocked++;
    return;
  }
  for (const Resource* ch : r->children) CountInstances(ch, c, disabled);
}

}  // namespace

std::vector<std::string> NodeListLines(const WorkingSet& ws, int indent) {
  std::vector<std::string> out;
  std::vector<std::string> online, offline;
  for (const auto& n : ws.nodes) {
    std::string state = NodeState(ws, n);
    if (state == "online") online.push_back(n.name);
    else if (state == "OFFLINE") offline.push_back(n.name);
    else out.push_back(absl::StrCat(Pad(indent), "* Node ", n.name, ": ", state));
  }
  if (!online.empty()) out.push_back(absl::StrCat(Pad(indent), "* Online: [ ", absl::StrJoin(online, " "), " ]"));
  if (!offline.empty()) out.push_back(absl::StrCat(Pad(indent), "* OFFLINE: [ ", absl::StrJoin(offline, " "), " ]"));
  return out;
}

std::vector<std::string> ResourceLines(const WorkingSet& ws, int indent, bool show_inactive) {
  std::vector<std::string> out;
  std::vector<const Resource*> top(ws.resources.begin(), ws.resources.end());
  std::stable_sort(top.begin(), top.end(), [](const Resource* a, const Resource* b) {
    if (a->orphan != b->orphan) return !a->orphan;
    return a->priority > b->priority;
  });
  for (const Resource* r : top) Render(ws, r, indent, show_inactive, &out);
  return out;
}

ResourceCounts CountResources(const WorkingSet& ws) {
  ResourceCounts c;
  for (const Resource* r : ws.resources) CountInstances(r, &c, false);
  return c;
}

std::string DisabledBlockedLine(const WorkingSet& ws) {
  ResourceCounts c = CountResources(ws);
  if (c.disabled == 0 && c.blocked == 0) return "";
  return absl::StrCat(c.disabled, " of ", c.instances, " resource instances DISABLED and ", c.blocked,
                      " BLOCKED from further action due to failure");
}

}  // namespace baton::cli
