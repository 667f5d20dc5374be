// `crm resource op RSC ACTION ...`: runs one OCF agent action on this node
// through the executor (RealProcessRunner) and waits for its result. A
// low-level tool for trying agents before any CIB exists.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace baton::cli {

// args: RSC ACTION [--agent ocf:PROVIDER:TYPE] [--param k=v]... [--meta k=v]...
//       [--interval MS] [--timeout MS]   (the words after `crm resource op`).
// Prints `RSC ACTION: rc=N (text)[ reason: ...]` and, for meta-data, the
// agent's stdout. Returns 0 when rc is 0, 1 for any other rc, 2 for bad input
// (one line on `err`).
// Environment: BATON_AGENTS_DIR (ocf:baton agents), HA_RSCTMP (agent state
// dir), BATON_TOOLS_DIR (first on the agents' PATH); HA_SBIN_DIR and
// HA_VARRUN are handed to the agent when set.
int RunResourceOp(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace baton::cli
