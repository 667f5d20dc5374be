#include "cli/graph.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"

namespace baton::cli {
namespace {

using scheduler::Action;

std::string Key(const Action* a) {
  if (a->task == "stonith") return absl::StrCat("stonith-", a->node->name, "-", a->fence_action);
  if (a->rsc == nullptr) return a->node ? absl::StrCat(a->task, "-", a->node->name) : a->task;
  if (a->task == "notify" || a->task == "notified") return a->key;  // "rsc_pre_notify_start_0"
  return absl::StrCat(a->rsc->id, "_", a->task, "_", a->interval_ms);
}

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') out += "&quot;";
    else if (c == '<') out += "&lt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string GraphXml(const scheduler::WorkingSet& ws, const std::vector<const Action*>& graph) {
  (void)ws;
  std::map<const Action*, int> index;
  for (const Action* a : graph) index[a] = a->id;
  std::string out = "<transition_graph transition_id=\"0\">\n";
  int synapse = 0;
  for (const Action* a : graph) {
    const char* tag = a->task == "stonith" || (a->rsc == nullptr && !a->pseudo) ? "crm_event"
                      : a->pseudo ? "pseudo_event" : "rsc_op";
    absl::StrAppend(&out, "  <synapse id=\"", synapse++, "\">\n    <action_set>\n      <", tag, " id=\"", a->id,
                    "\" operation=\"", a->task, "\" operation_key=\"", Esc(Key(a)), "\"");
    if (a->node) absl::StrAppend(&out, " on_node=\"", Esc(a->node->name), "\" on_node_uuid=\"", Esc(a->node->id), "\"");
    absl::StrAppend(&out, "/>\n    </action_set>\n    <inputs>\n");
    for (const scheduler::Ordering* o : a->before) {
      if (!index.count(o->first)) continue;
      absl::StrAppend(&out, "      <trigger><action id=\"", o->first->id, "\" operation_key=\"", Esc(Key(o->first)),
                      "\"/></trigger>\n");
    }
    absl::StrAppend(&out, "    </inputs>\n  </synapse>\n");
  }
  out += "</transition_graph>\n";
  return out;
}

std::string GraphDot(const scheduler::WorkingSet& ws, const std::vector<const Action*>& graph) {
  // As crm_simulate draws it: every action in the transition (bold,
  // green; pseudo actions in orange text), newest first, then the edges
  // between them.
  std::set<const Action*> in(graph.begin(), graph.end());
  auto name = [](const Action* a) {
    if (a->task == "stonith") return absl::StrCat("stonith '", a->fence_action, "' ", a->node->name);
    std::string k = Key(a);
    if (a->node && a->rsc) absl::StrAppend(&k, " ", a->node->name);
    else if (a->node) k = absl::StrCat(a->task, " ", a->node->name);
    return k;
  };
  std::string out = " digraph \"g\" {\n";
  for (auto it = ws.actions.rbegin(); it != ws.actions.rend(); ++it) {
    const Action* a = &*it;
    if (!in.count(a)) continue;
    absl::StrAppend(&out, "\"", Esc(name(a)), "\" [ style=bold color=\"green\" fontcolor=\"",
                    a->pseudo ? "orange" : "black", "\"]\n");
  }
  for (auto it = ws.actions.rbegin(); it != ws.actions.rend(); ++it) {
    const Action* a = &*it;
    if (!in.count(a)) continue;
    for (auto o = a->before.rbegin(); o != a->before.rend(); ++o) {
      if (!in.count((*o)->first)) continue;
      absl::StrAppend(&out, "\"", Esc(name((*o)->first)), "\" -> \"", Esc(name(a)), "\" [ style = bold]\n");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace baton::cli
