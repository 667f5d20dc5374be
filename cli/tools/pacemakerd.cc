// pacemakerd: baton-crmd runs the cluster; this name answers only
// -$ / --version, for agents that ask which Pacemaker they run under.
#include <ostream>

#include "cli/tools/internal.h"

namespace baton::cli::tools {

int Pacemakerd(const std::vector<std::string>& args, ToolContext& ctx) {
  if (args.size() == 1 && (args[0] == "-$" || args[0] == "--version")) {
    *ctx.out << kVersionText;
    return kExitOk;
  }
  *ctx.err << "pacemakerd: baton-crmd runs the cluster; this name answers only -$ / --version\n";
  return kExitUsage;
}

}  // namespace baton::cli::tools
