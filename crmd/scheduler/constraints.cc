// Constraints from the CIB -> Location/Colocation/OrderConstraint, with tags
// and resource sets expanded into pairwise constraints.
#include "crmd/scheduler/constraints.h"

#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crmd/scheduler/rules.h"

namespace baton::scheduler {
namespace {

using cib::Get;

class ConstraintUnpacker {
 public:
  explicit ConstraintUnpacker(WorkingSet* ws) : ws_(ws) {}

  void Run() {
    for (const auto& c : ws_->cib().configuration.constraints) {
      switch (c.kind) {
        case cib::Constraint::Kind::kLocation: UnpackLocation(c); break;
        case cib::Constraint::Kind::kColocation: UnpackColocation(c); break;
        case cib::Constraint::Kind::kOrder: UnpackOrder(c); break;
        case cib::Constraint::Kind::kTicket: break;  // tickets: a later issue
      }
    }
  }

 private:
  // The resources an id names: a resource, or every resource of a tag.
  std::vector<Resource*> Expand(const std::string& id) {
    std::vector<Resource*> out;
    if (Resource* r = ws_->FindResource(id)) {
      if (!r->orphan) out.push_back(r);
      return out;
    }
    for (const auto& t : ws_->cib().configuration.tags) {
      if (t.id != id) continue;
      for (const auto& ref : t.refs) {
        if (Resource* r = ws_->FindResource(ref)) out.push_back(r);
      }
    }
    if (out.empty()) {
      ws_->config_errors.push_back(absl::StrCat("constraint refers to '", id, "', which does not exist"));
    }
    return out;
  }

  std::vector<Resource*> SetMembers(const cib::ResourceSet& s) {
    std::vector<Resource*> out;
    for (const auto& id : s.resources) {
      for (Resource* r : Expand(id)) out.push_back(r);
    }
    return out;
  }

  static Role RoleAttr(const std::map<std::string, std::string>& attrs, const char* key) {
    std::string v = Get(attrs, key);
    if (v.empty() || absl::AsciiStrToLower(v) == "started") return Role::kUnknown;
    return ParseRole(v);
  }

  void AddLocationRules(Location* loc, const cib::Constraint& c) {
    for (const auto& rule : c.rules) {
      if (rule.role) loc->role = ParseRole(*rule.role);
      for (auto& node : ws_->nodes) {
        RuleContext ctx;
        ctx.node_attrs = &node.attrs;
        ctx.now = ws_->now;
        if (!EvaluateRule(rule, ctx)) continue;
        int score = 0;
        if (rule.score) {
          score = ScoreOrZero(*rule.score);
        } else if (rule.score_attribute) {
          auto it = node.attrs.find(*rule.score_attribute);
          if (it == node.attrs.end()) continue;
          score = ScoreOrZero(it->second);
        }
        loc->nodes.emplace_back(&node, score);
      }
    }
  }

  void NewLocation(Resource* rsc, const cib::Constraint& c, const std::map<std::string, std::string>& attrs) {
    Location& loc = ws_->locations.emplace_back();
    loc.id = c.id;
    loc.rsc = rsc;
    loc.role = RoleAttr(attrs, "role");
    loc.discovery = Get(c.attrs, "resource-discovery", "always");
    std::string node = Get(c.attrs, "node");
    if (!node.empty()) {
      Node* n = ws_->FindNode(node);
      if (n) loc.nodes.emplace_back(n, ScoreOrZero(Get(c.attrs, "score", "0")));
    } else {
      AddLocationRules(&loc, c);
    }
    rsc->locations.push_back(&loc);
  }

  void UnpackLocation(const cib::Constraint& c) {
    std::string rsc = Get(c.attrs, "rsc");
    std::string pattern = Get(c.attrs, "rsc-pattern");
    if (!rsc.empty()) {
      for (Resource* r : Expand(rsc)) NewLocation(r, c, c.attrs);
    } else if (!pattern.empty()) {
      std::regex re;
      try {
        re = std::regex(pattern, std::regex::extended);
      } catch (const std::regex_error&) {
        ws_->config_errors.push_back(absl::StrCat("rsc_location '", c.id, "': bad rsc-pattern"));
        return;
      }
      for (Resource* r : ws_->resources) {
        if (std::regex_search(r->id, re)) NewLocation(r, c, c.attrs);
      }
    }
    for (const auto& s : c.sets) {
      std::map<std::string, std::string> attrs = c.attrs;
      for (const auto& [k, v] : s.attrs) attrs[k] = v;
      for (Resource* r : SetMembers(s)) NewLocation(r, c, attrs);
    }
  }

