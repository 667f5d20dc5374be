// The Pacemaker tool names (see tools.h). Each Run* function parses its
// tool's options as Pacemaker 2.1.5 does, asks the backend (or the CIB file)
// and prints what agents parse, with the exit codes they check.
#include "cli/tools.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/options.h"
#include "cli/status_text.h"
#include "crmd/cib/cib.h"
#include "crmd/cib/cib_xml.h"
#include "crmd/common/files.h"
#include "crmd/executor/executor.h"
#include "crmd/scheduler/scheduler.h"
#include "crmd/scheduler/working_set.h"
#include "crmd/service/control.h"
#include "pugixml.hpp"

namespace baton::cli {

absl::StatusOr<std::string> SocketBackend::Call(const std::vector<std::string>& request) {
  return service::Call(service::ControlSocketPath(path_), request);
}

namespace {

using scheduler::Resource;
using scheduler::WorkingSet;

// Pacemaker's exit codes (crm_exit_t) that agents test for.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUnimplemented = 3;
constexpr int kExitUsage = 64;
constexpr int kExitNoHost = 68;
constexpr int kExitConfig = 78;
constexpr int kExitDisconnect = 102;
constexpr int kExitNoSuch = 105;
constexpr int kExitNoQuorum = 106;

constexpr char kVersionText[] =
    "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n";

// What every tool does first: parse its options (a bad one: usage, exit 64)
// and answer -$/--version and -h/--help. Returns an exit code when the tool
// is done, nullopt to go on with `*parsed`.
std::optional<int> StartTool(const std::string& tool, const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs, const char* usage, ToolContext& ctx,
                             ParsedArgs* parsed) {
  auto p = ParseOptions(args, specs);
  if (!p.ok()) {
    *ctx.err << tool << ": " << p.status().message() << "\n" << usage;
    return 64;
  }
  *parsed = *std::move(p);
  for (const auto& o : parsed->options) {
    if (o.name == "version") {
      *ctx.out << kVersionText;
      return 0;
    }
    if (o.name == "help") {
      *ctx.out << usage;
      return 0;
    }
  }
  return std::nullopt;
}

std::optional<std::string> Env(ToolContext& ctx, const std::string& name) {
  if (!ctx.env) return std::nullopt;
  auto v = ctx.env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

bool Has(const ParsedArgs& p, const std::string& name) {
  for (const auto& o : p.options) {
    if (o.name == name) return true;
  }
  return false;
}

// The last value given for `name`.
std::optional<std::string> Value(const ParsedArgs& p, const std::string& name) {
  std::optional<std::string> v;
  for (const auto& o : p.options) {
    if (o.name == name) v = o.value.value_or("");
  }
  return v;
}

struct NodeInfo {
  std::string self_id;
  std::string self_name;
  bool quorate = false;
  struct Entry {
    std::string id, name;
    bool member = false;
  };
  std::vector<Entry> nodes;
};

absl::StatusOr<NodeInfo> GetNodeInfo(ToolContext& ctx) {
  auto reply = ctx.backend->Call({"node-info"});
  if (!reply.ok()) return reply.status();
  NodeInfo info;
  for (absl::string_view line : absl::StrSplit(*reply, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f[0] == "self" && f.size() == 3) {
      info.self_id = f[1];
      info.self_name = f[2];
    } else if (f[0] == "quorate" && f.size() == 2) {
      info.quorate = f[1] == "1";
    } else if (f[0] == "node" && f.size() == 4) {
      info.nodes.push_back({f[1], f[2], f[3] == "member"});
    } else {
      return absl::InternalError(absl::StrCat("unexpected node-info line '", line, "'"));
    }
  }
  return info;
}

// The node an agent means when it names none: the container's host for
// attributes that target it, else the node the action runs for, else this
// node (ocf-agents.md 11.1).
absl::StatusOr<std::string> DefaultNode(ToolContext& ctx) {
  if (Env(ctx, "OCF_RESKEY_CRM_meta_container_attribute_target") == "host") {
    if (auto h = Env(ctx, "OCF_RESKEY_CRM_meta_physical_host")) return *h;
  }
  if (auto n = Env(ctx, "OCF_RESKEY_CRM_meta_on_node")) return *n;
  auto info = GetNodeInfo(ctx);
  if (!info.ok()) return info.status();
  return info->self_name;
}

// The CIB: $CIB_file if set (as Pacemaker's tools), else the daemon's.
absl::StatusOr<cib::Cib> LoadCib(ToolContext& ctx) {
  if (auto file = Env(ctx, "CIB_file")) return cib::ReadCibFile(*file);
  auto xml = ctx.backend->Call({"cib"});
  if (!xml.ok()) return xml.status();
  return cib::ParseCibXml(*xml);
}

absl::Status SaveCibFile(const std::string& path, const cib::Cib& c) {
  return common::WriteFileDurably(path, cib::WriteCibXml(c), 0644);
}

struct Scheduled {
  std::unique_ptr<cib::Cib> cib;
  std::unique_ptr<WorkingSet> ws;
};

absl::StatusOr<Scheduled> LoadWorkingSet(ToolContext& ctx) {
  auto c = LoadCib(ctx);
  if (!c.ok()) return c.status();
  Scheduled s;
  s.cib = std::make_unique<cib::Cib>(*std::move(c));
  auto ws = scheduler::Schedule(*s.cib, static_cast<long long>(std::time(nullptr)));
  if (!ws.ok()) return ws.status();
  s.ws = *std::move(ws);
  return s;
}

// --- nvsets of a CIB file ---------------------------------------------------

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

// --- crm_attribute ----------------------------------------------------------

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
      {'V', "verbose", OptionSpec::kNone},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
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
    if (st.code() == absl::StatusCode::kUnavailable) {
      err << tool << ": Could not connect to the CIB: Transport endpoint is not connected\n";
      return kExitDisconnect;
    }
    if (st.code() == absl::StatusCode::kNotFound) {
      err << tool << ": " << st.message() << "\n";
      return kExitNoSuch;
    }
    if (st.code() == absl::StatusCode::kUnimplemented) {
      err << tool << ": " << st.message() << "\n";
      return kExitUnimplemented;
    }
    err << tool << ": " << st.message() << "\n";
    return kExitError;
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
  std::string lifetime = type == "status" ? "reboot" : "forever";
  if (command == kQuery) {
    auto v = ctx.backend->Call({"attr-get", node, name, lifetime});
    if (!v.ok()) {
      if (v.status().code() == absl::StatusCode::kNotFound &&
          std::string(v.status().message()).rfind("Could not map", 0) != 0) {
        return missing();
      }
      return fail(v.status());
    }
    std::string value = *v;
    if (!value.empty() && value.back() == '\n') value.pop_back();
    print_value(value);
    return kExitOk;
  }
  if (command == kUpdate) {
    auto r = ctx.backend->Call({"attr-set", node, name, new_value, lifetime});
    return r.ok() ? kExitOk : fail(r.status());
  }
  auto r = ctx.backend->Call({"attr-del", node, name, lifetime});
  if (!r.ok()) return fail(r.status());
  if (*r == "deleted\n" && type == "nodes") {
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

// --- crm_master -------------------------------------------------------------

int CrmMaster(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'V', "verbose", OptionSpec::kNone},
      {'q', "quiet", OptionSpec::kNone},
      {'Q', "quiet-legacy", OptionSpec::kNone},
      {'G', "query", OptionSpec::kNone, {"get-value"}},
      {'D', "delete", OptionSpec::kNone, {"delete-attr"}},
      {'v', "update", OptionSpec::kRequired, {"attr-value"}},
      {'N', "node", OptionSpec::kRequired},
      {'U', "node-uname", OptionSpec::kRequired},
      {'l', "lifetime", OptionSpec::kRequired},
      {'i', "id", OptionSpec::kRequired, {"attr-id"}},
      {'r', "resource", OptionSpec::kRequired},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
  };
  constexpr char kUsage[] = "usage: crm_master [-r RSC] [-N NODE] [-l LIFETIME] (-G [-q] | -v SCORE | -D)\n";
  ParsedArgs p;
  if (auto done = StartTool("crm_master", args, specs, kUsage, ctx, &p)) return *done;
  const ParsedArgs* parsed = &p;
  std::string rsc = Value(*parsed, "resource").value_or(Env(ctx, "OCF_RESOURCE_INSTANCE").value_or(""));
  if (rsc.empty()) {
    *ctx.err << "crm_master: This program should normally only be invoked from inside an OCF resource agent"
             << " (OCF_RESOURCE_INSTANCE is unset; give -r RSC)\n";
    return kExitError;
  }
  std::vector<std::string> forwarded = {"-n", "master-" + rsc, "--lifetime", "forever"};
  for (const auto& o : parsed->options) {
    if (o.name == "resource" || o.name == "help") continue;
    forwarded.push_back("--" + o.name);
    if (o.value) forwarded.push_back(*o.value);
  }
  return CrmAttribute("crm_master", forwarded, ctx);
}

// --- attrd_updater ----------------------------------------------------------

int AttrdUpdater(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'n', "name", OptionSpec::kRequired},
      {'U', "update", OptionSpec::kRequired},
      {'v', "value", OptionSpec::kRequired},
      {'B', "update-both", OptionSpec::kRequired},
      {'Y', "update-delay", OptionSpec::kNone},
      {'Q', "query", OptionSpec::kNone},
      {'D', "delete", OptionSpec::kNone},
      {'R', "refresh", OptionSpec::kNone},
      {'d', "delay", OptionSpec::kRequired},
      {'s', "set", OptionSpec::kRequired},
      {'N', "node", OptionSpec::kRequired},
      {'A', "all", OptionSpec::kNone},
      {'p', "private", OptionSpec::kNone},
      {'l', "lifetime", OptionSpec::kRequired},
      {'S', "section", OptionSpec::kRequired},
      {'q', "quiet", OptionSpec::kNone},
      {'V', "verbose", OptionSpec::kNone},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] =
      "usage: attrd_updater -n NAME (-U VALUE | -B VALUE -d DELAY | -Y -d DELAY | -Q [-A] | -D) [-N NODE] [-p]\n"
      "       attrd_updater -R\n";
  ParsedArgs p;
  if (auto done = StartTool("attrd_updater", args, specs, kUsage, ctx, &p)) return *done;
  if (!p.positional.empty()) {
    err << "attrd_updater: unexpected argument '" << p.positional[0] << "'\n" << kUsage;
    return kExitUsage;
  }
  enum { kNoCommand, kUpdate, kDelayOnly, kQuery, kDelete, kRefresh } command = kNoCommand;
  std::string value;
  for (const auto& o : p.options) {
    if (o.name == "update" || o.name == "value" || o.name == "update-both") {
      command = kUpdate;
      value = o.value.value_or("");
    }
    if (o.name == "update-delay") command = kDelayOnly;
    if (o.name == "query") command = kQuery;
    if (o.name == "delete") command = kDelete;
    if (o.name == "refresh") command = kRefresh;
  }
  auto fail = [&](const absl::Status& st) {
    if (st.code() == absl::StatusCode::kUnavailable) {
      err << "attrd_updater: Could not connect to the attribute manager: " << st.message() << "\n";
      return kExitDisconnect;
    }
    err << "attrd_updater: " << st.message() << "\n";
    return st.code() == absl::StatusCode::kNotFound ? kExitNoSuch : kExitError;
  };
  if (command == kRefresh) {
    // Everything is already in the CIB view the daemon serves: nothing to resend.
    auto r = ctx.backend->Call({"node-info"});
    return r.ok() ? kExitOk : fail(r.status());
  }
  std::string name = Value(p, "name").value_or("");
  if (name.empty()) {
    err << "attrd_updater: -n/--name is required\n" << kUsage;
    return kExitUsage;
  }
  if (command == kNoCommand) {
    err << "attrd_updater: no command: give -U, -B, -Y, -Q or -D\n" << kUsage;
    return kExitUsage;
  }
  std::string node;
  if (auto n = Value(p, "node"); n && *n != "auto" && *n != "localhost") {
    node = *n;
  } else if (!(command == kQuery && Has(p, "all"))) {
    auto d = DefaultNode(ctx);
    if (!d.ok()) return fail(d.status());
    node = *d;
  }
  if (command == kDelayOnly) {
    // Dampening is not modelled: updates apply at once. Check the daemon is there.
    auto r = ctx.backend->Call({"node-info"});
    return r.ok() ? kExitOk : fail(r.status());
  }
  if (command == kUpdate) {
    auto r = ctx.backend->Call({"attr-set", node, name, value, "reboot"});
    return r.ok() ? kExitOk : fail(r.status());
  }
  if (command == kDelete) {
    auto r = ctx.backend->Call({"attr-del", node, name, "reboot"});
    return r.ok() ? kExitOk : fail(r.status());
  }
  auto r = ctx.backend->Call({"attr-query", name, "reboot"});
  if (!r.ok()) return fail(r.status());
  bool any = false;
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(*r, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits('\t', 2));
    if (f.size() != 3) continue;
    if (f[1] == "set") any = true;
    if (!node.empty() && f[0] != node) continue;
    lines.push_back(absl::StrCat("name=\"", name, "\" host=\"", f[0], "\" value=\"", f[2], "\""));
  }
  if (!any) {
    err << "Could not query value of " << name << ": attribute does not exist\n";
    return kExitConfig;
  }
  if (lines.empty()) return fail(absl::NotFoundError(absl::StrCat("Could not map name=", node, " to a UUID")));
  for (const auto& l : lines) out << l << "\n";
  return kExitOk;
}

