// crm_attribute: reads, sets and deletes cluster options, defaults and node
// attributes (permanent, or transient for promotion scores) in $CIB_file or
// through the daemon.
#include <algorithm>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "cli/tools/internal.h"
#include "lib/cib/cib_xml.h"

namespace baton::cli::tools {
namespace {

// ---- nvsets of a CIB file ---------------------------------------------------

cib::NvPair* FindPair(std::vector<cib::NvSet>& sets, const std::string& set_id, const std::string& name) {
  for (auto& s : sets) {
    if (!set_id.empty() && s.id != set_id) continue;
    for (auto& p : s.pairs) {
      if (p.name == name) return &p;
    }
  }
  return nullptr;
}

void SetPair(std::vector<cib::NvSet>& sets, const std::string& set_id, const std::string& default_set,
             const std::string& name, const std::string& value) {
  if (cib::NvPair* p = FindPair(sets, set_id, name)) {
    p->value = value;
    return;
  }
  std::string want = set_id.empty() ? default_set : set_id;
  cib::NvSet* target = nullptr;
  for (auto& s : sets) {
    if (s.id == want) target = &s;
  }
  if (!target) {
    sets.push_back(cib::NvSet{want, std::nullopt, {}, {}});
    target = &sets.back();
  }
  target->pairs.push_back({want + "-" + name, name, value});
}

// Removes the pair; its id, or nullopt if there was none.
std::optional<std::string> DeletePair(std::vector<cib::NvSet>& sets, const std::string& set_id,
                                      const std::string& name) {
  for (auto& s : sets) {
    if (!set_id.empty() && s.id != set_id) continue;
    for (auto it = s.pairs.begin(); it != s.pairs.end(); ++it) {
      if (it->name == name) {
        std::string id = it->id;
        s.pairs.erase(it);
        return id;
      }
    }
  }
  return std::nullopt;
}

// ---- crm_attribute ----------------------------------------------------------

const std::vector<OptionSpec>& CrmAttributeSpecs() {
  static const std::vector<OptionSpec> specs = {
      {'G', "query", OptionSpec::kNone, {"get-value"}},
      {'v', "update", OptionSpec::kRequired, {"attr-value"}},
      {'D', "delete", OptionSpec::kNone, {"delete-attr"}},
      {'n', "name", OptionSpec::kRequired, {"attr-name"}},
      {'P', "pattern", OptionSpec::kRequired},
      {'p', "promotion", OptionSpec::kOptional},
      {'i', "id", OptionSpec::kRequired, {"attr-id"}},
      {'s', "set-name", OptionSpec::kRequired},
      {'N', "node", OptionSpec::kRequired},
      {'U', "node-uname", OptionSpec::kRequired},
      {'l', "lifetime", OptionSpec::kRequired},
      {'t', "type", OptionSpec::kRequired, {"section"}},
      {'z', "utilization", OptionSpec::kNone},
      {'d', "default", OptionSpec::kRequired},
      {'q', "quiet", OptionSpec::kNone},
      {'Q', "quiet-legacy", OptionSpec::kNone},
      {0, "output-as", OptionSpec::kRequired},
      {0, "inhibit-policy-engine", OptionSpec::kNone},
      {0, "force", OptionSpec::kNone},
  };
  return specs;
}

constexpr char kCrmAttributeUsage[] =
    "usage: crm_attribute -n NAME [-G | -v VALUE | -D] [-N NODE] [-l reboot|forever]\n"
    "                     [-t crm_config|rsc_defaults|op_defaults|nodes|status] [-s SET] [-d DEFAULT] [-q]\n"
    "       crm_attribute -p [RSC] [-G | -v SCORE | -D]      (promotion score of RSC on this node)\n";

}  // namespace

int CrmAttribute(const std::string& tool, const std::vector<std::string>& args, ToolContext& ctx) {
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  ParsedArgs p;
  if (auto done = StartTool(tool, args, CrmAttributeSpecs(), kCrmAttributeUsage, ctx, &p)) return *done;
  if (!p.positional.empty()) {
    err << tool << ": unexpected argument '" << p.positional[0] << "'\n" << kCrmAttributeUsage;
    return kExitUsage;
  }
  // The command: the last of -G, -v, -D; a query if none.
  enum { kQuery, kUpdate, kDelete } command = kQuery;
  std::string new_value;
  for (const auto& o : p.options) {
    if (o.name == "query") command = kQuery;
    if (o.name == "update") {
      command = kUpdate;
      new_value = o.value.value_or("");
    }
    if (o.name == "delete") command = kDelete;
  }
  bool quiet = Has(p, "quiet") || Has(p, "quiet-legacy");
  if (Has(p, "pattern") || Has(p, "utilization")) {
    err << tool << ": " << (Has(p, "pattern") ? "--pattern" : "--utilization")
        << " is not supported by baton yet\n";
    return kExitUnimplemented;
  }
  std::string name = Value(p, "name").value_or("");
  bool promotion = Has(p, "promotion");
  if (promotion) {
    std::string rsc = Value(p, "promotion").value_or("");
    if (rsc.empty()) rsc = Env(ctx, "OCF_RESOURCE_INSTANCE").value_or("");
    if (rsc.empty()) {
      err << tool << ": --promotion needs a resource (none given and OCF_RESOURCE_INSTANCE is unset)\n";
      return kExitUsage;
    }
    name = "master-" + rsc;
  }
  if (name.empty()) name = Value(p, "id").value_or("");
  if (name.empty()) {
    err << tool << ": no attribute name: give -n NAME (or -p for a promotion score)\n" << kCrmAttributeUsage;
    return kExitUsage;
  }
  // The section: the last -t/-l; else status for promotion scores; else
  // nodes when a node is named; else crm_config.
  std::string type;
  for (const auto& o : p.options) {
    if (o.name == "type" || o.name == "lifetime") type = o.value.value_or("");
  }
  std::optional<std::string> node_opt = Value(p, "node");
  if (!node_opt) node_opt = Value(p, "node-uname");
  if (type == "reboot") type = "status";
  if (type == "forever") type = "nodes";
  if (type.empty()) type = promotion ? "status" : (node_opt ? "nodes" : "crm_config");
  static const std::vector<std::string> kTypes = {"crm_config", "rsc_defaults", "op_defaults",
                                                  "tickets", "nodes", "status"};
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    err << tool << ": unknown section or lifetime '" << type
        << "' (crm_config, rsc_defaults, op_defaults, nodes, status, reboot, forever)\n";
    return kExitUsage;
  }
  bool node_section = type == "nodes" || type == "status";
  std::string set_id = Value(p, "set-name").value_or("");
  auto fail = [&](const absl::Status& st) {
    int code = CibFailure(tool, st, err);
    if (st.code() == absl::StatusCode::kNotFound) return kExitNoSuch;
    if (st.code() == absl::StatusCode::kUnimplemented) return kExitUnimplemented;
    return code;
  };
  std::string node;
  if (node_section) {
    if (!node_opt || *node_opt == "auto" || *node_opt == "localhost") {
      auto n = DefaultNode(ctx);
      if (!n.ok()) return fail(n.status());
      node = *n;
    } else {
      node = *node_opt;
    }
  }
  auto print_value = [&](const std::string& v) {
    if (quiet) out << v << "\n";
    else out << "scope=" << type << "  name=" << name << " value=" << v << "\n";
  };
  auto missing = [&]() {
    if (auto d = Value(p, "default")) {
      print_value(*d);
      return kExitOk;
    }
    err << tool << ": Error performing operation: No such device or address\n";
    return kExitNoSuch;
  };

