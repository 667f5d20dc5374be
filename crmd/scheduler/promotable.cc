// Promotion of promotable clone instances (see promotable.h).
#include "crmd/scheduler/promotable.h"

#include <algorithm>
#include <set>

#include "crmd/scheduler/assign.h"

namespace baton::scheduler {
namespace {

std::string AttrOf(const Node* n, const std::string& attr) {
  auto it = n->attrs.find(attr);
  return it == n->attrs.end() ? std::string() : it->second;
}

bool IsUnique(const Resource* r) {
  for (const Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone()) return p->unique;
  }
  return false;
}


}  // namespace

namespace {

bool RunningOn(const Resource* r, const Node* n) {
  return std::find(r->running_on.begin(), r->running_on.end(), n) != r->running_on.end();
}

bool KnownOn(const Resource* r, const Node* n) {
  for (const auto& h : r->history) {
    if (h.node == n && h.known) return true;
  }
  return false;
}

bool KnownAnywhere(const Resource* r) {
  for (const auto& h : r->history) {
    if (h.known) return true;
  }
  return false;
}

const Resource* MemberWithBase(const Resource* r, const std::string& base) {
  if (r->IsPrimitive()) return r->base_id == base ? r : nullptr;
  for (const Resource* c : r->children) {
    if (const Resource* p = MemberWithBase(c, base)) return p;
  }
  return nullptr;
}

// filter_anonymous_instance(): an anonymous instance takes the node's
// promotion score if it is the one active there, or if none is active there
// and some instance has been probed there.
bool AnonymousInstanceGetsScore(const Resource* inst, const Node* node) {
  const Resource* clone = inst->parent;
  while (clone && !clone->IsClone()) clone = clone->parent;
  if (clone == nullptr) return false;
  for (const Resource* child : clone->children) {
    const Resource* p = MemberWithBase(child, inst->base_id);
    if (p && RunningOn(p, node)) return p == inst;
  }
  for (const Resource* child : clone->children) {
    const Resource* p = MemberWithBase(child, inst->base_id);
    if (p && KnownOn(p, node)) return true;
  }
  return false;
}

}  // namespace

std::optional<int> PromotionScore(const Resource* inst, const Node* node) {
  if (node == nullptr) return std::nullopt;
  if (!inst->children.empty()) {
    std::optional<int> sum;
    for (const Resource* c : inst->children) {
      if (auto s = PromotionScore(c, node)) sum = AddScores(sum.value_or(0), *s);
    }
    return sum;
  }
  bool unique = IsUnique(inst);
  if (!unique && AnonymousInstanceGetsScore(inst, node)) {
    // counts
  } else if (!inst->running_on.empty() || KnownAnywhere(inst)) {
    // Once probed or started anywhere, only nodes where the state is known count.
    if (!RunningOn(inst, node) && !KnownOn(inst, node)) return std::nullopt;
  }
  // The name the history knows the instance by (or its id), then, for
  // anonymous clones, the name without the instance number.
  std::vector<std::string> names;
  for (const auto& h : inst->history) {
    if (!h.history_id.empty() && h.history_id != inst->id) {
      names.push_back(h.history_id);
      break;
    }
  }
  if (names.empty()) names.push_back(inst->id);
  if (!unique) names.push_back(inst->base_id);
  for (const auto& name : names) {
    auto it = node->attrs.find("master-" + name);
    if (it != node->attrs.end()) return ScoreOrZero(it->second);
  }
  return std::nullopt;
}

void AddPromotionScores(WorkingSet* ws, Resource* clone) {
  (void)ws;
  for (Resource* inst : clone->children) {
    for (auto& [node, weight] : inst->scores) {
      // Never on a node the instance may not run on (its score is negative).
      if (!NodeAvailable(node) || weight < 0) continue;
      auto score = PromotionScore(inst, node);
      if (score && *score > 0) weight = AddScores(weight, *score);
    }
  }
}

void UpdateDependentWithPromotable(Resource* primary, Resource* dependent, const Colocation* c) {
  std::set<Node*> affected;
  for (Resource* inst : primary->children) {
    Node* node = inst->assigned;
    if (node == nullptr) continue;
    if (inst->next_role != c->primary_role) continue;
    if (c->score < kInfinity) {
      std::string value = AttrOf(node, c->node_attribute);
      for (auto& [n, w] : dependent->scores) {
        if (AttrOf(n, c->node_attribute) == value) w = AddScores(w, c->score);
      }
    }
    affected.insert(node);
  }
  if (c->score >= kInfinity && (c->dependent_role != Role::kPromoted || c->primary_role != Role::kPromoted)) {
    for (auto& [n, w] : dependent->scores) {
      if (!affected.count(n)) w = -kInfinity;
    }
  }
}

