// `crm simulate` / `crm_simulate`: run baton's scheduler on a CIB file and
// print what crm_simulate prints (current status, transition summary, the
// simulated execution and the revised status).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace baton::cli {

// argv excludes the program name. Returns the exit code; output goes to
// `out`, errors to `err`.
int RunSimulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace baton::cli
