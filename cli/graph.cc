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
  return absl::StrCat(a->rsc->id, "_", a->task, "_", a->interval_ms);
}

std::string Label(const Action* a) {
  std::string k = Key(a);
  if (a->node && a->task != "stonith" && a->rsc) absl::StrAppend(&k, " ", a->node->name);
  return k;
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
  std::set<const Action*> in(graph.begin(), graph.end());
  std::string out = " digraph \"g\" {\n";
  for (const Action& a : ws.actions) {
    if (a.optional && !in.count(&a)) continue;
    const char* color = in.count(&a) ? (a.pseudo ? "orange" : "green") : "red";
    const char* style = a.pseudo ? "bold" : (in.count(&a) ? "bold" : "dashed");
    absl::StrAppend(&out, "\"", Esc(Label(&a)), "\" [ style=", style, " color=\"", color, "\" fontcolor=\"",
                    in.count(&a) ? "black" : "red", "\"]\n");
  }
  for (const Action& a : ws.actions) {
    if (a.optional && !in.count(&a)) continue;
    for (const scheduler::Ordering* o : a.before) {
      if (o->first->optional && !in.count(o->first)) continue;
      absl::StrAppend(&out, "\"", Esc(Label(o->first)), "\" -> \"", Esc(Label(&a)), "\" [ style = bold]\n");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace baton::cli