// --- crm_node ---------------------------------------------------------------

// Case-insensitive, numbers compared by value ("node2" < "node10").
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      std::string x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i2;
      j = j2;
      continue;
    }
    int ca = std::tolower(static_cast<unsigned char>(a[i]));
    int cb = std::tolower(static_cast<unsigned char>(b[j]));
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  return (a.size() - i) < (b.size() - j);
}

int CrmNode(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'n', "name", OptionSpec::kNone},
      {'N', "name-for-id", OptionSpec::kRequired},
      {'i', "cluster-id", OptionSpec::kNone},
      {'q', "quorum", OptionSpec::kNone},
      {'l', "list", OptionSpec::kNone},
      {'p', "partition", OptionSpec::kNone},
      {'R', "remove", OptionSpec::kRequired},
      {'f', "force", OptionSpec::kNone},
      {'V', "verbose", OptionSpec::kNone},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] = "usage: crm_node -n | -N ID | -i | -q | -l | -p\n";
  ParsedArgs p;
  if (auto done = StartTool("crm_node", args, specs, kUsage, ctx, &p)) return *done;
  std::string command;
  for (const auto& o : p.options) {
    if (o.name != "force" && o.name != "verbose") command = o.name;
  }
  if (command.empty() || command == "help" || !p.positional.empty()) {
    (command == "help" ? out : err) << kUsage;
    return command == "help" ? kExitOk : kExitUsage;
  }
  if (command == "name") {
    if (auto n = Env(ctx, "OCF_RESKEY_CRM_meta_on_node")) {
      out << *n << "\n";
      return kExitOk;
    }
  }
  if (command == "remove") {
    err << "crm_node: --remove is not supported by baton yet (nodes come from cluster.conf)\n";
    return kExitUnimplemented;
  }
  auto info = GetNodeInfo(ctx);
  if (!info.ok()) {
    err << "error: Could not connect to controller: " << info.status().message() << "\n";
    return kExitDisconnect;
  }
  if (command == "name") {
    out << info->self_name << "\n";
    return kExitOk;
  }
  if (command == "cluster-id") {
    out << info->self_id << "\n";
    return kExitOk;
  }
  if (command == "name-for-id") {
    std::string id = Value(p, "name-for-id").value_or("");
    for (const auto& n : info->nodes) {
      if (n.id == id) {
        out << n.name << "\n";
        return kExitOk;
      }
    }
    err << "crm_node: Could not find node with ID " << id << "\n";
    return kExitNoHost;
  }
  if (command == "quorum") {
    out << (info->quorate ? 1 : 0) << "\n";
    return info->quorate ? kExitOk : kExitNoQuorum;
  }
  auto nodes = info->nodes;
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return NaturalLess(a.name, b.name); });
  if (command == "list") {
    for (const auto& n : nodes) out << n.id << " " << n.name << " " << (n.member ? "member" : "lost") << "\n";
    return kExitOk;
  }
  for (const auto& n : nodes) {
    if (n.member) out << n.name << " ";
  }
  out << "\n";
  return kExitOk;
}

