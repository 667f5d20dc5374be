// crm: the operator CLI. Answers as `crm SUBCOMMAND ...` and, by the name it
// is called under, as crm_simulate and the Pacemaker tools agents call
// (crm_attribute, crm_master, attrd_updater, crm_node, crm_resource, crm_mon,
// cibadmin, pacemakerd; see tools.h).
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/cluster.h"
#include "cli/fence_client.h"
#include "cli/live.h"
#include "cli/report.h"
#include "cli/resource_op.h"
#include "cli/simulate.h"
#include "cli/status_client.h"
#include "cli/tools.h"

namespace {

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

constexpr char kUsage[] =
    "usage: crm status                  the cluster as crm_mon -1 -r shows it\n"
    "       crm cluster status          membership, ring id, links and votes\n"
    "       crm cluster init|join|remove|token|start|stop ...   form the cluster (crm cluster help)\n"
    "       crm configure show | COMMAND ...   the configuration, in crm shell syntax\n"
    "       crm resource start|stop|move|ban|clear|cleanup|status ...\n"
    "       crm node standby|online [NODE]\n"
    "       crm node fence NODE [--action off|reboot|on] [--timeout MS]\n"
    "                                   fence NODE through baton-fenced (default reboot)\n"
    "       crm node clearstate NODE    assert that NODE is down (as stonith_admin --confirm)\n"
    "       crm history fencing [NODE]  the fencer's history\n"
    "       crm report [-f TIME] [-t TIME] [DEST]\n"
    "                                   one tarball: every node's logs in the window (default\n"
    "                                   the last 12 h), cluster.conf, CIB, status, fencing history\n"
    "       crm simulate [options]      run the scheduler on a CIB (as crm_simulate)\n"
    "       crm resource op RSC ACTION --agent ocf:PROVIDER:TYPE [--param k=v]...\n"
    "           [--meta k=v]... [--node NAME] [--interval MS] [--timeout MS]\n"
    "                                   run one agent action on this node, now\n"
    "       crm help\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string self = BaseName(argc > 0 ? argv[0] : "crm");
  if (self == "crm_simulate") return baton::cli::RunSimulate(args, std::cout, std::cerr);
  if (self == "stonith_admin") return baton::cli::RunStonithAdmin(args, std::cout, std::cerr);
  // The local baton-crmd, this process's environment, stdout/stderr.
  baton::cli::SocketBackend backend;
  baton::cli::ToolContext ctx;
  ctx.backend = &backend;
  ctx.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  ctx.out = &std::cout;
  ctx.err = &std::cerr;
  for (const auto& tool : baton::cli::ToolNames()) {
    if (self == tool) return baton::cli::RunTool(self, args, ctx);
  }
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "configure") return baton::cli::RunConfigure(args, ctx);
  if (cmd == "resource" && !(args.size() > 0 && args[0] == "op")) return baton::cli::RunResource(args, ctx);
  if (cmd == "node" && !args.empty() && (args[0] == "standby" || args[0] == "online")) {
    return baton::cli::RunNodeState(args, ctx);
  }
  if (cmd == "node" && !args.empty() && (args[0] == "fence" || args[0] == "clearstate")) {
    std::string sub = args[0];
    args.erase(args.begin());
    if (sub == "fence") return baton::cli::RunNodeFence(args, std::cout, std::cerr);
    return baton::cli::RunNodeClearstate(args, std::cout, std::cerr);
  }
  if (cmd == "history" && !args.empty() && args[0] == "fencing") {
    args.erase(args.begin());
    return baton::cli::RunFencingHistory(args, std::cout, std::cerr);
  }
  if (cmd == "report") return baton::cli::RunReport(args, ctx);
  if (cmd == "simulate") return baton::cli::RunSimulate(args, std::cout, std::cerr);
  if (cmd == "status") {
    std::string socket;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--socket" && i + 1 < args.size()) {
        socket = args[++i];
      } else if (args[i].rfind("--socket=", 0) == 0) {
        socket = args[i].substr(9);
      } else {
        std::cerr << "crm status: unexpected argument '" << args[i] << "'\n";
        return 2;
      }
    }
    baton::cli::SocketBackend status_backend(socket);
    ctx.backend = &status_backend;
    ctx.dc_version = "0.1.0";
    return baton::cli::RunTool("crm_mon", {"-1", "-r"}, ctx);
  }
  if (cmd == "cluster") return baton::cli::RunCluster(args, ctx);
  if (cmd == "resource" && !args.empty() && args[0] == "op") {
    args.erase(args.begin());
    return baton::cli::RunResourceOp(args, std::cout, std::cerr);
  }
  std::cerr << "crm: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
