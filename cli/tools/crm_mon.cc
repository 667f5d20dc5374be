// crm_mon: the cluster status as Pacemaker's crm_mon prints it, in text
// (with the failed actions), one-line simple status, or XML.
#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/status_text.h"
#include "cli/tools/internal.h"
#include "crmd/executor/executor.h"
#include "crmd/scheduler/scheduler.h"
#include "pugixml.hpp"

namespace baton::cli::tools {
namespace {

using scheduler::Resource;
using scheduler::WorkingSet;

std::string Bool(bool b) { return b ? "true" : "false"; }

void XmlResource(pugi::xml_node parent, const Resource* r, const WorkingSet& ws, bool inactive);

// The id crm_mon prints: an instance of an anonymous clone goes by its
// configured id ("pgsqld", not "pgsqld:1"), as agents that read crm_mon's
// XML (resource-agents' pgsql) expect.
const std::string& PrintableId(const Resource* r) {
  for (const Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone()) return p->unique ? r->id : r->base_id;
  }
  return r->id;
}

void XmlPrimitive(pugi::xml_node parent, const Resource* r) {
  auto e = parent.append_child("resource");
  e.append_attribute("id") = PrintableId(r).c_str();
  std::string agent = r->cls + (r->provider.empty() ? "" : ":" + r->provider) + ":" + r->type;
  e.append_attribute("resource_agent") = agent.c_str();
  std::string role = scheduler::RoleName(r->role);
  e.append_attribute("role") = role.c_str();
  if (r->target_role) e.append_attribute("target_role") = scheduler::RoleName(*r->target_role);
  e.append_attribute("active") = Bool(!r->running_on.empty()).c_str();
  e.append_attribute("orphaned") = Bool(r->orphan).c_str();
  e.append_attribute("blocked") = Bool(r->blocked).c_str();
  e.append_attribute("maintenance") = Bool(r->maintenance).c_str();
  e.append_attribute("managed") = Bool(r->managed).c_str();
  e.append_attribute("failed") = Bool(r->failed).c_str();
  e.append_attribute("failure_ignored") = Bool(r->failure_ignored).c_str();
  e.append_attribute("nodes_running_on") = std::to_string(r->running_on.size()).c_str();
  for (const auto* n : r->running_on) {
    auto ne = e.append_child("node");
    ne.append_attribute("name") = n->name.c_str();
    ne.append_attribute("id") = n->id.c_str();
    ne.append_attribute("cached") = "true";
  }
}

void XmlResource(pugi::xml_node parent, const Resource* r, const WorkingSet& ws, bool inactive) {
  if (r->IsPrimitive()) {
    if (inactive || !r->running_on.empty()) XmlPrimitive(parent, r);
    return;
  }
  auto e = parent.append_child(r->IsGroup() ? "group" : "clone");
  e.append_attribute("id") = r->id.c_str();
  if (r->IsGroup()) {
    e.append_attribute("number_resources") = std::to_string(r->children.size()).c_str();
  } else {
    e.append_attribute("multi_state") = Bool(r->promotable).c_str();
    e.append_attribute("unique") = Bool(r->unique).c_str();
  }
  e.append_attribute("maintenance") = Bool(r->maintenance).c_str();
  e.append_attribute("managed") = Bool(r->managed).c_str();
  e.append_attribute("disabled") = Bool(r->target_role == scheduler::Role::kStopped).c_str();
  if (!r->IsGroup()) {
    bool failed = false;
    scheduler::ForEachResource(r->children, [&](Resource* c) { failed = failed || c->failed; });
    e.append_attribute("failed") = Bool(failed).c_str();
    e.append_attribute("failure_ignored") = Bool(r->failure_ignored).c_str();
  }
  for (const Resource* c : r->children) XmlResource(e, c, ws, inactive);
}

std::string CrmMonXml(const WorkingSet& ws, bool legacy, bool inactive, const std::string& request) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  pugi::xml_node root;
  if (legacy) {
    root = doc.append_child("crm_mon");
    root.append_attribute("version") = "2.1.5";
  } else {
    root = doc.append_child("pacemaker-result");
    root.append_attribute("api-version") = "2.25";
    root.append_attribute("request") = request.c_str();
  }
  auto summary = root.append_child("summary");
  summary.append_child("stack").append_attribute("type") = "corosync";
  auto dc = summary.append_child("current_dc");
  dc.append_attribute("present") = Bool(ws.dc != nullptr).c_str();
  if (ws.dc) {
    dc.append_attribute("version") = "2.1.5";
    dc.append_attribute("name") = ws.dc->name.c_str();
    dc.append_attribute("id") = ws.dc->id.c_str();
    dc.append_attribute("with_quorum") = Bool(ws.have_quorum).c_str();
  }
  summary.append_child("nodes_configured").append_attribute("number") = std::to_string(ws.nodes.size()).c_str();
  ResourceCounts counts = CountResources(ws);
  auto rc = summary.append_child("resources_configured");
  rc.append_attribute("number") = std::to_string(counts.instances).c_str();
  rc.append_attribute("disabled") = std::to_string(counts.disabled).c_str();
  rc.append_attribute("blocked") = std::to_string(counts.blocked).c_str();
  auto opts = summary.append_child("cluster_options");
  opts.append_attribute("stonith-enabled") = Bool(ws.options.stonith_enabled).c_str();
  opts.append_attribute("symmetric-cluster") = Bool(ws.options.symmetric_cluster).c_str();
  opts.append_attribute("maintenance-mode") = Bool(ws.options.maintenance_mode).c_str();
  opts.append_attribute("stop-all-resources") = Bool(ws.options.stop_all_resources).c_str();