// --- crm_resource -----------------------------------------------------------

std::string RoleWord(scheduler::Role r) { return scheduler::RoleName(r); }

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
      {'V', "verbose", OptionSpec::kNone},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
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
  if (!s.ok()) {
    if (s.status().code() == absl::StatusCode::kUnavailable) {
      err << "crm_resource: Could not connect to the CIB: Transport endpoint is not connected\n";
      return kExitDisconnect;
    }
    err << "crm_resource: " << s.status().message() << "\n";
    return kExitError;
  }
  WorkingSet& ws = *s->ws;
  std::string rsc_id = Value(p, "resource").value_or("");
  Resource* rsc = nullptr;
  if (!rsc_id.empty()) {
    rsc = ws.FindResource(rsc_id);
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
          char date[64] = "";
          time_t t = static_cast<time_t>(op.last_rc_change);
          struct tm tm;
          localtime_r(&t, &tm);
          strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
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
    if (Has(p, "meta")) source = &rsc->meta;
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
      err << "Attribute '" << *name << "' not found for '" << rsc_id << "'\n";
      return kExitOk;
    }
    out << it->second << "\n";
    return kExitOk;
  }
  err << "crm_resource: no command given\n" << kUsage;
  return kExitUsage;
}

// --- crm_mon ----------------------------------------------------------------