  void NewColocation(const std::string& id, Resource* dependent, Resource* primary, int score,
                     Role drole, Role prole, const std::string& attr, bool influence) {
    if (dependent == nullptr || primary == nullptr || dependent == primary) return;
    Colocation& co = ws_->colocations.emplace_back();
    co.id = id;
    co.dependent = dependent;
    co.primary = primary;
    co.score = score;
    co.dependent_role = drole;
    co.primary_role = prole;
    if (!attr.empty()) co.node_attribute = attr;
    co.influence = influence;
    dependent->this_with.push_back(&co);
    primary->with_this.push_back(&co);
  }

  void UnpackColocation(const cib::Constraint& c) {
    int score = ScoreOrZero(Get(c.attrs, "score", "0"));
    std::string attr = Get(c.attrs, "node-attribute");
    bool influence = true;
    if (c.sets.empty()) {
      auto deps = Expand(Get(c.attrs, "rsc"));
      auto prims = Expand(Get(c.attrs, "with-rsc"));
      for (Resource* d : deps) {
        std::string inf = Get(c.attrs, "influence", Get(d->meta, "critical", "true"));
        for (Resource* p : prims) {
          NewColocation(c.id, d, p, score, RoleAttr(c.attrs, "rsc-role"), RoleAttr(c.attrs, "with-rsc-role"),
                        attr, IsTrue(inf));
        }
      }
      return;
    }
    // Within a sequential set each member is colocated with the one before.
    std::vector<std::vector<Resource*>> sets;
    for (const auto& s : c.sets) {
      auto members = SetMembers(s);
      int set_score = ScoreOrZero(Get(s.attrs, "score", Get(c.attrs, "score", "0")));
      Role role = RoleAttr(s.attrs, "role");
      if (!IsTrue(Get(s.attrs, "sequential", "true"))) {
        // No colocation among the members of a non-sequential set.
      } else if (set_score >= 0) {
        for (size_t i = 1; i < members.size(); ++i) {
          NewColocation(s.id, members[i], members[i - 1], set_score, role, role, attr, influence);
        }
      } else {
        // Anti-colocation: each member against every member before it.
        for (size_t i = 1; i < members.size(); ++i) {
          for (size_t j = 0; j < i; ++j) {
            NewColocation(s.id, members[i], members[j], set_score, role, role, attr, influence);
          }
        }
      }
      sets.push_back(members);
    }
    // Between sets: every member of a set with the first member of the next?
    // Pacemaker: each resource of set i is colocated with the last member of
    // set i+1 when that set is sequential, else with each of its members.
    for (size_t i = 0; i + 1 < c.sets.size(); ++i) {
      const auto& s1 = c.sets[i];
      const auto& s2 = c.sets[i + 1];
      Role r1 = RoleAttr(s1.attrs, "role");
      Role r2 = RoleAttr(s2.attrs, "role");
      bool seq1 = IsTrue(Get(s1.attrs, "sequential", "true"));
      bool seq2 = IsTrue(Get(s2.attrs, "sequential", "true"));
      const auto& m1 = sets[i];
      const auto& m2 = sets[i + 1];
      if (m1.empty() || m2.empty()) continue;
      std::vector<Resource*> deps = seq1 ? std::vector<Resource*>{m1.front()} : m1;
      std::vector<Resource*> prims = seq2 ? std::vector<Resource*>{m2.back()} : m2;
      for (Resource* d : deps) {
        for (Resource* p : prims) NewColocation(c.id, d, p, score, r1, r2, attr, influence);
      }
    }
  }

