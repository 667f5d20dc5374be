// crm_resource: where a resource runs, its parameters, and the operation
// history, from the scheduled CIB; changes are refused.
#include <ostream>

#include "cli/tools/internal.h"
#include "crmd/scheduler/scheduler.h"

namespace baton::cli::tools {
namespace {

using scheduler::Resource;
using scheduler::WorkingSet;

std::string RoleWord(scheduler::Role r) { return scheduler::RoleName(r); }

// The resource an id names, as Pacemaker's tools find it: the resource with
// that id, else (an anonymous clone's primitive named without ":N", as
// agents name themselves by OCF_RESOURCE_INSTANCE) its first instance.
Resource* FindForTool(WorkingSet& ws, const std::string& id) {
  if (Resource* r = ws.FindResource(id)) return r;
  Resource* first = nullptr;
  scheduler::ForEachResource(ws.resources, [&](Resource* r) {
    if (!first && r->IsPrimitive() && r->instance_number >= 0 && r->base_id == id) first = r;
  });
  return first;
}

// Meta attributes as an agent's resource sees them: its own, then each
// parent's (a clone's notify, promoted-max...) where it has none of its own.
std::map<std::string, std::string> EffectiveMeta(const Resource* r) {
  std::map<std::string, std::string> meta;
  for (const Resource* x = r; x; x = x->parent) meta.insert(x->meta.begin(), x->meta.end());
  return meta;
}

}  // namespace

int CrmResource(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'r', "resource", OptionSpec::kRequired},
      {'W', "locate", OptionSpec::kNone},
      {'Q', "quiet", OptionSpec::kNone},
      {'g', "get-parameter", OptionSpec::kRequired},
      {'p', "set-parameter", OptionSpec::kRequired},
      {'d', "delete-parameter", OptionSpec::kRequired},
      {'v', "parameter-value", OptionSpec::kRequired},
      {'m', "meta", OptionSpec::kNone},
      {'z', "utilization", OptionSpec::kNone},
      {'N', "node", OptionSpec::kRequired},
      {'B', "ban", OptionSpec::kNone},
      {'O', "list-operations", OptionSpec::kNone},
      {'l', "list-raw", OptionSpec::kNone},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] =
      "usage: crm_resource -W -r RSC [-Q]              where RSC runs\n"
      "       crm_resource -r RSC [--meta|-z] -g NAME   a parameter of RSC\n"
      "       crm_resource --list-operations [-N NODE] [-r RSC]\n";
  ParsedArgs p;
  if (auto done = StartTool("crm_resource", args, specs, kUsage, ctx, &p)) return *done;
  if (Has(p, "set-parameter") || Has(p, "delete-parameter") || Has(p, "ban")) {
    err << "crm_resource: changing resources needs the replicated CIB, which baton does not have yet\n";
    return kExitUnimplemented;
  }
  bool quiet = Has(p, "quiet");
  auto s = LoadWorkingSet(ctx);
  if (!s.ok()) return CibFailure("crm_resource", s.status(), err);
  WorkingSet& ws = *s->ws;
  std::string rsc_id = Value(p, "resource").value_or("");
  Resource* rsc = nullptr;
  if (!rsc_id.empty()) {
    rsc = FindForTool(ws, rsc_id);
    if (!rsc) {
      err << "crm_resource: Resource '" << rsc_id << "' not found\nError performing operation: No such object\n";
      return kExitNoSuch;
    }
  }
  if (Has(p, "list-operations")) {
    std::string node = Value(p, "node").value_or("");
    std::vector<Resource*> all;
    scheduler::ForEachResource(ws.resources, [&](Resource* r) {
      if (r->IsPrimitive()) all.push_back(r);
    });
    for (Resource* r : all) {
      if (rsc && r != rsc && r->Top() != rsc->Top()) continue;
      for (const auto& h : r->history) {
        if (!node.empty() && h.node->name != node) continue;
        for (const auto& op : h.ops) {
          std::string date = DateText(op.last_rc_change);
          std::string exec = op.record ? cib::Get(op.record->attrs, "exec-time", "0") : "0";
          out << r->id << "\t(" << r->cls << (r->provider.empty() ? "" : ":" + r->provider) << ":" << r->type
              << "):\t " << RoleWord(r->role) << ": " << op.id << " (node=" << h.node->name
              << ", call=" << op.call_id << ", rc=" << op.rc << ", last-rc-change='" << date
              << "', exec=" << exec << "ms): " << (op.status == 0 ? "complete" : "failed") << "\n";
        }
      }
    }
    return kExitOk;
  }
  if (!rsc) {
    err << "crm_resource: -r RSC is required\n" << kUsage;
    return kExitUsage;
  }
  if (Has(p, "locate")) {
    std::vector<std::pair<std::string, scheduler::Role>> where;
    std::vector<Resource*> prims;
    scheduler::ForEachResource({rsc}, [&](Resource* r) {
      if (r->IsPrimitive()) prims.push_back(r);
    });
    for (Resource* r : prims) {
      for (auto* n : r->running_on) where.push_back({n->name, r->role});
    }
    if (where.empty()) {
      err << "resource " << rsc_id << " is NOT running\n";
      return kExitOk;
    }
    for (const auto& [n, role] : where) {
      if (quiet) out << n << "\n";
      else out << "resource " << rsc_id << " is running on: " << n << (role == scheduler::Role::kPromoted ? " Promoted" : "") << "\n";
    }
    return kExitOk;
  }
  if (auto name = Value(p, "get-parameter")) {
    const std::map<std::string, std::string>* source = &rsc->params;
    std::map<std::string, std::string> meta;
    if (Has(p, "meta")) {
      meta = EffectiveMeta(rsc);
      source = &meta;
    }
    std::map<std::string, std::string> util;
    if (Has(p, "utilization")) {
      const cib::Resource* def = rsc->def;
      if (def) {
        for (const auto& set : def->utilization) {
          for (const auto& pair : set.pairs) util.emplace(pair.name, pair.value.value_or(""));
        }
      }
      source = &util;
    }
    auto it = source->find(*name);
    if (it == source->end()) {
      err << "Attribute '" << *name << "' not found for '" << rsc->id << "'\n";
      return kExitOk;
    }
    out << it->second << "\n";
    return kExitOk;
  }
  err << "crm_resource: no command given\n" << kUsage;
  return kExitUsage;
}

}  // namespace baton::cli::tools