  auto nodes = root.append_child("nodes");
  std::vector<const scheduler::Node*> ordered;
  for (const auto& n : ws.nodes) ordered.push_back(&n);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->index < b->index; });
  for (const auto* n : ordered) {
    int running = 0;
    scheduler::ForEachResource(ws.resources, [&](Resource* r) {
      if (r->IsPrimitive() && std::find(r->running_on.begin(), r->running_on.end(), n) != r->running_on.end()) ++running;
    });
    auto e = nodes.append_child("node");
    e.append_attribute("name") = n->name.c_str();
    e.append_attribute("id") = n->id.c_str();
    e.append_attribute("online") = Bool(n->online).c_str();
    e.append_attribute("standby") = Bool(n->standby).c_str();
    e.append_attribute("standby_onfail") = Bool(n->standby_onfail).c_str();
    e.append_attribute("maintenance") = Bool(n->maintenance).c_str();
    e.append_attribute("pending") = Bool(n->pending).c_str();
    e.append_attribute("unclean") = Bool(n->unclean).c_str();
    e.append_attribute("health") = "green";
    e.append_attribute("feature_set") = "3.16.1";
    e.append_attribute("shutdown") = Bool(n->shutdown).c_str();
    e.append_attribute("expected_up") = Bool(n->expected_up).c_str();
    e.append_attribute("is_dc") = Bool(n->is_dc).c_str();
    e.append_attribute("resources_running") = std::to_string(running).c_str();
    e.append_attribute("type") = n->type.c_str();
  }
  auto resources = root.append_child("resources");
  for (const Resource* r : ws.resources) XmlResource(resources, r, ws, inactive);
  auto attrs = root.append_child("node_attributes");
  for (const auto* n : ordered) {
    auto e = attrs.append_child("node");
    e.append_attribute("name") = n->name.c_str();
    for (const auto& [k, v] : n->attrs) {
      if (!k.empty() && k[0] == '#') continue;
      auto a = e.append_child("attribute");
      a.append_attribute("name") = k.c_str();
      a.append_attribute("value") = v.c_str();
    }
  }
  if (!legacy) {
    auto st = root.append_child("status");
    st.append_attribute("code") = "0";
    st.append_attribute("message") = "OK";
  }
  std::ostringstream text;
  doc.save(text, "  ", pugi::format_indent);
  return text.str();
}

// "20s", "1m", "1.5s": an interval as crm_mon prints it.
std::string ReadableMs(long long ms) {
  if (ms % 3600000 == 0 && ms >= 3600000) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0 && ms >= 60000) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string t = std::to_string(ms / 1000) + "." + absl::StrFormat("%03lld", ms % 1000);
  while (t.back() == '0') t.pop_back();
  return t + "s";
}

// crm_mon's "Failed Resource Actions" items: every last-failure record of the
// status section, in node and resource order (crm_mon-output.md 2.5).
std::vector<std::string> FailedActionLines(const cib::Cib& c) {
  std::vector<std::string> out;
  for (const auto& ns : c.status) {
    std::string node = cib::Get(ns.attrs, "uname", ns.id);
    for (const auto& h : ns.resources) {
      for (const auto& op : h.ops) {
        if (op.id.size() < 15 || op.id.compare(op.id.size() - 15, 15, "_last_failure_0") != 0) continue;
        long long interval = std::atoll(cib::Get(op.attrs, "interval", "0").c_str());
        std::string task = cib::Get(op.attrs, "operation");
        if (task == "monitor" && interval == 0) task = "probe";
        int rc = std::atoi(cib::Get(op.attrs, "rc-code", "1").c_str());
        int status = std::atoi(cib::Get(op.attrs, "op-status", "0").c_str());
        std::string reason = cib::Get(op.attrs, "exit-reason");
        std::string line = absl::StrCat("  * ", h.id, " ", interval > 0 ? ReadableMs(interval) + "-interval " : "", task,
                                        " on ", node);
        if (status == 0) {
          absl::StrAppend(&line, " returned '", executor::OcfRcText(rc), "'", reason.empty() ? "" : " (" + reason + ")");
        } else {
          absl::StrAppend(&line, " could not be executed (",
                          executor::ExecStatusText(static_cast<executor::ExecStatus>(status)),
                          reason.empty() ? "" : ": " + reason, ")");
        }
        long long when = std::atoll(cib::Get(op.attrs, "last-rc-change", "0").c_str());
        if (when > 0) absl::StrAppend(&line, " at ", DateText(when));
        long long exec = std::atoll(cib::Get(op.attrs, "exec-time", "0").c_str());
        if (exec > 0) absl::StrAppend(&line, " after ", ReadableMs(exec));
        out.push_back(std::move(line));
      }
    }
  }
  return out;
}

}  // namespace

