// Placement (see assign.h). Follows Pacemaker 2.1.5's assignment: resources
// sorted by priority and current scores; a resource's primaries assigned
// before it; scores of dependents merged in with factor score/INFINITY.
#include "crmd/scheduler/assign.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "crmd/scheduler/promotable.h"

namespace baton::scheduler {

using NodeScores = std::map<Node*, int>;

bool NodeAvailable(const Node* n) {
  return n != nullptr && n->online && !n->shutdown && !n->unclean && !n->standby && !n->maintenance;
}

namespace {

bool AnyAvailable(const NodeScores& s) {
  for (const auto& [n, w] : s) {
    if (NodeAvailable(n) && w >= 0) return true;
  }
  return false;
}

// resource_location(): adds `score` on `node` to the resource and all its
// descendants, creating the entry if needed.
void AddScore(Resource* r, Node* node, int score) {
  for (Resource* c : r->children) AddScore(c, node, score);
  auto it = r->scores.find(node);
  if (it == r->scores.end()) {
    r->scores[node] = score;
  } else {
    it->second = AddScores(it->second, score);
  }
}

// Sets (not adds) the score of `node`, recursively (common_update_score).
void SetScore(Resource* r, Node* node, int score) {
  for (Resource* c : r->children) SetScore(c, node, score);
  auto it = r->scores.find(node);
  if (it != r->scores.end()) it->second = score;
}

void ApplyLocation(Resource* r, const Location& loc, bool zero) {
  if (r->IsGroup()) {
    for (const auto& [n, s] : loc.nodes) {
      auto it = r->scores.find(n);
      if (it != r->scores.end()) it->second = AddScores(it->second, s);
      else r->scores[n] = s;
    }
    bool z = zero;
    for (Resource* c : r->children) {
      ApplyLocation(c, loc, z);
      if (r->collocated) z = true;
    }
    return;
  }
  for (const auto& [n, s] : loc.nodes) {
    int score = zero ? 0 : s;
    auto it = r->scores.find(n);
    if (it != r->scores.end()) it->second = AddScores(it->second, score);
    else r->scores[n] = score;
  }
  for (Resource* c : r->children) ApplyLocation(c, loc, zero);
}

void ApplyStickiness(WorkingSet* ws, Resource* r) {
  if (!r->children.empty()) {
    for (Resource* c : r->children) ApplyStickiness(ws, c);
    return;
  }
  if (!r->managed || r->stickiness < 1 || r->running_on.size() != 1) return;
  Node* node = r->running_on[0];
  if (!ws->options.symmetric_cluster && !r->scores.count(node)) return;
  AddScore(r, node, r->stickiness);
}

bool IsAnonymousInClone(const Resource* r) {
  for (const Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone() && !p->unique) return true;
  }
  return false;
}

void CheckFailureThreshold(Resource* r) {
  if (!r->children.empty()) {
    for (Resource* c : r->children) CheckFailureThreshold(c);
    return;
  }
  if (r->migration_threshold == 0) return;
  for (const NodeHistory& h : r->history) {
    if (h.fail_count <= 0) continue;
    if (r->migration_threshold - h.fail_count > 0) continue;
    Resource* banned = IsAnonymousInClone(r) ? r->Top() : r;
    AddScore(banned, h.node, -kInfinity);
  }
}

// --- score merging (pcmk__native_merge_weights) ------------------------------

enum MergeFlags : unsigned {
  kMergeInit = 1,
  kMergeForward = 2,
  kMergeRollback = 4,
  kMergePositive = 8,
};

constexpr int kInfinityHack = kInfinity * -100;

std::string AttrOf(const Node* n, const std::string& attr) {
  auto it = n->attrs.find(attr);
  return it == n->attrs.end() ? std::string() : it->second;
}

int BestScoreMatchingAttr(const Resource* r, const std::string& attr, const std::string& value) {
  int best = -kInfinity;
  for (const auto& [n, w] : r->scores) {
    if (w > best && NodeAvailable(n) && AttrOf(n, attr) == value) best = w;
  }
  return best;
}

void AddScoresMatchingAttr(NodeScores* nodes, const Resource* r, const std::string& attr, float factor,
                           bool only_positive) {
  for (auto& [node, weight] : *nodes) {
    int score = BestScoreMatchingAttr(r, attr, AttrOf(node, attr));
    if (factor < 0 && score < 0) continue;
    if (weight == kInfinityHack) continue;
    float wf = factor * static_cast<float>(score);
    int w = static_cast<int>(wf < 0 ? wf - 0.5f : wf + 0.5f);
    if (w == 0 && score != 0) w = factor > 0 ? 1 : (factor < 0 ? -1 : 0);
    int new_score = AddScores(w, weight);
    if (only_positive && new_score < 0 && weight > 0) {
      weight = kInfinityHack;
      continue;
    }
    if (only_positive && new_score < 0 && weight == 0) continue;
    weight = new_score;
  }
}

bool HasInfluence(const Colocation* c, const Resource* rsc) {
  if (rsc == nullptr) rsc = c->primary;
  return c->influence || rsc->running_on.empty();
}

Resource* LastMember(Resource* g) { return g->children.empty() ? nullptr : g->children.back(); }

class Assigner {
 public:
  explicit Assigner(WorkingSet* ws) : ws_(ws) {}

