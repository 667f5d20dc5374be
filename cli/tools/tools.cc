// The entry points of cli/tools.h: the control-socket backend, and the one
// table that maps a tool's name (the crm binary's argv[0]) to the function
// that runs it.
#include <ostream>

#include "cli/tools.h"
#include "cli/tools/internal.h"
#include "lib/control/control.h"

namespace baton::cli {

absl::StatusOr<control::ControlReply> SocketBackend::Call(const control::ControlRequest& request) {
  return control::Call(control::ControlSocketPath(path_), request);
}

namespace tools {
namespace {

struct Tool {
  std::string name;
  int (*run)(const std::vector<std::string>& args, ToolContext& ctx);
};

const std::vector<Tool>& Tools() {
  static const std::vector<Tool> kTools = {
      {"crm_attribute",
       [](const std::vector<std::string>& args, ToolContext& ctx) { return CrmAttribute("crm_attribute", args, ctx); }},
      {"crm_master", CrmMaster},
      {"attrd_updater", AttrdUpdater},
      {"crm_node", CrmNode},
      {"crm_resource", CrmResource},
      {"crm_mon", CrmMon},
      {"cibadmin", Cibadmin},
      {"pacemakerd", Pacemakerd},
  };
  return kTools;
}

}  // namespace
}  // namespace tools

const std::vector<std::string>& ToolNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& t : tools::Tools()) out.push_back(t.name);
    return out;
  }();
  return names;
}

int RunTool(const std::string& name, const std::vector<std::string>& args, ToolContext& ctx) {
  for (const auto& t : tools::Tools()) {
    if (t.name == name) return t.run(args, ctx);
  }
  *ctx.err << name << ": not a tool baton answers as\n";
  return tools::kExitUsage;
}

}  // namespace baton::cli