std::string Bool(bool b) { return b ? "true" : "false"; }

void XmlResource(pugi::xml_node parent, const Resource* r, const WorkingSet& ws, bool inactive);

void XmlPrimitive(pugi::xml_node parent, const Resource* r) {
  auto e = parent.append_child("resource");
  e.append_attribute("id") = r->id.c_str();
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
    dc.append_attribute("with_quorum") = Bool(ws.options.have_quorum).c_str();
  }
  summary.append_child("nodes_configured").append_attribute("number") = std::to_string(ws.nodes.size()).c_str();
  ResourceCounts counts = CountResources(ws);
  auto rc = summary.append_child("resources_configured");
  rc.append_attribute("number") = std::to_string(counts.instances).c_str();
  rc.append_attribute("disabled") = std::to_string(counts.disabled).c_str();
  rc.append_attribute("blocked") = std::to_string(counts.blocked).c_str();
  auto opts = summary.append_child("cluster_options");
  opts.append_attribute("stonith-enabled") = Bool(ws.options.stonith_enabled).c_str();
  opts.append_attribute("symmetric-cluster") = Bool(ws.options.symmetric).c_str();
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
        if (when > 0) {
          char date[64];
          time_t t = static_cast<time_t>(when);
          struct tm tm;
          localtime_r(&t, &tm);
          strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
          absl::StrAppend(&line, " at ", date);
        }
        long long exec = std::atoll(cib::Get(op.attrs, "exec-time", "0").c_str());
        if (exec > 0) absl::StrAppend(&line, " after ", ReadableMs(exec));
        out.push_back(std::move(line));
      }
    }
  }
  return out;
}

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
      {'V', "verbose", OptionSpec::kNone},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
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
        << (ws.options.have_quorum ? "with quorum" : "WITHOUT quorum") << "\n";
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

