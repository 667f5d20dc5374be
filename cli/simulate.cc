// crm_simulate-compatible front end to the scheduler (see simulate.h).
#include "cli/simulate.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/graph.h"
#include "cli/status_text.h"
#include "crmd/scheduler/scheduler.h"
#include "lib/cib/cib_xml.h"

namespace baton::cli {
namespace {

using scheduler::Action;
using scheduler::Resource;
using scheduler::WorkingSet;

struct Options {
  std::string xml_file;
  bool simulate = false;
  bool run = false;
  bool show_scores = false;
  bool quiet = false;
  bool live = false;
  std::string save_output;
  std::string save_graph;
  std::string save_dot;
  std::string datetime;
  std::vector<std::string> node_up, node_down, node_fail, op_inject, op_fail;
};

const char kUsage[] =
    "usage: crm simulate -x FILE [-S|-R] [-s] [-Q] [-u NODE] [-d NODE] [-f NODE]\n"
    "                    [-i OP] [-F OP] [-t DATETIME] [-O FILE] [-G FILE] [-D FILE]\n";

// Parses crm_simulate's options. Returns an error message, or "".
std::string ParseArgs(const std::vector<std::string>& args, Options* o) {
  struct Spec {
    char short_name;
    const char* long_name;
    bool has_arg;
  };
  static const Spec kSpecs[] = {
      {'x', "xml-file", true},  {'S', "simulate", false},  {'R', "run", false},
      {'s', "show-scores", false}, {'Q', "quiet", false},   {'L', "live-check", false},
      {'O', "save-output", true}, {'G', "save-graph", true}, {'D', "save-dotfile", true},
      {'t', "set-datetime", true}, {'u', "node-up", true},  {'d', "node-down", true},
      {'f', "node-fail", true},  {'i', "op-inject", true},   {'F', "op-fail", true},
  };
  auto apply = [&](char c, const std::string& v) {
    switch (c) {
      case 'x': o->xml_file = v; break;
      case 'S': o->simulate = true; break;
      case 'R': o->run = true; break;
      case 's': o->show_scores = true; break;
      case 'Q': o->quiet = true; break;
      case 'L': o->live = true; break;
      case 'O': o->save_output = v; break;
      case 'G': o->save_graph = v; break;
      case 'D': o->save_dot = v; break;
      case 't': o->datetime = v; break;
      case 'u': o->node_up.push_back(v); break;
      case 'd': o->node_down.push_back(v); break;
      case 'f': o->node_fail.push_back(v); break;
      case 'i': o->op_inject.push_back(v); break;
      case 'F': o->op_fail.push_back(v); break;
    }
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (absl::StartsWith(a, "--")) {
      std::string name = a.substr(2), value;
      bool have_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        have_value = true;
      }
      const Spec* spec = nullptr;
      for (const auto& s : kSpecs) {
        if (name == s.long_name) spec = &s;
      }
      if (spec == nullptr) return absl::StrCat("unknown option '", a, "'");
      if (spec->has_arg && !have_value) {
        if (i + 1 >= args.size()) return absl::StrCat("option '", a, "' needs a value");
        value = args[++i];
      }
      apply(spec->short_name, value);
      continue;
    }
    if (a.size() < 2 || a[0] != '-') return absl::StrCat("unexpected argument '", a, "'");
    for (size_t j = 1; j < a.size(); ++j) {
      const Spec* spec = nullptr;
      for (const auto& s : kSpecs) {
        if (a[j] == s.short_name) spec = &s;
      }
      if (spec == nullptr) return absl::StrCat("unknown option '-", std::string(1, a[j]), "'");
      if (spec->has_arg) {
        std::string value = a.substr(j + 1);
        if (value.empty()) {
          if (i + 1 >= args.size()) return absl::StrCat("option '-", std::string(1, a[j]), "' needs a value");
          value = args[++i];
        }
        apply(spec->short_name, value);
        break;
      }
      apply(spec->short_name, "");
    }
  }
  return "";
}

std::string FormatDate(long long t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

void PrintStatus(const WorkingSet& ws, std::ostream& out) {
  out << "  * Node List:\n";
  for (const auto& l : NodeListLines(ws, 4)) out << l << "\n";
  out << "\n  * Full List of Resources:\n";
  auto lines = ResourceLines(ws, 4, true);
  if (lines.empty()) out << "    * No resources\n";
  for (const auto& l : lines) out << l << "\n";
}

// --- CIB modifications ------------------------------------------------------

cib::NodeState* NodeStateFor(cib::Cib* c, const std::string& name) {
  std::string id = name;
  for (const auto& n : c->configuration.nodes) {
    if (n.uname == name) id = n.id;
  }
  for (auto& ns : c->status) {
    if (ns.id == id) return &ns;
  }
  cib::NodeState ns;
  ns.id = id;
  ns.attrs["uname"] = name;
  c->status.push_back(ns);
  return &c->status.back();
}

void SetNodeOnline(cib::Cib* c, const std::string& name, bool up) {
  cib::NodeState* ns = NodeStateFor(c, name);
  ns->attrs["in_ccm"] = up ? "true" : "false";
  ns->attrs["crmd"] = up ? "online" : "offline";
  ns->attrs["join"] = up ? "member" : "down";
  ns->attrs["expected"] = up ? "member" : "down";
}

// A node's transient attribute ("" when unset), and setting one.
std::string GetTransient(const cib::NodeState* ns, const std::string& name) {
  for (const auto& set : ns->transient) {
    for (const auto& p : set.pairs) {
      if (p.name == name) return p.value.value_or("");
    }
  }
  return "";
}

void SetTransient(cib::NodeState* ns, const std::string& name, const std::string& value) {
  if (ns->transient.empty()) ns->transient.push_back(cib::NvSet{absl::StrCat("status-", ns->id), {}, {}, {}});
  for (auto& p : ns->transient[0].pairs) {
    if (p.name == name) {
      p.value = value;
      return;
    }
  }
  ns->transient[0].pairs.push_back(cib::NvPair{absl::StrCat("status-", ns->id, "-", name), name, value});
}

int NextCallId(const cib::Cib& c) {
  int max = 0;
  for (const auto& ns : c.status) {
    for (const auto& h : ns.resources) {
      for (const auto& op : h.ops) max = std::max(max, std::atoi(cib::Get(op.attrs, "call-id", "0").c_str()));
    }
  }
  return max + 1;
}

// Records an operation result in a node's history, as the executor would.
void RecordOp(cib::Cib* c, const std::string& node, const std::string& rsc_id, const Resource* rsc,
              const std::string& task, long long interval, int rc, int target_rc) {
  cib::NodeState* ns = NodeStateFor(c, node);
  ns->has_lrm = true;
  cib::ResourceHistory* h = nullptr;
  for (auto& x : ns->resources) {
    if (x.id == rsc_id) h = &x;
  }
  if (h == nullptr) {
    cib::ResourceHistory nh;
    nh.id = rsc_id;
    if (rsc) {
      nh.attrs["class"] = rsc->cls;
      if (!rsc->provider.empty()) nh.attrs["provider"] = rsc->provider;
      nh.attrs["type"] = rsc->type;
    }
    ns->resources.push_back(nh);
    h = &ns->resources.back();
  }
  std::string op_task = task == "reload" ? "start" : task;
  bool failed = rc != target_rc;
  std::string id = interval > 0 ? absl::StrCat(rsc_id, "_", op_task, "_", interval) : absl::StrCat(rsc_id, "_last_0");
  auto put = [&](const std::string& op_id) {
    cib::OpRecord* rec = nullptr;
    for (auto& r : h->ops) {
      if (r.id == op_id) rec = &r;
    }
    if (rec == nullptr) {
      h->ops.push_back(cib::OpRecord{op_id, {}});
      rec = &h->ops.back();
    }
    int call = NextCallId(*c);
    rec->attrs = {{"operation", op_task},
                  {"operation_key", absl::StrCat(rsc_id, "_", op_task, "_", interval)},
                  {"call-id", std::to_string(call)},
                  {"rc-code", std::to_string(rc)},
                  {"op-status", rc == target_rc || rc == 7 || rc == 8 || rc == 0 ? "0" : "4"},
                  {"interval", std::to_string(interval)},
                  {"transition-key", absl::StrCat("0:0:", target_rc, ":xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")},
                  {"on_node", node}};
    if (failed) rec->attrs["op-status"] = "0";
  };
  if (failed) put(absl::StrCat(rsc_id, "_last_failure_0"));
  if (!failed || interval == 0) put(id);
}

absl::Status InjectOp(cib::Cib* c, const std::string& spec, std::ostream& out) {
  // rsc_task_interval@node=rc
  auto at = spec.rfind('@');
  auto eq = spec.rfind('=');
  if (at == std::string::npos || eq == std::string::npos || eq < at) {
    return absl::InvalidArgumentError(absl::StrCat("invalid operation spec '", spec,
                                                   "': expected RSC_OP_INTERVAL@NODE=RC"));
  }
  std::string key = spec.substr(0, at);
  std::string node = spec.substr(at + 1, eq - at - 1);
  int rc = 0;
  if (!absl::SimpleAtoi(spec.substr(eq + 1), &rc)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid rc in '", spec, "'"));
  }
  std::vector<std::string> parts = absl::StrSplit(key, '_');
  if (parts.size() < 3) return absl::InvalidArgumentError(absl::StrCat("invalid operation key '", key, "'"));
  long long interval = 0;
  if (!absl::SimpleAtoi(parts.back(), &interval)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid interval in '", key, "'"));
  }
  std::string task = parts[parts.size() - 2];
  size_t cut = key.size() - parts.back().size() - task.size() - 2;
  std::string rsc = key.substr(0, cut);
  out << "  * Injecting " << key << "@" << node << "=" << rc << " into the configuration\n";
  int target = task == "monitor" && interval == 0 ? 7 : 0;
  RecordOp(c, node, rsc, nullptr, task, interval, rc, rc == 0 || rc == 7 ? rc : target);
  if (rc != 0 && rc != 7) {
    cib::NodeState* ns = NodeStateFor(c, node);
    std::string fc = absl::StrCat("fail-count-", rsc, "#", task, "_", interval);
    SetTransient(ns, fc, std::to_string(std::atoi(GetTransient(ns, fc).c_str()) + 1));
  }
  return absl::OkStatus();
}

// --- simulated execution ----------------------------------------------------

std::string HistoryName(const WorkingSet& ws, const Resource* r, const scheduler::Node* node) {
  (void)ws;
  if (r->parent == nullptr) return r->id;
  // On a node with several entries for the instance, the one active there.
  for (const auto& h : r->history) {
    if (h.node == node && !h.history_id.empty() && h.role > scheduler::Role::kStopped) return h.history_id;
  }
  for (const auto& h : r->history) {
    if (h.node == node && !h.history_id.empty()) return h.history_id;
  }
  for (const auto& h : r->history) {
    if (!h.history_id.empty() && h.history_id != r->id && !absl::StrContains(h.history_id, ":")) {
      return h.history_id;
    }
  }
  return r->id;
}

// A pseudo-action's operation key as the graph has it: an instance known
// by another name in its history (an anonymous clone's "rsc" for "rsc:0")
// goes by that name, and its notifications by type and operation
// ("rsc_post_notify_stop_0", "rsc_notified_0").
std::string PseudoKey(const WorkingSet& ws, const Action* a) {
  std::string name = a->rsc->parent ? HistoryName(ws, a->rsc, a->node) : a->rsc->id;
  if (name == a->rsc->id) return a->key;
  if (a->task == "notify" && a->notify.count("notify_type") && a->notify.count("notify_operation")) {
    return absl::StrCat(name, "_", a->notify.at("notify_type"), "_notify_", a->notify.at("notify_operation"), "_0");
  }
  return absl::StrCat(name, "_", a->task, "_0");
}

std::string ActionLine(const WorkingSet& ws, const Action* a) {
  if (a->task == "stonith") return absl::StrCat("  * Fencing ", a->node->name, " (", a->fence_action, ")");
  if (a->rsc == nullptr) {
    if (a->pseudo) return absl::StrCat("  * Pseudo action:   ", a->task);
    return absl::StrCat("  * Cluster action:  ", a->task, " on ", a->node ? a->node->name : "");
  }
  if (a->pseudo) return absl::StrCat("  * Pseudo action:   ", PseudoKey(ws, a));
  std::string name = HistoryName(ws, a->rsc, a->node);
  std::string op = a->task == "cancel" ? "cancel" : a->task;
  if (a->interval_ms > 0) absl::StrAppend(&op, "=", a->interval_ms);
  return absl::StrFormat("  * Resource action: %-15s %s on %s", name, op, a->node ? a->node->name : "");
}

// -F/--op-fail RSC_TASK_INTERVAL@NODE=RC: parsed, for Execute().
struct OpFail {
  std::string key;  // rsc_task_interval
  std::string node;
  int rc = 0;
};

absl::StatusOr<OpFail> ParseOpFail(const std::string& spec) {
  auto at = spec.rfind('@');
  auto eq = spec.rfind('=');
  OpFail f;
  if (at == std::string::npos || eq == std::string::npos || eq < at || at == 0 ||
      !absl::SimpleAtoi(spec.substr(eq + 1), &f.rc)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --op-fail '", spec, "': expected RSC_OP_INTERVAL@NODE=RC"));
  }
  f.key = spec.substr(0, at);
  f.node = spec.substr(at + 1, eq - at - 1);
  return f;
}

void InjectFailCount(cib::Cib* c, const std::string& node, const std::string& rsc, const std::string& task,
                     long long interval, long long now, std::ostream& out) {
  cib::NodeState* ns = NodeStateFor(c, node);
  std::string suffix = absl::StrCat(rsc, "#", task, "_", interval);
  int count = std::atoi(GetTransient(ns, "fail-count-" + suffix).c_str());
  SetTransient(ns, "fail-count-" + suffix, std::to_string(count + 1));
  SetTransient(ns, "last-failure-" + suffix, std::to_string(now));
  out << "  * Injecting attribute fail-count-" << suffix << "=value++ into /node_state '" << ns->id << "'\n";
  out << "  * Injecting attribute last-failure-" << suffix << "=" << now << " into /node_state '" << ns->id
      << "'\n";
}

void Execute(const WorkingSet& ws, const std::vector<const Action*>& graph, const std::vector<OpFail>& fails,
             long long now, std::ostream& out, cib::Cib* revised) {
  std::set<const Action*> in_graph(graph.begin(), graph.end());
  std::set<const Action*> done;
  bool aborted = false;  // after an injected failure only pseudo actions run
  bool progress = true;
  while (progress) {
    progress = false;
    for (const Action* a : graph) {
      if (done.count(a)) continue;
      bool ready = true;
      for (const scheduler::Ordering* o : a->before) {
        if (!in_graph.count(o->first)) continue;
        if (!done.count(o->first)) {
          ready = false;
          break;
        }
      }
      if (!ready) continue;
      if (aborted && !a->pseudo) continue;
      done.insert(a);
      progress = true;
      out << ActionLine(ws, a) << "\n";
      // Apply the expected result to the revised CIB.
      if (a->task == "stonith") {
        if (a->fence_action != "on") {
          cib::NodeState* ns = NodeStateFor(revised, a->node->name);
          ns->attrs["in_ccm"] = "false";
          ns->attrs["crmd"] = "offline";
          ns->attrs["join"] = "down";
          ns->attrs["expected"] = "down";
          ns->resources.clear();
          ns->has_lrm = false;
          ns->transient.clear();
        }
      } else if (a->rsc && !a->pseudo && a->node && a->task != "cancel" && a->task != "notify") {
        // (Notifications leave no history that the scheduler reads.)
        int target = 0;
        auto it = a->extra.find("target_rc");
        if (it != a->extra.end()) target = std::atoi(it->second.c_str());
        if (a->task == "stop") target = 0;
        std::string name = HistoryName(ws, a->rsc, a->node);
        int rc = target;
        std::string key = absl::StrCat(a->rsc->id, "_", a->task, "_", a->interval_ms);
        std::string name_key = absl::StrCat(name, "_", a->task, "_", a->interval_ms);
        for (const OpFail& f : fails) {
          if ((f.key == key || f.key == name_key) && f.node == a->node->name) rc = f.rc;
        }
        RecordOp(revised, a->node->name, name, a->rsc, a->task, a->interval_ms, rc, target);
        if (rc != target) {
          out << "Pretending action " << a->id << " failed with rc=" << rc << "\n";
          InjectFailCount(revised, a->node->name, name, a->task, a->interval_ms, now, out);
          aborted = true;
        }
      }
    }
  }
}

// Synapse order: per top resource its actions newest first (clones: children
// first), then everything else newest first.
std::vector<const Action*> GraphOrder(const WorkingSet& ws) {
  std::vector<const Action*> out;
  std::set<const Action*> seen;
  std::map<const Resource*, std::vector<const Action*>> by_rsc;
  for (const Action& a : ws.actions) {
    if (a.rsc) by_rsc[a.rsc].push_back(&a);
  }
  auto add = [&](const Action* a) {
    if (seen.count(a) || !scheduler::InGraph(*a)) return;
    seen.insert(a);
    out.push_back(a);
  };
  std::function<void(const Resource*)> visit = [&](const Resource* r) {
    auto own = [&]() {
      auto& v = by_rsc[r];
      for (auto it = v.rbegin(); it != v.rend(); ++it) add(*it);
    };
    if (r->IsClone()) {
      for (const Resource* c : r->children) visit(c);
      own();
    } else {
      own();
      for (const Resource* c : r->children) visit(c);
    }
  };
  for (const Resource* r : ws.resources) visit(r);
  for (auto it = ws.actions.rbegin(); it != ws.actions.rend(); ++it) add(&*it);
  return out;
}

void ShowScores(const WorkingSet& ws, std::ostream& out) {
  scheduler::ForEachResource(ws.resources, [&](const Resource* r) {
    if (!r->IsPrimitive()) return;
    std::vector<std::pair<const scheduler::Node*, int>> v(r->scores.begin(), r->scores.end());
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first->name < b.first->name; });
    for (const auto& [n, s] : v) {
      out << "pcmk__primitive_assign: " << r->id << " allocation score on " << n->name << ": "
          << scheduler::ScoreToString(s) << "\n";
    }
  });
}

