#include "crmd/transition/status_table.h"

#include "absl/strings/str_cat.h"

namespace baton::transition {
namespace {

// The results the scheduler judges as failures of `r` (unexpected rc, or
// an execution status other than done).
bool Failed(const OpResultRecord& r) {
  if (r.op_status != 0) return true;
  if (r.rc == r.target_rc) return false;
  // A probe may find the resource in any state; only errors fail it.
  if (r.task == "monitor" && r.interval_ms == 0) return !(r.rc == 0 || r.rc == 7 || r.rc == 8);
  return true;
}

}  // namespace

void StatusTable::Record(const OpResultRecord& r) {
  // Notifications say nothing about the resource's state: never recorded.
  if (r.task == "notify") return;
  auto& ops = history_[r.node][r.rsc];
  std::string base = r.interval_ms > 0 ? absl::StrCat(r.rsc, "_", r.task, "_", r.interval_ms)
                                       : absl::StrCat(r.rsc, "_last_0");
  if (r.task == "cancel") {
    ops.erase(absl::StrCat(r.rsc, "_monitor_", r.interval_ms));
    return;
  }
  if (r.op_status == -1) {  // in flight (Pacemaker's record-pending): the result replaces it
    ops[base] = r;
    return;
  }
  if (Failed(r)) ops[absl::StrCat(r.rsc, "_last_failure_0")] = r;
  if (!Failed(r) || r.interval_ms == 0) ops[base] = r;
  // A stop ends every recurring monitor of the resource there.
  if (r.task == "stop" && !Failed(r)) {
    std::string failure = absl::StrCat(r.rsc, "_last_failure_0");
    for (auto it = ops.begin(); it != ops.end();) {
      if (it->second.interval_ms > 0 && it->first != failure) it = ops.erase(it);
      else ++it;
    }
  }
}

void StatusTable::ReplaceNode(const std::string& node, const std::vector<OpResultRecord>& records) {
  history_.erase(node);
  for (const auto& r : records) Record(r);
}

void StatusTable::Fenced(const std::string& node, uint64_t since) {
  history_.erase(node);
  life_[node] = {NodeLife::kDown, since};
}

void StatusTable::Forget(const std::string& node, const std::string& rsc) {
  auto it = history_.find(node);
  if (it != history_.end()) it->second.erase(rsc);
}

void StatusTable::SetLife(const std::string& node, NodeLife life, uint64_t since) { life_[node] = {life, since}; }

NodeLife StatusTable::Life(const std::string& node) const {
  auto it = life_.find(node);
  return it == life_.end() ? NodeLife::kUnseen : it->second.life;
}

std::vector<StatusTable::KnownLife> StatusTable::Lives() const {
  std::vector<KnownLife> out;
  for (const auto& [node, e] : life_) out.push_back({node, e.life, e.since});
  return out;
}

void StatusTable::MergeLife(const KnownLife& theirs) {
  NodeLife life = theirs.life == NodeLife::kMember ? NodeLife::kLost : theirs.life;
  if (life == NodeLife::kUnseen) return;
  LifeEntry& mine = life_[theirs.node];
  bool newer = mine.life == NodeLife::kUnseen || theirs.since > mine.since ||
               (theirs.since == mine.since && life == NodeLife::kLost);
  if (!newer) return;
  if (life == NodeLife::kLost && mine.life == NodeLife::kDown && theirs.since == mine.since) {
    // Same view, different conclusions: stay on the safe side.
    mine.life = NodeLife::kLost;
    return;
  }
  mine = {life, theirs.since};
  if (life == NodeLife::kDown) history_.erase(theirs.node);
}

bool StatusTable::AnyActive(const std::string& node) const {
  auto it = history_.find(node);
  if (it == history_.end()) return false;
  for (const auto& [rsc, ops] : it->second) {
    auto last = ops.find(rsc + "_last_0");
    if (last == ops.end()) continue;
    const OpResultRecord& r = last->second;
    if (r.op_status == -1) return true;  // something is being done to it there
    if (r.task == "stop" && r.op_status == 0 && r.rc == 0) continue;
    if (r.task == "monitor" && r.rc == 7) continue;
    if ((r.task == "start" || r.task == "promote" || r.task == "demote" || r.task == "monitor" ||
         r.task == "migrate_from") && r.op_status == 0 && (r.rc == 0 || r.rc == 8)) {
      return true;
    }
    if (r.op_status != 0 || r.rc != r.target_rc) return true;  // unknown state: treat as active
  }
  return false;
}

std::vector<OpResultRecord> StatusTable::Records(const std::string& node) const {
  std::vector<OpResultRecord> out;
  auto it = history_.find(node);
  if (it == history_.end()) return out;
  for (const auto& [rsc, ops] : it->second) {
    for (const auto& [id, r] : ops) out.push_back(r);
  }
  return out;
}

std::vector<cib::NodeState> StatusTable::Build(
    const std::vector<std::pair<std::string, std::string>>& nodes,
    const std::map<std::string, std::map<std::string, std::string>>& transient) const {
  std::vector<cib::NodeState> out;
  for (const auto& [id, name] : nodes) {
    NodeLife life = Life(name);
    if (life == NodeLife::kUnseen) continue;
    cib::NodeState st;
    st.id = id;
    st.attrs["uname"] = name;
    bool member = life == NodeLife::kMember;
    st.attrs["in_ccm"] = member ? "true" : "false";
    st.attrs["crmd"] = member ? "online" : "offline";
    st.attrs["join"] = life == NodeLife::kDown ? "down" : "member";
    st.attrs["expected"] = life == NodeLife::kDown ? "down" : "member";
    if (auto t = transient.find(name); t != transient.end() && !t->second.empty()) {
      cib::NvSet set;
      set.id = "status-" + id;
      for (const auto& [k, v] : t->second) set.pairs.push_back({"status-" + id + "-" + k, k, v});
      st.transient.push_back(std::move(set));
    }
    auto h = history_.find(name);
    st.has_lrm = true;
    if (h != history_.end()) {
      for (const auto& [rsc, ops] : h->second) {
        if (ops.empty()) continue;
        cib::ResourceHistory rh;
        rh.id = rsc;
        const OpResultRecord& any = ops.begin()->second;
        rh.attrs["class"] = any.rsc_class;
        if (!any.provider.empty()) rh.attrs["provider"] = any.provider;
        rh.attrs["type"] = any.type;
        for (const auto& [op_id, r] : ops) {
          cib::OpRecord rec;
          rec.id = op_id;
          rec.attrs = {{"operation_key", absl::StrCat(r.rsc, "_", r.task, "_", r.interval_ms)},
                       {"operation", r.task},
                       {"crm-debug-origin", "baton"},
                       {"crm_feature_set", "3.16.1"},
                       {"transition-key", r.transition_key},
                       {"transition-magic", absl::StrCat(r.op_status, ":", r.rc, ";", r.transition_key)},
                       {"call-id", std::to_string(r.call_id)},
                       {"rc-code", std::to_string(r.rc)},
                       {"op-status", std::to_string(r.op_status)},
                       {"interval", std::to_string(r.interval_ms)},
                       {"last-rc-change", std::to_string(r.last_rc_change_s)},
                       {"last-run", std::to_string(r.last_run_s)},
                       {"exec-time", std::to_string(r.exec_ms)},
                       {"queue-time", std::to_string(r.queue_ms)},
                       {"op-digest", r.op_digest},
                       {"on_node", name}};
          if (!r.exit_reason.empty()) rec.attrs["exit-reason"] = r.exit_reason;
          rh.ops.push_back(std::move(rec));
        }
        st.resources.push_back(std::move(rh));
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace baton::transition