  void Run();
  Node* Assign(Resource* r, Node* prefer);
  NodeScores Merge(Resource* r, const NodeScores& nodes, const std::string& attr, float factor, unsigned flags) {
    return MergeWeights(r, &nodes, attr, factor, flags);
  }

 private:
  NodeScores MergeWeights(Resource* r, const NodeScores* nodes, const std::string& attr, float factor,
                          unsigned flags);
  Node* AssignPrimitive(Resource* r, Node* prefer);
  Node* AssignGroup(Resource* g, Node* prefer);
  Node* AssignClone(Resource* c);
  bool ChooseNode(Resource* r, Node* prefer);
  void AssignTo(Resource* r, Node* chosen, bool force);
  void ApplyColocation(Resource* dependent, Resource* primary, const Colocation* c);
  void ApplyToWeights(Resource* dependent, const Resource* primary, const Colocation* c);
  bool AssignInstance(Resource* clone, Resource* inst, Node* prefer, bool all_coloc, int limit,
                      std::map<Node*, int>* counts);
  bool CanRunInstance(Resource* clone, Resource* inst, Node* node, int limit, std::map<Node*, int>* counts);
  void Distribute(Resource* clone);
  std::vector<Node*> SortNodes(const NodeScores& scores, Node* preferred);
  void SortByScores(std::vector<Resource*>* order);

  WorkingSet* ws_;
  std::set<Resource*> allocating_;
  std::set<Resource*> merging_;
  std::map<Resource*, std::vector<Colocation*>> extra_this_with_;  // group/clone colocations handed down
  std::map<Resource*, std::vector<Colocation*>> extra_with_this_;
  std::vector<std::unique_ptr<Colocation>> group_colocations_;