bool WriteFile(const std::string& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path);
  f << text;
  if (!f) {
    err << "crm simulate: cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

int RunSimulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options o;
  if (std::string e = ParseArgs(args, &o); !e.empty()) {
    err << "crm simulate: " << e << "\n" << kUsage;
    return 2;
  }
  if (o.live) {
    err << "crm simulate: --live-check needs a running cluster, which this build does not have yet\n";
    return 2;
  }
  if (o.xml_file.empty()) {
    err << "crm simulate: no input: give --xml-file FILE\n" << kUsage;
    return 2;
  }
  auto parsed = cib::ReadCibFile(o.xml_file);
  if (!parsed.ok()) {
    err << "crm simulate: " << parsed.status().message() << "\n";
    return 1;
  }
  cib::Cib input = *std::move(parsed);
  if (auto st = cib::Validate(input); !st.ok()) {
    err << "crm simulate: " << o.xml_file << ": " << st.message() << "\n";
    return 1;
  }
  long long now = static_cast<long long>(time(nullptr));
  if (!o.datetime.empty()) {
    auto t = scheduler::ParseIsoDateTime(o.datetime);
    if (!t) {
      err << "crm simulate: invalid --set-datetime '" << o.datetime << "'\n";
      return 2;
    }
    now = *t;
    input.attrs.erase("execution-date");
  }
  if (!o.simulate && !o.run && o.save_output.empty() && o.save_graph.empty() && o.save_dot.empty() &&
      !o.show_scores) {
    o.run = true;
  }
  std::string exec_date;
  if (auto it = input.attrs.find("execution-date"); it != input.attrs.end()) {
    long long t = 0;
    if (absl::SimpleAtoi(it->second, &t)) exec_date = FormatDate(t);
  }
  if (!o.datetime.empty()) out << "Setting effective cluster time: " << o.datetime << "\n";
  if (!exec_date.empty()) out << "Using the original execution date of: " << exec_date << "\n";

  auto current = scheduler::Schedule(input, now);
  if (!current.ok()) {
    err << "crm simulate: " << current.status().message() << "\n";
    return 1;
  }
  bool modified = !(o.node_up.empty() && o.node_down.empty() && o.node_fail.empty() && o.op_inject.empty());
  if (!o.quiet) {
    const WorkingSet& ws = **current;
    if (ws.options.maintenance_mode) {
      out << "\n              *** Resource management is DISABLED ***\n"
          << "  The cluster will not attempt to start, stop or recover services\n\n";
    } else if (ws.options.stop_all_resources) {
      out << "\n    *** Resource management is DISABLED ***\n"
          << "  The cluster will keep all resources stopped\n\n";
    }
    if (std::string l = DisabledBlockedLine(ws); !l.empty()) out << l << "\n\n";
    out << "Current cluster status:\n";
    PrintStatus(ws, out);
    out << "\n";
  }
  cib::Cib working = input;
  if (modified) {
    out << "Performing Requested Modifications:\n";
    for (const auto& n : o.node_up) {
      out << "  * Bringing node " << n << " online\n";
      SetNodeOnline(&working, n, true);
    }
    for (const auto& n : o.node_down) {
      out << "  * Taking node " << n << " offline\n";
      SetNodeOnline(&working, n, false);
    }
    for (const auto& n : o.node_fail) {
      out << "  * Failing node " << n << "\n";
      cib::NodeState* ns = NodeStateFor(&working, n);
      ns->attrs["in_ccm"] = "false";
    }
    for (const auto& spec : o.op_inject) {
      if (auto st = InjectOp(&working, spec, out); !st.ok()) {
        err << "crm simulate: " << st.message() << "\n";
        return 2;
      }
    }
    out << "\n";
  }
  auto ws_or = modified ? scheduler::Schedule(working, now) : std::move(current);
  if (!ws_or.ok()) {
    err << "crm simulate: " << ws_or.status().message() << "\n";
    return 1;
  }
  const WorkingSet& ws = **ws_or;
  if (o.show_scores) ShowScores(ws, out);
  if (o.run || o.simulate) {
    out << "Transition Summary:\n";
    for (const auto& l : scheduler::TransitionSummary(ws)) out << l << "\n";
  }
  std::vector<const Action*> graph = GraphOrder(ws);
  if (!o.save_graph.empty() && !WriteFile(o.save_graph, GraphXml(ws, graph), err)) return 1;
  if (!o.save_dot.empty() && !WriteFile(o.save_dot, GraphDot(ws, graph), err)) return 1;
  std::vector<OpFail> fails;
  for (const auto& spec : o.op_fail) {
    auto f = ParseOpFail(spec);
    if (!f.ok()) {
      err << "crm simulate: " << f.status().message() << "\n";
      return 2;
    }
    fails.push_back(*f);
  }
  cib::Cib revised = working;
  if (o.simulate || !o.save_output.empty()) {
    std::ostringstream exec;
    Execute(ws, graph, fails, now, exec, &revised);
    if (o.simulate) {
      out << "\nExecuting Cluster Transition:\n" << exec.str();
      if (!exec_date.empty()) out << "Using the original execution date of: " << exec_date << "\n";
      auto after = scheduler::Schedule(revised, now);
      if (!after.ok()) {
        err << "crm simulate: " << after.status().message() << "\n";
        return 1;
      }
      if (!o.quiet) {
        out << "\nRevised Cluster Status:\n";
        PrintStatus(**after, out);
      }
    }
  }
  if (!o.save_output.empty() && !WriteFile(o.save_output, cib::WriteCibXml(revised), err)) return 1;
  return 0;
}

}  // namespace baton::cli
