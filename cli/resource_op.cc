// `crm resource op`: parses the command line into an OperationRequest, submits
// it to an Executor over a RealProcessRunner and ticks until the result comes.
#include "cli/resource_op.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <ostream>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crmd/executor/executor.h"
#include "lib/control/control.h"
#include "lib/process/process_runner.h"

#ifndef BATON_AGENTS_DIR
#define BATON_AGENTS_DIR "/usr/lib/baton/agents/ocf"
#endif

namespace baton::cli {
namespace {

using executor::Executor;
using executor::ExecutorOptions;
using executor::OperationRequest;
using executor::OperationResult;

constexpr char kOpUsage[] =
    "usage: crm resource op RSC ACTION --agent ocf:PROVIDER:TYPE [--param k=v]...\n"
    "                       [--meta k=v]... [--node NAME] [--interval MS] [--timeout MS]\n";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status ParseKeyValue(const std::string& flag, const std::string& text,
                           std::map<std::string, std::string>* into) {
  std::pair<std::string, std::string> kv = absl::StrSplit(text, absl::MaxSplits('=', 1));
  if (kv.first.empty() || text.find('=') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " '", text, "' is not NAME=VALUE (e.g. ", flag, " ip=10.0.0.5)"));
  }
  (*into)[kv.first] = kv.second;
  return absl::OkStatus();
}

absl::Status ParseAgent(const std::string& text, OperationRequest* req) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts.size() != 3 || parts[0] != "ocf" || parts[1].empty() || parts[2].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--agent '", text, "' is not ocf:PROVIDER:TYPE (only the ocf class is supported)"));
  }
  req->provider = parts[1];
  req->type = parts[2];
  return absl::OkStatus();
}

absl::Status ParseMs(const std::string& flag, const std::string& text, int64_t* ms) {
  if (!absl::SimpleAtoi(text, ms) || *ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " '", text, "' is not a number of milliseconds"));
  }
  return absl::OkStatus();
}

absl::StatusOr<OperationRequest> ParseArgs(const std::vector<std::string>& args) {
  OperationRequest req;
  req.timeout_ms = 0;  // the executor's default unless --timeout
  std::vector<std::string> positional;
  bool have_agent = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      positional.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(a, " needs a value"));
    const std::string& v = args[++i];
    absl::Status s;
    if (a == "--agent") {
      s = ParseAgent(v, &req);
      have_agent = true;
    } else if (a == "--param") {
      s = ParseKeyValue(a, v, &req.params);
    } else if (a == "--meta") {
      s = ParseKeyValue(a, v, &req.meta);
    } else if (a == "--node") {
      if (v.empty()) s = absl::InvalidArgumentError("--node needs a node name");
      req.meta["on_node"] = v;
    } else if (a == "--interval") {
      s = ParseMs(a, v, &req.interval_ms);
    } else if (a == "--timeout") {
      s = ParseMs(a, v, &req.timeout_ms);
    } else {
      s = absl::InvalidArgumentError(absl::StrCat("unknown option '", a, "'"));
    }
    if (!s.ok()) return s;
  }
  if (positional.size() != 2) {
    return absl::InvalidArgumentError("expected exactly RSC and ACTION");
  }
  req.rsc_id = positional[0];
  req.action = positional[1];
  if (!executor::IsKnownAction(req.action)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown action '", req.action,
        "' (expected start, stop, monitor, promote, demote, notify, reload, "
        "reload-agent, meta-data or validate-all)"));
  }
  if (!have_agent) {
    return absl::InvalidArgumentError("--agent ocf:PROVIDER:TYPE is required (no CIB yet)");
  }
  if (req.interval_ms > 0 && req.action != "monitor") {
    return absl::InvalidArgumentError("--interval is only for monitor");
  }
  return req;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// The shims' directory: "tools" beside this binary (a build tree's bin/),
// else the installed /usr/lib/baton/tools; "" if neither exists.
std::string ToolsBesideMe() {
  struct stat st;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<size_t>(n));
    std::string dir = exe.substr(0, exe.rfind('/')) + "/tools";
    if (::stat((dir + "/crm_attribute").c_str(), &st) == 0) return dir;
  }
  if (::stat("/usr/lib/baton/tools/crm_attribute", &st) == 0) return "/usr/lib/baton/tools";
  return "";
}

ExecutorOptions OptionsFromEnvironment() {
  ExecutorOptions options;
  options.baton_agents_dir = EnvOr("BATON_AGENTS_DIR", BATON_AGENTS_DIR);
  options.ha_rsctmp = EnvOr("HA_RSCTMP", options.ha_rsctmp);
  options.tools_dir = EnvOr("BATON_TOOLS_DIR", ToolsBesideMe());
  for (const char* name : {"HA_SBIN_DIR", "HA_VARRUN", "CIB_file"}) {
    std::string v = EnvOr(name, "");
    if (!v.empty()) options.extra_env[name] = v;
  }
  // The shims the agent calls must reach the daemon this command would.
  options.extra_env["BATON_SOCKET"] = control::ControlSocketPath();
  return options;
}

// Ticks until the operation's first result; a recurring monitor is then
// cancelled (its later runs are of no interest to a one-shot tool).
OperationResult RunToResult(Executor& exec, const OperationRequest& req, int call_id) {
  for (;;) {
    for (OperationResult& r : exec.OnTick(NowMs())) {
      if (r.call_id != call_id) continue;
      if (req.interval_ms > 0) {
        (void)exec.Cancel(req.rsc_id, req.action, req.interval_ms);
      }
      return std::move(r);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

int RunResourceOp(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<OperationRequest> req = ParseArgs(args);
  if (!req.ok()) {
    err << "crm resource op: " << req.status().message() << "\n" << kOpUsage;
    return 2;
  }
  process::RealProcessRunner runner;
  Executor exec(OptionsFromEnvironment(), &runner);
  if (!exec.FindAgent(req->provider, req->type)) {
    err << "crm resource op: agent ocf:" << req->provider << ":" << req->type
        << " not found (looked in " << EnvOr("BATON_AGENTS_DIR", BATON_AGENTS_DIR)
        << " for provider baton, and /usr/lib/ocf/resource.d/" << req->provider << ")\n";
    return 2;
  }
  absl::StatusOr<int> call_id = exec.Submit(*req, NowMs());
  if (!call_id.ok()) {
    err << "crm resource op: " << call_id.status().message() << "\n";
    return 2;
  }
  OperationResult result = RunToResult(exec, *req, *call_id);
  out << req->rsc_id << " " << req->action << ": rc=" << result.rc << " ("
      << executor::OcfRcText(result.rc) << ")";
  if (result.status != executor::ExecStatus::kDone) {
    out << " status=" << executor::ExecStatusText(result.status);
  }
  if (!result.exit_reason.empty()) out << " reason: " << result.exit_reason;
  out << "\n";
  if (req->action == "meta-data") out << result.output;
  return result.rc == 0 ? 0 : 1;
}

}  // namespace baton::cli