  std::vector<Colocation*> ThisWith(Resource* r) {
    std::vector<Colocation*> v = r->this_with;
    auto it = extra_this_with_.find(r);
    if (it != extra_this_with_.end()) v.insert(v.end(), it->second.begin(), it->second.end());
    return v;
  }
  std::vector<Colocation*> WithThis(Resource* r) {
    std::vector<Colocation*> v = r->with_this;
    auto it = extra_with_this_.find(r);
    if (it != extra_with_this_.end()) v.insert(v.end(), it->second.begin(), it->second.end());
    return v;
  }
};

NodeScores Assigner::MergeWeights(Resource* r, const NodeScores* nodes, const std::string& attr, float factor,
                                  unsigned flags) {
  int multiplier = factor < 0 ? -1 : 1;
  if (merging_.count(r)) return nodes ? *nodes : NodeScores{};
  merging_.insert(r);
  NodeScores work;
  bool group = r->IsGroup() && !r->children.empty();
  if (flags & kMergeInit) {
    if (group) work = MergeWeights(LastMember(r), nullptr, attr, factor, flags);
    else work = r->scores;
    flags &= ~kMergeInit;
  } else if (group && !(flags & kMergeForward)) {
    // A group's preferences are its first member's, which chain through the
    // internal colocations to the later members, plus its own dependents'.
    work = MergeWeights(r->children.front(), nodes, attr, factor, flags);
    for (Colocation* c : WithThis(r)) {
      work = MergeWeights(c->dependent, &work, c->node_attribute,
                          static_cast<float>(multiplier * c->score) / static_cast<float>(kInfinity),
                          flags | kMergeRollback);
    }
    merging_.erase(r);
    return work;
  } else if (group) {
    work = MergeWeights(LastMember(r), nodes, attr, factor, flags);
  } else {
    work = nodes ? *nodes : NodeScores{};
    AddScoresMatchingAttr(&work, r, attr, factor, flags & kMergePositive);
  }
  if (AnyAvailable(work)) {
    std::vector<Colocation*> list;
    if (flags & kMergeForward) list = ThisWith(r);
    else if (group) list = WithThis(LastMember(r));
    else list = WithThis(r);
    for (Colocation* c : list) {
      Resource* other = nullptr;
      if (flags & kMergeForward) {
        other = c->primary;
      } else {
        if (!HasInfluence(c, nullptr)) continue;
        other = c->dependent;
      }
      work = MergeWeights(other, &work, c->node_attribute,
                          static_cast<float>(multiplier * c->score) / static_cast<float>(kInfinity),
                          flags | kMergeRollback);
    }
  } else if (flags & kMergeRollback) {
    merging_.erase(r);
    return nodes ? *nodes : NodeScores{};
  }
  if (flags & kMergePositive) {
    for (auto& [n, w] : work) {
      if (w == kInfinityHack) w = 1;
    }
  }
  merging_.erase(r);
  return work;
}

std::vector<Node*> Assigner::SortNodes(const NodeScores& scores, Node* preferred) {
  std::vector<Node*> nodes;
  for (const auto& [n, w] : scores) nodes.push_back(n);
  bool minimal = ws_->options.placement_strategy == PlacementStrategy::kMinimal;
  auto score_of = [&](Node* n) {
    int w = scores.at(n);
    return NodeAvailable(n) ? w : -kInfinity;
  };
  std::stable_sort(nodes.begin(), nodes.end(), [&](Node* a, Node* b) {
    int sa = score_of(a), sb = score_of(b);
    if (sa != sb) return sa > sb;
    if (!minimal && a->assigned != b->assigned) return a->assigned < b->assigned;
    if (preferred) {
      if (a == preferred && b != preferred) return true;
      if (b == preferred && a != preferred) return false;
    }
    return a->name < b->name;
  });
  return nodes;
}

void Assigner::AssignTo(Resource* r, Node* chosen, bool force) {
  if (chosen && !force) {
    auto it = r->scores.find(chosen);
    int w = it == r->scores.end() ? -kInfinity : it->second;
    if (w < 0 || !NodeAvailable(chosen)) chosen = nullptr;
  }
  r->assigned_done = true;
  r->assigned = chosen;
  if (chosen == nullptr) {
    r->next_role = Role::kStopped;
    if (r->stop_reason.empty()) r->stop_reason = "node availability";
    return;
  }
  chosen->assigned++;
  if (r->next_role == Role::kUnknown) {
    r->next_role = r->target_role && *r->target_role < Role::kStarted ? *r->target_role : Role::kStarted;
    if (r->next_role == Role::kStarted && r->parent && r->parent->IsClone() && r->parent->promotable) {
      r->next_role = Role::kUnpromoted;
    }
  }
}

bool Assigner::ChooseNode(Resource* r, Node* prefer) {
  if (r->assigned_done) return r->assigned != nullptr;
  Node* current = r->CurrentNode();
  std::vector<Node*> nodes = SortNodes(r->scores, current);
  Node* chosen = nullptr;
  if (prefer && !nodes.empty()) {
    auto it = r->scores.find(prefer);
    if (it != r->scores.end() && it->second >= 0 && it->second >= r->scores.at(nodes[0]) &&
        NodeAvailable(prefer)) {
      chosen = prefer;
    }
  }
  if (chosen == nullptr && !nodes.empty()) {
    chosen = nodes[0];
    bool unique_instance = r->parent && r->parent->IsClone() && r->parent->unique;
    int best = r->scores.at(chosen);
    if (!unique_instance && best > 0 && NodeAvailable(chosen) && current && NodeAvailable(current) &&
        r->scores.count(current) && r->scores.at(current) >= 0) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (r->scores.at(nodes[i]) != best) break;
        if (nodes[i] == current) chosen = current;
      }
    }
  }
  AssignTo(r, chosen, false);
  return r->assigned != nullptr;
}

