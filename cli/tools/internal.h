// What the tool shims of cli/tools/ share: Pacemaker's exit codes, option
// handling, the environment, and the node list, CIB and scheduled working
// set the tools read; and one Run function per tool, for the dispatch table
// in tools.cc. Not a public header.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/options.h"
#include "cli/tools.h"
#include "crmd/scheduler/scheduler.h"
#include "lib/cib/cib.h"
#include "lib/control/control.h"

namespace baton::cli::tools {

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

// ---- options and environment (common.cc) ------------------------------------

// What every tool does first: parse its options, `specs` and the -V/--verbose,
// -$/--version and -h/--help every tool takes (a bad one: usage, exit 64),
// and answer -$/--version and -h/--help. Returns an exit code when the tool
// is done, nullopt to go on with `*parsed`.
std::optional<int> StartTool(const std::string& tool, const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs, const char* usage, ToolContext& ctx,
                             ParsedArgs* parsed);
// The environment variable `name`; nullopt when unset or empty.
std::optional<std::string> Env(ToolContext& ctx, const std::string& name);
bool Has(const ParsedArgs& p, const std::string& name);
// The last value given for `name`.
std::optional<std::string> Value(const ParsedArgs& p, const std::string& name);

// Reports a failure to read the CIB as Pacemaker's tools do: "Could not
// connect to the CIB" and kExitDisconnect when the daemon is not there, else
// the message and kExitError.
int CibFailure(const std::string& tool, const absl::Status& st, std::ostream& err);
// A time as Pacemaker's tools print it ("Mon Jan  2 15:04:05 2006"), local.
std::string DateText(long long when);

// ---- cluster answers (common.cc) --------------------------------------------

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

absl::StatusOr<NodeInfo> GetNodeInfo(ToolContext& ctx);

// The node an agent means when it names none: the container's host for
// attributes that target it, else the node the action runs for, else this
// node (ocf-agents.md 11.1).
absl::StatusOr<std::string> DefaultNode(ToolContext& ctx);

// The CIB: $CIB_file if set (as Pacemaker's tools), else the daemon's.
absl::StatusOr<cib::Cib> LoadCib(ToolContext& ctx);
absl::Status SaveCibFile(const std::string& path, const cib::Cib& c);

// The CIB scheduled now; `ws` points into `cib`.
struct Scheduled {
  std::unique_ptr<cib::Cib> cib;
  std::unique_ptr<scheduler::WorkingSet> ws;
};

absl::StatusOr<Scheduled> LoadWorkingSet(ToolContext& ctx);

// ---- the tools: each returns its exit code -----------------------------------

// crm_attribute; `tool` names it in messages (crm_master runs it too).
int CrmAttribute(const std::string& tool, const std::vector<std::string>& args, ToolContext& ctx);
int CrmMaster(const std::vector<std::string>& args, ToolContext& ctx);
int AttrdUpdater(const std::vector<std::string>& args, ToolContext& ctx);
int CrmNode(const std::vector<std::string>& args, ToolContext& ctx);
int CrmResource(const std::vector<std::string>& args, ToolContext& ctx);
int CrmMon(const std::vector<std::string>& args, ToolContext& ctx);
int Cibadmin(const std::vector<std::string>& args, ToolContext& ctx);
int Pacemakerd(const std::vector<std::string>& args, ToolContext& ctx);

}  // namespace baton::cli::tools
