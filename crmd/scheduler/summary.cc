// The Transition Summary: one line per node action (fencing) and per
// resource that changes, with crm_simulate's verbs, details and padding.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crmd/scheduler/scheduler.h"

namespace baton::scheduler {
namespace {

class SummaryWriter {
 public:
  explicit SummaryWriter(const WorkingSet& ws) : ws_(ws) {}

  std::vector<std::string> Run() {
    // Node actions: newest first.
    std::vector<const Action*> fences;
    for (const Action& a : ws_.actions) {
      if (a.rsc == nullptr && a.task == "stonith" && !a.optional && !a.reason.empty()) fences.push_back(&a);
    }
    for (auto it = fences.rbegin(); it != fences.rend(); ++it) {
      lines_.push_back(absl::StrCat("  * Fence (", (*it)->fence_action, ") ", (*it)->node->name, " '",
                                    (*it)->reason, "'"));
    }
    for (const auto* r : ws_.resources) Visit(r);
    return lines_;
  }

 private:
  const Action* Find(const baton::scheduler::Resource* r, const std::string& task, const Node* node,
                     bool any_node) const {
    for (const Action* a : r->actions) {
      if (a->task != task || a->interval_ms != 0) continue;
      if (any_node || a->node == node) return a;
    }
    return nullptr;
  }

  void Visit(const baton::scheduler::Resource* r) {
    if (!r->IsPrimitive()) {
      for (const auto* c : r->children) Visit(c);
      return;
    }
    Primitive(r);
  }

  void Line(const std::string& verb, const baton::scheduler::Resource* r, const std::string& details,
            const Action* action, const Action* source) {
    if (source == nullptr) source = action;
    std::string reason;
    bool runnable = action == nullptr || action->runnable;
    if (source && !source->reason.empty()) {
      reason = absl::StrCat("  due to ", source->reason, runnable ? "" : " (blocked)");
    } else if (!runnable) {
      reason = "  blocked";
    }
    int id_len = static_cast<int>(r->id.size());
    if (id_len > rsc_width_) rsc_width_ = id_len + 2;
    int det_len = static_cast<int>(details.size());
    if (det_len > detail_width_) detail_width_ = det_len;
    lines_.push_back(absl::StrFormat("  * %-8s   %-*s   ( %*s )%s", verb, rsc_width_, r->id, detail_width_,
                                     details, reason));
  }

  void Primitive(const baton::scheduler::Resource* r) {
    Node* current = r->running_on.empty() ? nullptr : r->running_on[0];
    Node* next = r->assigned;
    Role role = r->role;
    Role next_role = r->next_role;
    if (r->orphan && r->running_on.empty()) return;
    if (!r->managed) return;
    if (current == nullptr && next == nullptr) return;
    if (current && role == Role::kStopped) role = Role::kStarted;
    bool moving = current && next && current != next;
    const Action* start = next ? Find(r, "start", next, false) : Find(r, "start", nullptr, true);
    const Action* stop = nullptr;
    if (start && start->runnable && current) stop = Find(r, "stop", current, false);
    if (stop == nullptr) stop = Find(r, "stop", nullptr, true);
    const Action* promote = next ? Find(r, "promote", next, false) : nullptr;
    const Action* demote = next ? Find(r, "demote", next, false) : nullptr;
    if (demote == nullptr && current) demote = Find(r, "demote", current, false);
    bool need_role = role > Role::kStarted || next_role > Role::kUnpromoted;
    auto with_role = [&](Role ro, const Node* n) {
      return need_role ? absl::StrCat(RoleName(ro), " ", n->name) : n->name;
    };
    if (role == next_role) {
      if (r->reload && current && current == next && (start == nullptr || start->optional)) {
        Line("Reload", r, with_role(role, current), start, nullptr);
        return;
      }
      if (start == nullptr || start->optional) {
        if (demote && promote && !demote->optional && !promote->optional) {
          Line("Re-promote", r, with_role(role, current ? current : next), promote, demote);
        }
        return;
      }
      if (!start->runnable) {
        Line("Stop", r, with_role(role, current ? current : next), stop, stop && !stop->reason.empty() ? stop : start);
        return;
      }
      if (moving && current) {
        std::string details = absl::StrCat(current->name, " -> ", next->name);
        if (need_role) absl::StrAppend(&details, " ", RoleName(role));
        Line(r->failed ? "Recover" : "Move", r, details, stop, nullptr);
        return;
      }
      if (r->failed) {
        Line("Recover", r, with_role(role, current ? current : next), stop, nullptr);
        return;
      }
      Line("Restart", r, with_role(role, current ? current : next), start, nullptr);
      return;
    }
    if (stop && (next_role == Role::kStopped || (start && !start->runnable))) {
      for (Node* n : r->running_on) {
        const Action* s = Find(r, "stop", n, false);
        const Action* src = s && !s->reason.empty() ? s : start;
        Line("Stop", r, with_role(role, n), s ? s : stop, src ? src : s);
      }
      return;
    }
    if (stop && r->failed && current && next && !stop->optional) {
      std::string details;
      if (current != next) {
        details = need_role ? absl::StrCat(RoleName(role), " ", current->name, " -> ", RoleName(next_role), " ", next->name)
                            : absl::StrCat(current->name, " -> ", next->name);
      } else {
        details = with_role(role, current);
      }
      Line("Recover", r, details, stop, start);
      return;
    }
    if (moving) {
      std::string details = need_role
                                ? absl::StrCat(RoleName(role), " ", current->name, " -> ", RoleName(next_role), " ", next->name)
                                : absl::StrCat(current->name, " -> ", next->name);
      Line("Move", r, details, stop, nullptr);
      return;
    }
    if (stop && !stop->optional && current && next) {
      std::string details = need_role ? absl::StrCat(RoleName(role), " -> ", RoleName(next_role), " ", current->name)
                                      : current->name;
      Line("Restart", r, details, start, nullptr);
      return;
    }
    if (role == Role::kPromoted && current) {
      Line("Demote", r, absl::StrCat(RoleName(role), " -> ", RoleName(next_role), " ", current->name), demote, nullptr);
      return;
    }
    if (next_role == Role::kPromoted && next) {
      Line("Promote", r, absl::StrCat(RoleName(role), " -> ", RoleName(next_role), " ", next->name), promote, nullptr);
      return;
    }
    if (role == Role::kStopped && next_role > Role::kStopped && next) {
      std::string details = next_role > Role::kUnpromoted ? absl::StrCat(RoleName(role), " -> ", RoleName(next_role), " ", next->name)
                                                          : next->name;
      Line("Start", r, details, start, nullptr);
    }
  }

  const WorkingSet& ws_;
  std::vector<std::string> lines_;
  int rsc_width_ = 5;
  int detail_width_ = 5;
};

}  // namespace

std::vector<std::string> TransitionSummary(const WorkingSet& ws) {
  SummaryWriter w(ws);
  return w.Run();
}

}  // namespace baton::scheduler