void Assigner::ApplyToWeights(Resource* dependent, const Resource* primary, const Colocation* c) {
  std::string value;
  if (primary->assigned) {
    value = AttrOf(primary->assigned, c->node_attribute);
  } else if (c->score < 0) {
    return;
  }
  NodeScores work = dependent->scores;
  for (auto& [node, weight] : work) {
    if (primary->assigned == nullptr) {
      weight = AddScores(-c->score, weight);
    } else if (AttrOf(node, c->node_attribute) == value) {
      if (c->score < kInfinity) weight = AddScores(c->score, weight);
    } else if (c->score >= kInfinity) {
      weight = AddScores(-c->score, weight);
    }
  }
  if (c->score <= -kInfinity || c->score >= kInfinity || AnyAvailable(work)) dependent->scores = work;
}

// The colocation of `dependent` (a primitive being placed) with `primary`.
void Assigner::ApplyColocation(Resource* dependent, Resource* primary, const Colocation* c) {
  if (!primary->assigned_done) return;
  if (primary->IsGroup()) {
    if (!primary->collocated || primary->children.empty()) return;
    Resource* member = c->score >= kInfinity ? primary->children.back() : primary->children.front();
    ApplyColocation(dependent, member, c);
    return;
  }
  if (primary->IsClone()) {
    if (primary->promotable && c->primary_role != Role::kUnknown) {
      if (!dependent->assigned_done) UpdateDependentWithPromotable(primary, dependent, c);
      return;
    }
    bool interleave = false;
    if (c->dependent->IsClone() && IsTrue(cib::Get(c->dependent->meta, "interleave", "false"))) {
      interleave = c->dependent->clone_node_max == primary->clone_node_max;
    }
    if (interleave) {
      // Pair with the primary's instance on the same node, if any.
      Resource* match = nullptr;
      for (Resource* inst : primary->children) {
        if (inst->assigned && dependent->assigned_done ? inst->assigned == dependent->assigned : false) match = inst;
      }
      if (match == nullptr) {
        // Before the dependent is placed: restrict to nodes with an instance.
        NodeScores work = dependent->scores;
        std::set<Node*> ok;
        for (Resource* inst : primary->children) {
          if (inst->assigned) ok.insert(inst->assigned);
        }
        if (c->score >= kInfinity) {
          for (auto& [n, w] : work) {
            if (!ok.count(n)) w = -kInfinity;
          }
          dependent->scores = work;
        } else {
          for (auto& [n, w] : work) {
            if (ok.count(n)) w = AddScores(w, c->score);
          }
          dependent->scores = work;
        }
        return;
      }
      ApplyToWeights(dependent, match, c);
      return;
    }
    if (c->score >= kInfinity) {
      std::set<Node*> ok;
      for (Resource* inst : primary->children) {
        if (inst->assigned && !inst->blocked) ok.insert(inst->assigned);
      }
      for (auto& [n, w] : dependent->scores) {
        if (!ok.count(n)) w = -kInfinity;
      }
      return;
    }
    for (Resource* inst : primary->children) ApplyColocation(dependent, inst, c);
    return;
  }
  // Primary is a primitive.
  if (c->dependent_role >= Role::kUnpromoted && dependent->parent && dependent->parent->IsClone() &&
      dependent->parent->promotable && dependent->assigned_done) {
    return;  // role colocations are applied when promoting
  }
  if (dependent->assigned_done) return;
  if (c->score > 0 && c->dependent_role != Role::kUnknown && c->dependent_role != dependent->next_role) return;
  if (c->score > 0 && c->primary_role != Role::kUnknown && c->primary_role != primary->next_role) return;
  if (c->score < 0 && c->dependent_role != Role::kUnknown && c->dependent_role == dependent->next_role) return;
  if (c->score < 0 && c->primary_role != Role::kUnknown && c->primary_role == primary->next_role) return;
  ApplyToWeights(dependent, primary, c);
}

