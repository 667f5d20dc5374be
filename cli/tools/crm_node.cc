// crm_node: this node's name and id, a name by id, quorum, and the node
// list and partition, from the daemon.
#include <algorithm>
#include <cctype>
#include <ostream>

#include "cli/tools/internal.h"

namespace baton::cli::tools {
namespace {

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

}  // namespace

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

}  // namespace baton::cli::tools