  static OrderKind KindOf(const std::map<std::string, std::string>& attrs) {
    std::string kind = absl::AsciiStrToLower(Get(attrs, "kind"));
    if (kind == "optional") return OrderKind::kOptional;
    if (kind == "serialize") return OrderKind::kSerialize;
    if (kind.empty()) {
      auto it = attrs.find("score");
      if (it != attrs.end() && ScoreOrZero(it->second) == 0) return OrderKind::kOptional;
    }
    return OrderKind::kMandatory;
  }

  void NewOrder(const std::string& id, Resource* first, const std::string& first_task, Resource* then,
                const std::string& then_task, OrderKind kind, bool symmetrical) {
    if (first == nullptr || then == nullptr || first == then) return;
    OrderConstraint& o = ws_->orders.emplace_back();
    o.id = id;
    o.first = first;
    o.first_task = first_task.empty() ? "start" : first_task;
    o.then = then;
    o.then_task = then_task.empty() ? o.first_task : then_task;
    o.kind = kind;
    o.symmetrical = symmetrical;
  }

  void UnpackOrder(const cib::Constraint& c) {
    OrderKind kind = KindOf(c.attrs);
    std::string sym = Get(c.attrs, "symmetrical");
    bool symmetrical = sym.empty() ? kind != OrderKind::kSerialize : IsTrue(sym);
    if (c.sets.empty()) {
      for (Resource* f : Expand(Get(c.attrs, "first"))) {
        for (Resource* t : Expand(Get(c.attrs, "then"))) {
          NewOrder(c.id, f, Get(c.attrs, "first-action"), t, Get(c.attrs, "then-action"), kind, symmetrical);
          if (!f->IsClone()) continue;
          // clone-min (or the older require-all=false): enough instances of
          // the first clone will do.
          int min = ScoreOrZero(Get(f->meta, "clone-min", "0"));
          if (min <= 0 && !IsTrue(Get(c.attrs, "require-all", "true"))) min = 1;
          if (min > 0) ws_->orders.back().clone_min = min;
        }
      }
      return;
    }
    std::vector<std::vector<Resource*>> sets;
    for (const auto& s : c.sets) {
      auto members = SetMembers(s);
      std::string action = Get(s.attrs, "action");
      OrderKind skind = s.attrs.count("kind") || s.attrs.count("score") ? KindOf(s.attrs) : kind;
      if (IsTrue(Get(s.attrs, "sequential", "true"))) {
        for (size_t i = 1; i < members.size(); ++i) {
          NewOrder(s.id, members[i - 1], action, members[i], action, skind, symmetrical);
        }
      }
      sets.push_back(members);
    }
    for (size_t i = 0; i + 1 < c.sets.size(); ++i) {
      const auto& s1 = c.sets[i];
      const auto& s2 = c.sets[i + 1];
      const auto& m1 = sets[i];
      const auto& m2 = sets[i + 1];
      if (m1.empty() || m2.empty()) continue;
      bool seq1 = IsTrue(Get(s1.attrs, "sequential", "true"));
      bool seq2 = IsTrue(Get(s2.attrs, "sequential", "true"));
      bool require_all = IsTrue(Get(s1.attrs, "require-all", "true"));
      std::string a1 = Get(s1.attrs, "action");
      std::string a2 = Get(s2.attrs, "action");
      std::vector<Resource*> firsts = seq1 ? std::vector<Resource*>{m1.back()} : m1;
      std::vector<Resource*> thens = seq2 ? std::vector<Resource*>{m2.front()} : m2;
      if (!require_all) {
        for (Resource* t : thens) {
          NewOrder(c.id, m1.front(), a1, t, a2, kind, symmetrical);
          OrderConstraint& o = ws_->orders.back();
          o.first_any = m1;
          o.one_or_more_id = absl::StrCat("one-or-more:", s1.id);
        }
        continue;
      }
      for (Resource* f : firsts) {
        for (Resource* t : thens) NewOrder(c.id, f, a1, t, a2, kind, symmetrical);
      }
    }
  }

  WorkingSet* ws_;
};

}  // namespace

void UnpackConstraints(WorkingSet* ws) {
  ConstraintUnpacker u(ws);
  u.Run();
}

}  // namespace baton::scheduler