Node* Assigner::AssignPrimitive(Resource* r, Node* prefer) {
  if (r->assigned_done) return r->assigned;
  if (allocating_.count(r)) return nullptr;
  allocating_.insert(r);
  for (Colocation* c : ThisWith(r)) {
    NodeScores archive;
    bool keep = c->dependent_role >= Role::kPromoted || (c->score < 0 && c->score > -kInfinity);
    if (keep) archive = r->scores;
    Assign(c->primary, nullptr);
    ApplyColocation(r, c->primary, c);
    if (keep && !AnyAvailable(r->scores)) r->scores = archive;
  }
  for (Colocation* c : WithThis(r)) {
    if (!HasInfluence(c, nullptr)) continue;
    r->scores = MergeWeights(c->dependent, &r->scores, c->node_attribute,
                             static_cast<float>(c->score) / static_cast<float>(kInfinity), kMergeRollback);
  }
  Role target = r->target_role.value_or(Role::kUnknown);
  if (target == Role::kStopped) {
    for (auto& [n, w] : r->scores) w = -kInfinity;
    r->next_role = Role::kStopped;
    if (r->stop_reason.empty()) r->stop_reason = "";
  }
  if (ws_->options.stonith_enabled && !ws_->have_stonith_resource) r->managed = false;
  if (!r->managed) {
    r->next_role = r->role;
    AssignTo(r, r->CurrentNode(), true);
  } else if (ws_->options.stop_all_resources) {
    AssignTo(r, nullptr, true);
  } else {
    ChooseNode(r, prefer);
  }
  allocating_.erase(r);
  return r->assigned;
}

Node* Assigner::AssignGroup(Resource* g, Node* prefer) {
  if (g->assigned_done) return g->assigned;
  if (allocating_.count(g)) return nullptr;
  if (g->children.empty()) {
    g->assigned_done = true;
    return nullptr;
  }
  allocating_.insert(g);
  Resource* first = g->children.front();
  Resource* last = g->children.back();
  for (Colocation* c : ThisWith(g)) extra_this_with_[first].push_back(c);
  for (Colocation* c : WithThis(g)) extra_with_this_[last].push_back(c);
  extra_this_with_.erase(g);
  extra_with_this_.erase(g);
  g->this_with.clear();
  g->with_this.clear();
  Node* group_node = nullptr;
  bool first_done = false;
  for (Resource* c : g->children) {
    Node* n = Assign(c, prefer);
    if (!first_done) {
      group_node = n;
      first_done = true;
    }
  }
  g->next_role = first->next_role;
  g->assigned_done = true;
  g->assigned = g->collocated ? group_node : nullptr;
  allocating_.erase(g);
  return g->assigned;
}

bool Assigner::CanRunInstance(Resource* clone, Resource* inst, Node* node, int limit,
                              std::map<Node*, int>* counts) {
  if (node == nullptr) {
    std::vector<Node*> all;
    for (const auto& [n, w] : inst->scores) all.push_back(n);
    for (Node* n : all) CanRunInstance(clone, inst, n, limit, counts);
    return false;
  }
  bool ok = false;
  if (NodeAvailable(node) && !inst->orphan) {
    auto it = clone->scores.find(node);
    if (it == clone->scores.end()) {
      ok = false;
    } else if (it->second < 0) {
      SetScore(inst, node, it->second);
      return false;
    } else if ((*counts)[node] < limit) {
      return true;
    }
  }
  if (!ok) SetScore(inst, node, -kInfinity);
  return false;
}