// --- cibadmin ---------------------------------------------------------------

// cibadmin --replace --xml-file FILE | --xml-text XML: the whole
// configuration, through the DC, as compare-and-swap on the version read
// just before (a concurrent change makes it fail; nothing is half-applied).
int CibadminReplace(const ParsedArgs& p, ToolContext& ctx) {
  std::ostream& err = *ctx.err;
  std::string xml;
  if (auto file = Value(p, "xml-file")) {
    std::ifstream in(*file);
    if (!in) {
      err << "cibadmin: cannot read " << *file << ": " << std::strerror(errno) << "\n";
      return kExitError;
    }
    std::stringstream text;
    text << in.rdbuf();
    xml = text.str();
  } else if (auto text = Value(p, "xml-text")) {
    xml = *text;
  } else {
    err << "cibadmin: --replace needs --xml-file FILE or --xml-text XML\n";
    return kExitUsage;
  }
  if (Has(p, "scope")) {
    err << "cibadmin: --replace with --scope is not supported by baton; give a whole <cib>\n";
    return kExitUnimplemented;
  }
  auto next = cib::ParseCibXml(xml);
  if (!next.ok()) {
    err << "cibadmin: the new CIB is not valid: " << next.status().message() << "\n";
    return kExitUsage;
  }
  if (auto st = cib::Validate(*next); !st.ok()) {
    err << "cibadmin: the new CIB is not valid: " << st.message() << "\n";
    return kExitUsage;
  }
  if (auto file = Env(ctx, "CIB_file")) {
    auto st = SaveCibFile(*file, *next);
    if (!st.ok()) {
      err << "cibadmin: " << st.message() << "\n";
      return kExitError;
    }
    return kExitOk;
  }
  auto current = LoadCib(ctx);
  if (!current.ok()) {
    if (current.status().code() == absl::StatusCode::kUnavailable) {
      err << "cibadmin: Could not connect to the CIB: Transport endpoint is not connected\n";
      return kExitDisconnect;
    }
    err << "cibadmin: " << current.status().message() << "\n";
    return kExitError;
  }
  const cib::Version& v = current->version;
  auto r = ctx.backend->Call({"cib-replace", std::to_string(v.admin_epoch), std::to_string(v.epoch),
                              std::to_string(v.num_updates), xml});
  if (!r.ok()) {
    err << "cibadmin: Call cib_replace failed: " << r.status().message() << "\n";
    return r.status().code() == absl::StatusCode::kUnavailable ? kExitDisconnect : kExitError;
  }
  return kExitOk;
}

