#include "crmd/scheduler/working_set.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crmd/scheduler/scheduler.h"
#include "crmd/scheduler/util.h"

namespace baton::scheduler {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kStopped: return "Stopped";
    case Role::kStarted: return "Started";
    case Role::kUnpromoted: return "Unpromoted";
    case Role::kPromoted: return "Promoted";
    case Role::kUnknown: break;
  }
  return "Unknown";
}

Role ParseRole(std::string_view text) {
  std::string t = absl::AsciiStrToLower(std::string(text));
  if (t == "stopped") return Role::kStopped;
  if (t == "started") return Role::kStarted;
  if (t == "unpromoted" || t == "slave") return Role::kUnpromoted;
  if (t == "promoted" || t == "master") return Role::kPromoted;
  return Role::kUnknown;
}

bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    unsigned char ca = a[i], cb = b[j];
    if (std::isdigit(ca) && std::isdigit(cb)) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      long long na = std::stoll(std::string(a.substr(i, std::min<size_t>(i2 - i, 18))));
      long long nb = std::stoll(std::string(b.substr(j, std::min<size_t>(j2 - j, 18))));
      if (na != nb) return na < nb;
      i = i2;
      j = j2;
      continue;
    }
    int la = std::tolower(ca), lb = std::tolower(cb);
    if (la != lb) return la < lb;
    ++i;
    ++j;
  }
  return (a.size() - i) < (b.size() - j);
}

const cib::Resource* FindTemplate(const cib::Cib& cib, const std::string& id) {
  for (const auto& r : cib.configuration.resources) {
    if (r.kind == cib::Resource::Kind::kTemplate && r.id == id) return &r;
  }
  return nullptr;
}

Node* WorkingSet::FindNode(const std::string& name_or_id) {
  for (auto& n : nodes) {
    if (n.name == name_or_id) return &n;
  }
  for (auto& n : nodes) {
    if (n.id == name_or_id) return &n;
  }
  return nullptr;
}

Node* WorkingSet::FindNodeById(const std::string& id) {
  for (auto& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

Resource* WorkingSet::FindResource(const std::string& id) {
  auto it = by_id_.find(id);
  if (it != by_id_.end()) return it->second;
  if (indexed_ != all_resources.size()) {
    // Ids are set after NewResource(), so index lazily on a miss.
    by_id_.clear();
    for (auto& r : all_resources) by_id_.emplace(r->id, r.get());
    indexed_ = all_resources.size();
    it = by_id_.find(id);
    if (it != by_id_.end()) return it->second;
  }
  return nullptr;
}

Resource* WorkingSet::NewResource() {
  all_resources.push_back(std::make_unique<Resource>());
  return all_resources.back().get();
}

Action* WorkingSet::FindAction(const Resource* rsc, const std::string& task, const Node* node,
                               long long interval_ms) {
  const std::vector<Action*>& list = rsc ? rsc->actions : node_actions_;
  for (Action* a : list) {
    if (a->node == node && a->interval_ms == interval_ms && a->task == task) return a;
  }
  return nullptr;
}

Action* WorkingSet::NewAction(Resource* rsc, const std::string& task, Node* node, bool optional,
                              long long interval_ms) {
  if (Action* existing = FindAction(rsc, task, node, interval_ms)) {
    if (!optional) existing->optional = false;
    return existing;
  }
  return Append(rsc, absl::StrCat(rsc ? rsc->id : "", "_", task, "_", interval_ms), task, node, optional,
                interval_ms);
}

Action* WorkingSet::FindKeyedAction(const Resource* rsc, const std::string& key, const Node* node) {
  const std::vector<Action*>& list = rsc ? rsc->actions : node_actions_;
  for (Action* a : list) {
    if (a->node == node && a->key == key) return a;
  }
  return nullptr;
}

Action* WorkingSet::NewKeyedAction(Resource* rsc, const std::string& key, const std::string& task, Node* node,
                                   bool optional) {
  if (Action* existing = FindKeyedAction(rsc, key, node)) {
    if (!optional) existing->optional = false;
    return existing;
  }
  return Append(rsc, key, task, node, optional, 0);
}

Action* WorkingSet::Append(Resource* rsc, const std::string& key, const std::string& task, Node* node,
                           bool optional, long long interval_ms) {
  Action& a = actions.emplace_back();
  a.id = static_cast<int>(actions.size()) - 1;
  a.task = task;
  a.rsc = rsc;
  a.node = node;
  a.optional = optional;
  a.interval_ms = interval_ms;
  a.key = key;
  if (rsc) rsc->actions.push_back(&a);
  else node_actions_.push_back(&a);
  return &a;
}

Ordering* WorkingSet::Order(Action* first, Action* then, unsigned flags, const std::string& origin) {
  if (first == nullptr || then == nullptr || first == then) return nullptr;
  Ordering& o = orderings.emplace_back();
  o.first = first;
  o.then = then;
  o.flags = flags;
  o.origin = origin;
  first->after.push_back(&o);
  then->before.push_back(&o);
  return &o;
}

}  // namespace baton::scheduler