bool Assigner::AssignInstance(Resource* clone, Resource* inst, Node* prefer, bool all_coloc, int limit,
                              std::map<Node*, int>* counts) {
  if (inst->assigned_done) return inst->assigned != nullptr;
  if (allocating_.count(inst)) return false;
  // Hand the clone's colocations down to the instance.
  for (Colocation* c : ThisWith(clone)) {
    if (all_coloc || c->score < 0 || c->score == kInfinity) extra_this_with_[inst].push_back(c);
  }
  for (Colocation* c : WithThis(clone)) {
    if (!HasInfluence(c, inst)) continue;
    if (all_coloc || c->score < 0) extra_with_this_[inst].push_back(c);
  }
  if (prefer) {
    auto it = inst->scores.find(prefer);
    if (it == inst->scores.end() || it->second < 0) return false;
  }
  CanRunInstance(clone, inst, nullptr, limit, counts);
  NodeScores backup = inst->scores;
  Node* chosen = Assign(inst, prefer);
  if (chosen && prefer && chosen != prefer) {
    inst->scores = backup;
    // Undo the assignment.
    chosen->assigned--;
    inst->assigned = nullptr;
    inst->assigned_done = false;
    inst->next_role = Role::kUnknown;
    inst->stop_reason.clear();
    for (Resource* c : inst->children) {
      if (c->assigned) c->assigned->assigned--;
      c->assigned = nullptr;
      c->assigned_done = false;
      c->next_role = Role::kUnknown;
      c->stop_reason.clear();
    }
    chosen = nullptr;
  }
  if (chosen) (*counts)[chosen]++;
  return chosen != nullptr;
}

// pcmk__cmp_instance: the order in which a clone's instances are assigned.
bool InstanceLess(Resource* a, Resource* b, const Resource* clone, const std::map<Node*, int>& counts) {
  size_t na = a->running_on.size(), nb = b->running_on.size();
  if (na > 0 && nb > 0 && na != nb) return na < nb;
  Node* n1 = na > 0 ? a->running_on[0] : nullptr;
  Node* n2 = nb > 0 ? b->running_on[0] : nullptr;
  bool can1 = true, can2 = true;
  if (n1) {
    auto it = a->scores.find(n1);
    if (it == a->scores.end() || it->second < 0) {
      n1 = nullptr;
      can1 = false;
    }
  }
  if (n2) {
    auto it = b->scores.find(n2);
    if (it == b->scores.end() || it->second < 0) {
      n2 = nullptr;
      can2 = false;
    }
  }
  if (can1 != can2) return can1;
  if (a->priority != b->priority) return a->priority > b->priority;
  if (!n1 && !n2) return false;
  if (!n1) return false;
  if (!n2) return true;
  bool r1 = NodeAvailable(n1), r2 = NodeAvailable(n2);
  if (r1 != r2) return r1;
  bool p1 = clone->scores.count(n1) > 0, p2 = clone->scores.count(n2) > 0;
  if (!p1 && !p2) return false;
  if (!p1) return false;
  if (!p2) return true;
  int c1 = counts.count(n1) ? counts.at(n1) : 0;
  int c2 = counts.count(n2) ? counts.at(n2) : 0;
  if (c1 != c2) return c1 < c2;
  if (a->failed != b->failed) return a->failed;
  return a->instance_number < b->instance_number;
}

void Assigner::Distribute(Resource* clone) {
  std::map<Node*, int> counts;
  int available = 0;
  for (const auto& [n, w] : clone->scores) {
    if (NodeAvailable(n)) ++available;
  }
  int max = clone->clone_max;
  int per_host = clone->clone_node_max;
  bool all_coloc = max < available;
  int loop_max = available ? max / available : 0;
  if (loop_max < 1) loop_max = 1;
  std::vector<Resource*> order = clone->children;
  std::stable_sort(order.begin(), order.end(),
                   [&](Resource* a, Resource* b) { return InstanceLess(a, b, clone, counts); });
  int allocated = 0;
  for (Resource* inst : order) {
    if (allocated >= max) break;
    if (inst->running_on.empty() || inst->assigned_done || inst->failed) continue;
    Node* current = inst->running_on[0];
    auto it = clone->scores.find(current);
    if (it == clone->scores.end()) continue;
    if (counts[current] < loop_max && CanRunInstance(clone, inst, current, per_host, &counts)) {
      if (AssignInstance(clone, inst, current, all_coloc, per_host, &counts)) ++allocated;
    }
  }
  for (Resource* inst : order) {
    if (inst->assigned_done) continue;
    if (allocated >= max) {
      for (auto& [n, w] : inst->scores) w = -kInfinity;
      std::function<void(Resource*)> ban = [&](Resource* r) {
        for (auto& [n, w] : r->scores) w = -kInfinity;
        for (Resource* c : r->children) ban(c);
      };
      ban(inst);
      Assign(inst, nullptr);
    } else if (AssignInstance(clone, inst, nullptr, all_coloc, per_host, &counts)) {
      ++allocated;
    }
  }
}

