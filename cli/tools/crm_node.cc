// crm_node: this node's name and id, a name by id, quorum, and the node
// list and partition, from the daemon.
#include <algorithm>
#include <ostream>

#include "cli/tools/internal.h"

namespace baton::cli::tools {

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
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return scheduler::NaturalLess(a.name, b.name); });
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

}  // namespace baton::cli::tools