int Cibadmin(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'Q', "query", OptionSpec::kNone},
      {'o', "scope", OptionSpec::kRequired},
      {'A', "xpath", OptionSpec::kRequired},
      {'l', "local", OptionSpec::kNone},
      {'s', "sync-call", OptionSpec::kNone},
      {'V', "verbose", OptionSpec::kNone},
      {'$', "version", OptionSpec::kNone},
      {'h', "help", OptionSpec::kNone},
      {'R', "replace", OptionSpec::kNone},
      {'C', "create", OptionSpec::kNone},
      {'M', "modify", OptionSpec::kNone},
      {'D', "delete", OptionSpec::kNone},
      {'E', "erase", OptionSpec::kNone},
      {'x', "xml-file", OptionSpec::kRequired},
      {'X', "xml-text", OptionSpec::kRequired},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] =
      "usage: cibadmin -Q [-o SECTION] [--xpath XPATH] | cibadmin --replace (--xml-file FILE | --xml-text XML)\n";
  ParsedArgs p;
  if (auto done = StartTool("cibadmin", args, specs, kUsage, ctx, &p)) return *done;
  for (const char* w : {"create", "modify", "delete", "erase"}) {
    if (Has(p, w)) {
      err << "cibadmin: --" << w << " is not supported by baton; use --replace with a whole CIB, or crm configure\n";
      return kExitUnimplemented;
    }
  }
  if (Has(p, "replace")) return CibadminReplace(p, ctx);
  if (!Has(p, "query")) {
    err << "cibadmin: only -Q [-o SECTION] [--xpath XPATH] is supported\n";
    return kExitUsage;
  }
  auto c = LoadCib(ctx);
  if (!c.ok()) {
    if (c.status().code() == absl::StatusCode::kUnavailable) {
      err << "cibadmin: Could not connect to the CIB: Transport endpoint is not connected\n";
      return kExitDisconnect;
    }
    err << "cibadmin: " << c.status().message() << "\n";
    return kExitError;
  }
  pugi::xml_document doc;
  std::string xml = cib::WriteCibXml(*c);
  doc.load_buffer(xml.data(), xml.size());
  auto print = [&](pugi::xml_node n) {
    std::ostringstream text;
    n.print(text, "  ", pugi::format_indent);
    out << text.str();
  };
  if (auto xpath = Value(p, "xpath")) {
    pugi::xpath_node_set found;
    try {
      found = doc.select_nodes(xpath->c_str());
    } catch (const pugi::xpath_exception& e) {
      err << "cibadmin: invalid --xpath '" << *xpath << "': " << e.what() << "\n";
      return kExitUsage;
    }
    if (found.empty()) {
      err << "Call failed: No such device or address\n";
      return kExitNoSuch;
    }
    if (found.size() == 1) {
      print(found.first().node());
      return kExitOk;
    }
    pugi::xml_document wrap;
    auto w = wrap.append_child("xpath-query");
    for (const auto& n : found) w.append_copy(n.node());
    print(w);
    return kExitOk;
  }
  pugi::xml_node root = doc.child("cib");
  if (auto scope = Value(p, "scope")) {
    pugi::xml_node n = *scope == "status" ? root.child("status") : root.child("configuration").child(scope->c_str());
    if (!n) {
      err << "Call failed: No such device or address\n";
      return kExitNoSuch;
    }
    print(n);
    return kExitOk;
  }
  print(root);
  return kExitOk;
}