  if (auto file = Env(ctx, "CIB_file")) {
    auto c = cib::ReadCibFile(*file);
    if (!c.ok()) return fail(c.status());
    std::vector<cib::NvSet>* sets = nullptr;
    std::string default_set;
    std::string node_id;
    if (node_section) {
      for (auto& n : c->configuration.nodes) {
        if (n.uname == node) node_id = n.id;
      }
      if (node_id.empty()) return fail(absl::NotFoundError(absl::StrCat("Could not map name=", node, " to a UUID")));
    }
    if (type == "nodes") {
      for (auto& n : c->configuration.nodes) {
        if (n.id == node_id) sets = &n.attributes;
      }
      default_set = "nodes-" + node_id;
    } else if (type == "status") {
      cib::NodeState* st = nullptr;
      for (auto& ns : c->status) {
        if (ns.id == node_id) st = &ns;
      }
      if (!st) {
        if (command != kUpdate) return command == kQuery ? missing() : kExitOk;
        cib::NodeState ns;
        ns.id = node_id;
        ns.attrs["uname"] = node;
        c->status.push_back(ns);
        st = &c->status.back();
      }
      sets = &st->transient;
      default_set = "status-" + node_id;
    } else if (type == "crm_config") {
      sets = &c->configuration.crm_config;
      default_set = "cib-bootstrap-options";
    } else if (type == "rsc_defaults") {
      sets = &c->configuration.rsc_defaults;
      default_set = "rsc-options";
    } else if (type == "op_defaults") {
      sets = &c->configuration.op_defaults;
      default_set = "op-options";
    } else {
      return fail(absl::UnimplementedError("--type tickets is not supported by baton yet"));
    }
    if (command == kQuery) {
      cib::NvPair* pair = FindPair(*sets, set_id, name);
      if (!pair) return missing();
      print_value(pair->value.value_or(""));
      return kExitOk;
    }
    std::optional<std::string> deleted;
    if (command == kUpdate) {
      SetPair(*sets, set_id, default_set, name, new_value);
    } else {
      deleted = DeletePair(*sets, set_id, name);
      if (!deleted) return kExitOk;
    }
    if (type == "status") ++c->version.num_updates;
    else ++c->version.epoch;
    if (auto st = SaveCibFile(*file, *c); !st.ok()) return fail(st);
    if (deleted && type != "status") out << "Deleted " << type << " attribute: id=" << *deleted << " name=" << name << "\n";
    return kExitOk;
  }

  if (!node_section) {
    return fail(absl::UnimplementedError(absl::StrCat(
        "--type ", type, " needs the replicated CIB, which baton does not have yet (CIB_file=FILE works)")));
  }
  control::Lifetime lifetime = type == "status" ? control::REBOOT : control::FOREVER;
  if (command == kQuery) {
    auto v = control::ReplyText(ctx.backend->Call(control::request::AttrGet(node, name, lifetime)));
    if (!v.ok()) {
      if (v.status().code() == absl::StatusCode::kNotFound &&
          std::string(v.status().message()).rfind("Could not map", 0) != 0) {
        return missing();
      }
      return fail(v.status());
    }
    print_value(*v);
    return kExitOk;
  }
  if (command == kUpdate) {
    auto r = ctx.backend->Call(control::request::AttrSet(node, name, new_value, lifetime));
    return r.ok() ? kExitOk : fail(r.status());
  }
  auto r = ctx.backend->Call(control::request::AttrDelete(node, name, lifetime));
  if (!r.ok()) return fail(r.status());
  if (r->existed() && type == "nodes") {
    auto info = GetNodeInfo(ctx);
    std::string id = node;
    if (info.ok()) {
      for (const auto& n : info->nodes) {
        if (n.name == node) id = n.id;
      }
    }
    out << "Deleted nodes attribute: id=nodes-" << id << "-" << name << " name=" << name << "\n";
  }
  return kExitOk;
}

}  // namespace baton::cli::tools