int CrmMon(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'1', "one-shot", OptionSpec::kNone},
      {'r', "inactive", OptionSpec::kNone},
      {'f', "failcounts", OptionSpec::kNone},
      {'A', "show-node-attributes", OptionSpec::kNone},
      {'X', "as-xml", OptionSpec::kNone},
      {0, "output-as", OptionSpec::kRequired},
      {0, "output-to", OptionSpec::kRequired},
      {'i', "interval", OptionSpec::kRequired},
      {0, "exclude", OptionSpec::kRequired},
      {0, "include", OptionSpec::kRequired},
      {'s', "simple-status", OptionSpec::kNone},
      {'Q', "quiet", OptionSpec::kNone},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] = "usage: crm_mon -1 [-r] [--output-as=text|xml | --as-xml | -s]\n";
  ParsedArgs p;
  if (auto done = StartTool("crm_mon", args, specs, kUsage, ctx, &p)) return *done;
  std::string format = Value(p, "output-as").value_or(Has(p, "as-xml") ? "legacy-xml" : "text");
  if (format != "text" && format != "xml" && format != "legacy-xml") {
    err << "crm_mon: --output-as '" << format << "' is not supported (text, xml)\n";
    return kExitUsage;
  }
  if (Has(p, "output-to")) {
    err << "crm_mon: --output-to is not supported by baton; redirect stdout\n";
    return kExitUnimplemented;
  }
  auto s = LoadWorkingSet(ctx);
  if (!s.ok()) {
    if (s.status().code() == absl::StatusCode::kUnavailable) {
      err << "crm_mon: Error: cluster is not available on this node\n";
      return kExitDisconnect;
    }
    if (s.status().code() == absl::StatusCode::kPermissionDenied) {
      err << "crm_mon: " << s.status().message() << "\n";
      return 4;  // CRM_EX_INSUFFICIENT_PRIV
    }
    err << "crm_mon: " << s.status().message() << "\n";
    return kExitError;
  }
  const WorkingSet& ws = *s->ws;
  bool inactive = Has(p, "inactive");
  if (format != "text") {
    std::string request = "crm_mon";
    for (const auto& a : args) request += " " + a;
    out << CrmMonXml(ws, format == "legacy-xml", true, request);
    return kExitOk;
  }
  ResourceCounts counts = CountResources(ws);
  if (Has(p, "simple-status")) {
    int online = 0;
    for (const auto& n : ws.nodes) online += n.online ? 1 : 0;
    if (!ws.dc) {
      out << "CLUSTER WARN: no DC\n";
      return kExitError;
    }
    out << "CLUSTER OK: " << online << " node" << (online == 1 ? "" : "s") << " online, " << counts.instances
        << " resource instance" << (counts.instances == 1 ? "" : "s") << " configured\n";
    return kExitOk;
  }
  out << "Cluster Summary:\n  * Stack: corosync\n";
  if (ws.dc) {
    out << "  * Current DC: " << ws.dc->name << " (version " << ctx.dc_version << ") - partition "
        << (ws.have_quorum ? "with quorum" : "WITHOUT quorum") << "\n";
  } else {
    out << "  * Current DC: NONE\n";
  }
  out << "  * " << ws.nodes.size() << " node" << (ws.nodes.size() == 1 ? "" : "s") << " configured\n"
      << "  * " << counts.instances << " resource instance" << (counts.instances == 1 ? "" : "s")
      << " configured\n\nNode List:\n";
  for (const auto& l : NodeListLines(ws, 2)) out << l << "\n";
  out << "\n" << (inactive ? "Full List of Resources:" : "Active Resources:") << "\n";
  auto lines = ResourceLines(ws, 2, inactive);
  if (lines.empty()) out << (inactive ? "  * No resources\n" : "  * No active resources\n");
  for (const auto& l : lines) out << l << "\n";
  auto failed = FailedActionLines(ws.cib());
  if (!failed.empty()) {
    out << "\nFailed Resource Actions:\n";
    for (const auto& l : failed) out << l << "\n";
  }
  return kExitOk;
}

}  // namespace baton::cli::tools