Node* Assigner::AssignClone(Resource* c) {
  if (c->assigned_done) return nullptr;
  if (allocating_.count(c)) return nullptr;
  if (c->promotable) AddPromotionScores(ws_, c);
  allocating_.insert(c);
  for (Colocation* co : ThisWith(c)) Assign(co->primary, nullptr);
  for (Colocation* co : WithThis(c)) {
    if (!HasInfluence(co, nullptr)) continue;
    c->scores = MergeWeights(co->dependent, &c->scores, co->node_attribute,
                             static_cast<float>(co->score) / static_cast<float>(kInfinity),
                             kMergeRollback | kMergePositive);
  }
  Distribute(c);
  if (c->promotable) SetInstanceRoles(ws_, c);
  c->assigned_done = true;
  allocating_.erase(c);
  return nullptr;
}

Node* Assigner::Assign(Resource* r, Node* prefer) {
  // Children are never assigned on their own.
  if (r->parent && !allocating_.count(r->parent) && !r->parent->assigned_done) Assign(r->parent, prefer);
  switch (r->kind) {
    case Resource::Kind::kPrimitive: return AssignPrimitive(r, prefer);
    case Resource::Kind::kGroup: return AssignGroup(r, prefer);
    case Resource::Kind::kClone: return AssignClone(r);
  }
  return nullptr;
}

int VariantRank(const Resource* r) {
  if (r->IsClone()) return 2;
  if (r->IsGroup()) return 1;
  return 0;
}

void Assigner::SortByScores(std::vector<Resource*>* order) {
  std::vector<Node*> sorted_nodes;
  for (auto& n : ws_->nodes) sorted_nodes.push_back(&n);
  std::stable_sort(sorted_nodes.begin(), sorted_nodes.end(), [&](Node* a, Node* b) {
    int sa = NodeAvailable(a) ? a->weight : -kInfinity;
    int sb = NodeAvailable(b) ? b->weight : -kInfinity;
    if (sa != sb) return sa > sb;
    return a->name < b->name;
  });
  std::map<Resource*, NodeScores> merged;
  for (Resource* r : *order) merged[r] = MergeWeights(r, nullptr, "#uname", 1.0f, kMergeForward | kMergeInit);
  std::stable_sort(order->begin(), order->end(), [&](Resource* a, Resource* b) {
    int s1 = a->priority, s2 = b->priority;
    if (s1 != s2) return s1 > s2;
    const NodeScores& m1 = merged[a];
    const NodeScores& m2 = merged[b];
    if (!a->running_on.empty()) {
      auto it = m1.find(a->running_on[0]);
      if (it != m1.end()) s1 = it->second;
    }
    if (!b->running_on.empty()) {
      auto it = m2.find(b->running_on[0]);
      if (it != m2.end()) s2 = it->second;
    }
    if (s1 != s2) return s1 > s2;
    for (Node* n : sorted_nodes) {
      auto i1 = m1.find(n);
      auto i2 = m2.find(n);
      int w1 = i1 == m1.end() ? -kInfinity : i1->second;
      int w2 = i2 == m2.end() ? -kInfinity : i2->second;
      if (w1 != w2) return w1 > w2;
    }
    return false;
  });
}

