// The operator's commands against the live cluster, in crm shell syntax
// (../shared/reference/crmsh.md): configure, resource, node standby/online.
// Each reads the CIB from the local baton-crmd (or $CIB_file), changes it
// and commits it through the DC as compare-and-swap; a refused change says
// why and changes nothing.
#pragma once

#include <string>
#include <vector>

#include "cli/tools.h"

namespace baton::cli {

// crm configure show [ID...] | crm configure COMMAND ARGS...
int RunConfigure(const std::vector<std::string>& args, ToolContext& ctx);
// crm resource start|stop|move|ban|clear|cleanup|status|locate ...
int RunResource(const std::vector<std::string>& args, ToolContext& ctx);
// crm node standby|online [NODE]
int RunNodeState(const std::vector<std::string>& args, ToolContext& ctx);

}  // namespace baton::cli