namespace {

void ApplyPromotedLocations(WorkingSet* ws, Resource* inst, Resource* clone, Node* chosen) {
  for (const Location& loc : ws->locations) {
    if (loc.role != Role::kPromoted) continue;
    if (loc.rsc != inst && loc.rsc != clone) continue;
    for (const auto& [n, s] : loc.nodes) {
      if (n == chosen) inst->promotion_priority = AddScores(inst->promotion_priority, s);
    }
  }
}

// A colocation of the instance (dependent, in a role) with some primary.
void ApplyRoleColocation(Resource* inst, const Colocation* c) {
  Resource* primary = c->primary;
  if (primary->IsClone()) {
    if (!primary->promotable || c->primary_role == Role::kUnknown) {
      // Is there an instance of the primary on the same node?
      bool found = false;
      for (Resource* p : primary->children) {
        if (p->assigned && inst->assigned && p->assigned == inst->assigned) found = true;
      }
      if (found) {
        int mult = c->dependent_role == Role::kUnpromoted ? -1 : 1;
        inst->promotion_priority = AddScores(inst->promotion_priority, mult * c->score);
      } else if (c->score >= kInfinity && c->dependent_role == Role::kPromoted) {
        inst->promotion_priority = -kInfinity;
      }
      return;
    }
    bool found = false;
    for (Resource* p : primary->children) {
      if (p->assigned && inst->assigned && p->assigned == inst->assigned && p->next_role == c->primary_role) {
        found = true;
      }
    }
    if (found) {
      inst->promotion_priority = AddScores(inst->promotion_priority, c->score);
    } else if (c->score >= kInfinity) {
      inst->promotion_priority = -kInfinity;
    }
    return;
  }
  Resource* p = primary;
  if (p->IsGroup() && !p->children.empty()) p = p->children.front();
  if (p->assigned == nullptr || inst->assigned == nullptr) return;
  if (AttrOf(p->assigned, c->node_attribute) != AttrOf(inst->assigned, c->node_attribute)) {
    if (c->score >= kInfinity && c->dependent_role == Role::kPromoted) inst->promotion_priority = -kInfinity;
    return;
  }
  if (c->primary_role != Role::kUnknown && c->primary_role != p->next_role) return;
  int mult = c->dependent_role == Role::kUnpromoted ? -1 : 1;
  inst->promotion_priority = AddScores(mult * c->score, inst->promotion_priority);
}

void SetNextRole(Resource* r, Role role) {
  r->next_role = role;
  for (Resource* c : r->children) SetNextRole(c, role);
}

}  // namespace

void SetInstanceRoles(WorkingSet* ws, Resource* clone) {
  std::map<Node*, int> promoted_on;
  for (Resource* inst : clone->children) {
    Node* chosen = inst->assigned;
    Role next = inst->next_role;
    if (chosen == nullptr || next == Role::kStopped) {
      inst->promotion_priority = -kInfinity;
    } else if (inst->target_role && (*inst->target_role == Role::kUnpromoted || *inst->target_role == Role::kStopped)) {
      inst->promotion_priority = -kInfinity;
    } else {
      auto s = PromotionScore(inst, chosen);
      inst->promotion_priority = s ? *s : -1;
    }
    if (chosen) {
      ApplyPromotedLocations(ws, inst, clone, chosen);
      for (const Colocation* c : clone->this_with) {
        if (c->dependent_role != Role::kUnknown) ApplyRoleColocation(inst, c);
      }
    }
    inst->sort_index = inst->promotion_priority;
    if (!inst->managed && inst->role == Role::kPromoted) inst->sort_index = kInfinity;
  }
  // Promotion order: sort index merged with the clone's node scores for
  // colocations with the promoted role.
  std::map<Node*, int> weights = clone->scores;
  for (Resource* inst : clone->children) {
    if (inst->assigned == nullptr || inst->sort_index < 0) continue;
    weights[inst->assigned] = AddScores(inst->sort_index, weights[inst->assigned]);
  }
  // (Re-)add the preferences of what the promoted instance must be with,
  // and of what wants to be with it (promotion_order()).
  for (const Colocation* c : clone->this_with) {
    if (c->dependent_role != Role::kPromoted) continue;
    weights = MergeColocatedScores(ws, c->primary, weights, c->node_attribute,
                                   static_cast<float>(c->score) / static_cast<float>(kInfinity),
                                   /*rollback=*/c->score != kInfinity, /*positive=*/false);
  }
  for (const Colocation* c : clone->with_this) {
    if (c->primary_role != Role::kPromoted) continue;
    if (!c->influence && !clone->running_on.empty()) continue;
    weights = MergeColocatedScores(ws, c->dependent, weights, c->node_attribute,
                                   static_cast<float>(c->score) / static_cast<float>(kInfinity),
                                   /*rollback=*/true, /*positive=*/true);
  }
  for (Resource* inst : clone->children) {
    if (!inst->managed && inst->role == Role::kPromoted) {
      inst->sort_index = kInfinity;
    } else if (inst->assigned && inst->sort_index >= 0) {
      inst->sort_index = weights[inst->assigned];
    }
  }
  std::vector<Resource*> order = clone->children;
  std::stable_sort(order.begin(), order.end(), [](Resource* a, Resource* b) {
    if (a->sort_index != b->sort_index) return a->sort_index > b->sort_index;
    if (a->role != b->role) return a->role > b->role;
    return false;
  });
  int promoted = 0;
  for (Resource* inst : order) {
    Node* chosen = inst->assigned;
    Role role = Role::kUnpromoted;
    if (chosen == nullptr) continue;
    bool frozen = !ws->have_quorum && ws->options.no_quorum_policy == NoQuorumPolicy::kFreeze &&
                  inst->role < Role::kPromoted;
    // node_to_be_promoted_on(): an unmanaged instance stays as it is; a
    // managed one needs a usable node with room for another promoted one.
    bool can = false;
    if (!inst->managed) {
      can = inst->role == Role::kPromoted;
    } else {
      can = !frozen && inst->promotion_priority >= 0 && NodeAvailable(chosen) &&
            promoted_on[chosen] < clone->promoted_node_max;
    }
    if (can && inst->sort_index >= 0 && promoted < clone->promoted_max) {
      role = Role::kPromoted;
      ++promoted;
      ++promoted_on[chosen];
    }
    if (inst->next_role != Role::kStopped) SetNextRole(inst, role);
  }
}

}  // namespace baton::scheduler