void Assigner::Run() {
  // Group internal colocations: each member with the one before it.
  ForEachResource(ws_->resources, [&](Resource* g) {
    if (!g->IsGroup() || !g->collocated) return;
    for (size_t i = 1; i < g->children.size(); ++i) {
      auto c = std::make_unique<Colocation>();
      c->id = "group:internal_colocation";
      c->dependent = g->children[i];
      c->primary = g->children[i - 1];
      c->score = kInfinity;
      c->influence = IsTrue(cib::Get(g->children[i]->meta, "critical", "true"));
      g->children[i]->this_with.push_back(c.get());
      g->children[i - 1]->with_this.push_back(c.get());
      group_colocations_.push_back(std::move(c));
    }
  });
  // Colocation lists in Pacemaker's order: priority, variant, id.
  ForEachResource(ws_->resources, [&](Resource* r) {
    std::stable_sort(r->this_with.begin(), r->this_with.end(), [](Colocation* a, Colocation* b) {
      if (a->primary->priority != b->primary->priority) return a->primary->priority > b->primary->priority;
      if (VariantRank(a->primary) != VariantRank(b->primary)) return VariantRank(a->primary) > VariantRank(b->primary);
      return a->primary->id < b->primary->id;
    });
    std::stable_sort(r->with_this.begin(), r->with_this.end(), [](Colocation* a, Colocation* b) {
      if (a->dependent->priority != b->dependent->priority) return a->dependent->priority > b->dependent->priority;
      if (VariantRank(a->dependent) != VariantRank(b->dependent)) return VariantRank(a->dependent) > VariantRank(b->dependent);
      return a->dependent->id < b->dependent->id;
    });
  });
  // Resource order: priority (stable, so CIB order breaks ties); only other
  // placement strategies re-sort by scores (pcmk__sort_resources).
  std::vector<Resource*> order = ws_->resources;
  std::stable_sort(order.begin(), order.end(),
                   [](Resource* a, Resource* b) { return a->priority > b->priority; });
  if (ws_->options.placement_strategy != PlacementStrategy::kDefault) SortByScores(&order);
  for (Resource* r : order) Assign(r, nullptr);
}

}  // namespace

void ApplyNodeCriteria(WorkingSet* ws) {
  // Symmetric default: every resource may run on every node at the node's score.
  if (ws->options.symmetric_cluster) {
    ForEachResource(ws->resources, [&](Resource* r) {
      for (auto& n : ws->nodes) r->scores.emplace(&n, n.weight);
    });
  }
  for (Location& loc : ws->locations) {
    if (loc.role != Role::kUnknown && loc.role != Role::kStarted) continue;
    ApplyLocation(loc.rsc, loc, false);
  }
  // An unmanaged resource stays where it runs (not_managed_default).
  ForEachResource(ws->resources, [&](Resource* r) {
    if (!r->IsPrimitive() || r->managed) return;
    for (Node* n : r->running_on) {
      auto it = r->scores.find(n);
      if (it == r->scores.end()) r->scores[n] = kInfinity;
      else it->second = AddScores(it->second, kInfinity);
    }
  });
  for (Resource* r : ws->resources) ApplyStickiness(ws, r);
  for (Resource* r : ws->resources) CheckFailureThreshold(r);
  ForEachResource(ws->resources, [&](Resource* r) {
    for (Node* n : r->banned) {
      Resource* target = IsAnonymousInClone(r) ? r->Top() : r;
      AddScore(target, n, -kInfinity);
    }
  });
  // Orphans never run again.
  for (Resource* r : ws->resources) {
    if (r->orphan && ws->options.stop_orphan_resources) {
      for (auto& n : ws->nodes) r->scores[&n] = -kInfinity;
    }
  }
}

std::map<Node*, int> MergeColocatedScores(WorkingSet* ws, Resource* r, const std::map<Node*, int>& nodes,
                                          const std::string& attr, float factor, bool rollback, bool positive) {
  Assigner a(ws);
  unsigned flags = (rollback ? kMergeRollback : 0u) | (positive ? kMergePositive : 0u);
  return a.Merge(r, nodes, attr, factor, flags);
}

void AssignResources(WorkingSet* ws) {
  Assigner a(ws);
  a.Run();
}

}  // namespace baton::scheduler
