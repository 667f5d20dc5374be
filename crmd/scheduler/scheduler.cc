#include "crmd/scheduler/scheduler.h"

#include <sstream>

#include "crmd/scheduler/actions.h"
#include "crmd/scheduler/assign.h"
#include "crmd/scheduler/constraints.h"
#include "crmd/scheduler/digest.h"
#include "crmd/scheduler/rules.h"
#include "crmd/scheduler/unpack.h"

namespace baton::scheduler {

namespace {

// The instance attributes configured on the <op> for task/interval.
std::map<std::string, std::string> OpParams(const Resource* r, const std::string& task, long long interval) {
  std::map<std::string, std::string> out;
  for (const cib::Operation* op : r->ops) {
    if (op->name != task || ParseIntervalMs(op->interval).value_or(-1) != interval) continue;
    for (const auto& set : op->instance) {
      for (const auto& p : set.pairs) {
        if (p.value && !out.count(p.name)) out[p.name] = *p.value;
      }
    }
  }
  return out;
}

// An operation's timeout in milliseconds: its own, op_defaults', or 20s.
long long OpTimeoutMs(const WorkingSet& ws, const Resource* r, const cib::Operation* op) {
  std::string t = op ? cib::Get(op->attrs, "timeout") : "";
  if (t.empty() && op) {
    for (const auto& set : op->meta) {
      for (const auto& p : set.pairs) {
        if (p.name == "timeout" && p.value) t = *p.value;
      }
    }
  }
  if (t.empty()) {
    std::map<std::string, std::string> defaults;
    RuleContext ctx;
    ctx.now = ws.now;
    ctx.rsc_class = r->cls;
    ctx.rsc_provider = r->provider;
    ctx.rsc_type = r->type;
    if (op) {
      ctx.op_name = op->name;
      ctx.op_interval_ms = ParseIntervalMs(op->interval).value_or(0);
    }
    UnpackNvSets(ws.cib().configuration.op_defaults, ctx, &defaults);
    t = cib::Get(defaults, "timeout");
  }
  return ParseIntervalMs(t).value_or(20000);
}

// Compares the recorded digests of a resource's active operations with its
// configuration (pcmk__check_action_config, for non-recurring operations).
void CheckDigests(WorkingSet* ws) {
  ForEachResource(ws->resources, [&](Resource* r) {
    if (!r->IsPrimitive() || r->orphan) return;
    for (const NodeHistory& h : r->history) {
      if (h.role <= Role::kStopped || !h.node->online) continue;
      // Active operations: from the last start, or the last probe that
      // found it running (calculate_active_ops).
      int start = -1;
      for (size_t i = 0; i < h.ops.size(); ++i) {
        const OpEntry& op = h.ops[i];
        bool started = (op.task == "start" || op.task == "migrate_from") && op.status == 0;
        bool found = op.task == "monitor" && op.interval_ms == 0 && (op.rc == 0 || op.rc == 8);
        if (started || found) start = static_cast<int>(i);
      }
      if (start < 0) continue;
      for (size_t i = start; i < h.ops.size(); ++i) {
        const OpEntry& op = h.ops[i];
        if (op.op_digest.empty()) continue;
        bool recurring = op.interval_ms > 0;
        if (!recurring && op.task != "start" && op.task != "promote" && op.task != "migrate_from" &&
            op.task != "monitor") {
          continue;
        }
        const cib::Operation* config = nullptr;
        for (const cib::Operation* c : r->ops) {
          if (c->name == op.task && ParseIntervalMs(c->interval).value_or(-1) == op.interval_ms) config = c;
        }
        if (recurring && config == nullptr) continue;  // no longer configured: cancelled, not compared
        std::map<std::string, std::string> extra = OpParams(r, op.task, op.interval_ms);
        std::map<std::string, std::string> params = r->params;
        for (const auto& [k, v] : extra) params[k] = v;
        if (recurring) params["CRM_meta_timeout"] = std::to_string(OpTimeoutMs(*ws, r, config));
        if (ParametersDigest(params) == op.op_digest) continue;
        if (recurring) {
          // A recurring monitor with new parameters is just rescheduled.
          r->reschedule.insert({h.node, op.interval_ms});
          continue;
        }
        bool restart = !extra.empty() || op.restart_digest.empty();
        if (!restart) {
          std::string force = op.record ? cib::Get(op.record->attrs, "op-force-restart") : "";
          std::map<std::string, std::string> subset;
          std::string word;
          std::istringstream in(force);
          while (in >> word) {
            auto it = params.find(word);
            if (it != params.end()) subset[word] = it->second;
          }
          restart = ParametersDigest(subset) != op.restart_digest;
        }
        if (restart) r->definition_changed.insert(h.node);
        else r->reload = true;
      }
    }
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkingSet>> Schedule(const cib::Cib& cib, long long now) {
  auto ws = std::make_unique<WorkingSet>(cib);
  if (auto st = Unpack(ws.get(), now); !st.ok()) return st;
  CheckDigests(ws.get());
  UnpackConstraints(ws.get());
  ApplyNodeCriteria(ws.get());
  AssignResources(ws.get());
  CreateActions(ws.get());
  return ws;
}

bool InGraph(const Action& a) {
  if (!a.runnable) return false;
  if (a.optional && !a.extra.count("print_always")) return false;
  if (a.pseudo || a.task == "stonith" || a.task == "do_shutdown") return true;
  if (a.rsc && !a.rsc->managed && a.task != "monitor" && a.task != "cancel") return false;
  if (a.node == nullptr) return false;
  return a.node->online && !a.node->unclean;
}

}  // namespace baton::scheduler