int Pacemakerd(const std::vector<std::string>& args, ToolContext& ctx) {
  if (args.size() == 1 && (args[0] == "-$" || args[0] == "--version")) {
    *ctx.out << kVersionText;
    return kExitOk;
  }
  *ctx.err << "pacemakerd: baton-crmd runs the cluster; this name answers only -$ / --version\n";
  return kExitUsage;
}

}  // namespace

const std::vector<std::string>& ToolNames() {
  static const std::vector<std::string> names = {"crm_attribute", "crm_master", "attrd_updater", "crm_node",
                                                 "crm_resource",  "crm_mon",    "cibadmin",      "pacemakerd"};
  return names;
}

int RunTool(const std::string& name, const std::vector<std::string>& args, ToolContext& ctx) {
  if (name == "crm_attribute") return CrmAttribute(name, args, ctx);
  if (name == "crm_master") return CrmMaster(args, ctx);
  if (name == "attrd_updater") return AttrdUpdater(args, ctx);
  if (name == "crm_node") return CrmNode(args, ctx);
  if (name == "crm_resource") return CrmResource(args, ctx);
  if (name == "crm_mon") return CrmMon(args, ctx);
  if (name == "cibadmin") return Cibadmin(args, ctx);
  if (name == "pacemakerd") return Pacemakerd(args, ctx);
  *ctx.err << name << ": not a tool baton answers as\n";
  return kExitUsage;
}

}  // namespace baton::cli
