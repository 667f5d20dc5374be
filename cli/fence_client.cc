#include "cli/fence_client.h"

#include "lib/control/control.h"

#include <grpcpp/grpcpp.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "proto/fencing.grpc.pb.h"

namespace baton::cli {
namespace {

// With no --timeout the fencer applies its own default (stonith-timeout,
// 60 s); the client waits for several device timeouts (topology levels,
// retries) before it calls the outcome unknown.
constexpr int64_t kAssumedFencerTimeoutMs = 60000;
constexpr int64_t kShortCallMs = 10000;

absl::Status FromGrpc(const grpc::Status& st) {
  if (st.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
}

class GrpcFencerConnection : public FencerConnection {
 public:
  explicit GrpcFencerConnection(const std::string& socket)
      : stub_(fencing::Fencer::NewStub(grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()))) {}

  absl::StatusOr<fencing::FenceReply> Fence(const fencing::FenceRequest& req, int64_t deadline_ms) override {
    return Call(&fencing::Fencer::Stub::Fence, req, fencing::FenceReply(), deadline_ms);
  }
  absl::StatusOr<fencing::ConfirmReply> Confirm(const fencing::ConfirmRequest& req, int64_t deadline_ms) override {
    return Call(&fencing::Fencer::Stub::Confirm, req, fencing::ConfirmReply(), deadline_ms);
  }
  absl::StatusOr<fencing::HistoryReply> History(const fencing::HistoryRequest& req, int64_t deadline_ms) override {
    return Call(&fencing::Fencer::Stub::History, req, fencing::HistoryReply(), deadline_ms);
  }

 private:
  template <typename Req, typename Reply>
  absl::StatusOr<Reply> Call(grpc::Status (fencing::Fencer::Stub::*method)(grpc::ClientContext*, const Req&, Reply*),
                             const Req& req, Reply reply, int64_t deadline_ms) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
    grpc::Status st = ((*stub_).*method)(&ctx, req, &reply);
    if (!st.ok()) return FromGrpc(st);
    return reply;
  }
  std::unique_ptr<fencing::Fencer::Stub> stub_;
};

bool ValidNodeName(const std::string& n) {
  if (n.empty() || n.size() > 255 || n[0] == '-') return false;
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

absl::Status Usage(const std::string& what) { return absl::InvalidArgumentError(what); }

// A value for option `name` at args[*i]: "--name=V" or "--name V".
// Returns nullopt when args[*i] is not that option.
absl::StatusOr<std::optional<std::string>> OptionValue(const std::vector<std::string>& args, size_t* i,
                                                       const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const std::string& a = args[*i];
    if (a == name) {
      if (*i + 1 >= args.size()) return Usage(absl::StrCat("option ", name, " needs a value"));
      return std::optional<std::string>(args[++*i]);
    }
    if (name.rfind("--", 0) == 0 && a.rfind(name + "=", 0) == 0) return std::optional<std::string>(a.substr(name.size() + 1));
  }
  return std::optional<std::string>();
}

absl::StatusOr<int64_t> ParseTimeoutMs(const std::string& v, int64_t unit_ms) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(v, &n) || n <= 0 || n > 86400000 / unit_ms) {
    return Usage(absl::StrCat("bad timeout '", v, "': use a positive whole number of ",
                              unit_ms == 1 ? "milliseconds" : "seconds"));
  }
  return n * unit_ms;
}

absl::Status CheckNode(const std::string& node) {
  if (ValidNodeName(node)) return absl::OkStatus();
  return Usage(absl::StrCat("bad node name '", node, "' (letters, digits, '.', '_' and '-')"));
}

absl::StatusOr<std::string> NormalizeAction(const std::string& a) {
  if (a == "off" || a == "poweroff") return std::string("off");
  if (a == "reboot" || a == "on") return a;
  return Usage(absl::StrCat("bad action '", a, "': use off, reboot or on"));
}

int64_t ClientWaitMs(int64_t timeout_ms) {
  int64_t t = timeout_ms > 0 ? timeout_ms : kAssumedFencerTimeoutMs;
  return 3 * t + 10000;
}

std::string StateWord(const std::string& state) {
  if (state == "success") return "successful";
  if (state == "pending") return "pending";
  return "failed";  // failed, timeout
}

int ReportCallError(const absl::Status& st, const std::string& socket, const std::string& what, FenceCliContext& ctx) {
  if (st.code() == absl::StatusCode::kDeadlineExceeded) {
    *ctx.err << ctx.program << ": no answer from baton-fenced in time: " << what << " is unknown\n";
    return kFenceExitTimeout;
  }
  *ctx.err << ctx.program << ": baton-fenced at unix:" << socket << ": " << st.message();
  if (st.code() == absl::StatusCode::kUnavailable) *ctx.err << " (is it running? see --fenced-socket)";
  *ctx.err << "\n";
  return kFenceExitFailed;
}

int LocalUtcOffset(int64_t epoch_ms) {
  time_t t = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm;
  localtime_r(&t, &tm);
  return static_cast<int>(tm.tm_gmtoff);
}

int DoFence(const std::string& node, const std::string& action, int64_t timeout_ms, const std::string& socket,
            FenceCliContext& ctx) {
  fencing::FenceRequest req;
  req.set_target(node);
  req.set_action(action);
  req.set_timeout_ms(timeout_ms);
  req.set_client(ctx.client);
  auto conn = ctx.connect(socket);
  auto reply = conn->Fence(req, ClientWaitMs(timeout_ms));
  if (!reply.ok()) {
    return ReportCallError(reply.status(), socket, absl::StrCat("the outcome of ", action, " of ", node), ctx);
  }
  fencing::HistoryEntry e = reply->entry();
  if (e.target().empty()) e.set_target(node);
  if (e.action().empty()) e.set_action(action);
  if (e.state().empty()) e.set_state(reply->state());
  if (e.exit_reason().empty()) e.set_exit_reason(reply->exit_reason());
  // Success only when every part of the answer says so.
  if (reply->success() && reply->state() == "success" && e.state() == "success") {
    *ctx.out << FormatHistoryEntry(e, /*verbose=*/true, ctx.format_time) << "\n";
    return kFenceExitOk;
  }
  bool timed_out = reply->state() == "timeout" || e.state() == "timeout";
  if (e.state() == "success") e.set_state(timed_out ? "timeout" : "failed");  // contradictory answer: not a success
  *ctx.err << ctx.program << ": " << FormatHistoryEntry(e, /*verbose=*/true, ctx.format_time) << "\n";
  return timed_out ? kFenceExitTimeout : kFenceExitFailed;
}

int DoConfirm(const std::string& node, const std::string& socket, FenceCliContext& ctx) {
  fencing::ConfirmRequest req;
  req.set_target(node);
  req.set_client(ctx.client);
  auto reply = ctx.connect(socket)->Confirm(req, kShortCallMs);
  if (!reply.ok()) return ReportCallError(reply.status(), socket, absl::StrCat("the confirmation of ", node), ctx);
  if (reply->entry().state() != "success") {
    *ctx.err << ctx.program << ": baton-fenced did not record " << node << " as down: "
             << FormatHistoryEntry(reply->entry(), true, ctx.format_time) << "\n";
    return kFenceExitFailed;
  }
  *ctx.out << "Node " << node << " confirmed down by the operator: "
           << FormatHistoryEntry(reply->entry(), false, ctx.format_time) << "\n";
  return kFenceExitOk;
}

int DoHistory(const std::string& node, bool verbose, const std::string& socket, FenceCliContext& ctx) {
  fencing::HistoryRequest req;
  req.set_target(node == "*" ? "" : node);
  auto reply = ctx.connect(socket)->History(req, kShortCallMs);
  if (!reply.ok()) return ReportCallError(reply.status(), socket, "the fencing history", ctx);
  std::vector<fencing::HistoryEntry> entries(reply->entries().begin(), reply->entries().end());
  if (entries.empty()) {
    *ctx.out << (req.target().empty() ? std::string("No fencing history")
                                       : absl::StrCat("No fencing history for ", node))
             << "\n";
    return kFenceExitOk;
  }
  *ctx.out << "Fencing History:\n";
  for (const auto& e : SortHistory(std::move(entries))) {
    *ctx.out << "  * " << FormatHistoryEntry(e, verbose, ctx.format_time) << "\n";
  }
  return kFenceExitOk;
}

template <typename Parsed>
bool ParsedOrUsage(const absl::StatusOr<Parsed>& p, const char* usage, FenceCliContext& ctx) {
  if (p.ok()) return true;
  *ctx.err << ctx.program << ": " << p.status().message() << "\n" << usage;
  return false;
}

constexpr char kNodeFenceUsage[] =
    "usage: crm node fence NODE [--action off|reboot|on] [--timeout MS] [--fenced-socket PATH]\n";
constexpr char kClearstateUsage[] = "usage: crm node clearstate NODE [--fenced-socket PATH]\n";
constexpr char kHistoryUsage[] = "usage: crm history fencing [NODE|*] [--verbose] [--fenced-socket PATH]\n";
constexpr char kStonithAdminUsage[] =
    "usage: stonith_admin --fence|--off|--reboot|--unfence NODE [--timeout SECONDS]\n"
    "       stonith_admin --confirm NODE\n"
    "       stonith_admin --history NODE|'*' [--verbose]\n"
    "       (all forms take --fenced-socket PATH)\n";

}  // namespace

std::unique_ptr<FencerConnection> ConnectFencer(const std::string& socket_path) {
  return std::make_unique<GrpcFencerConnection>(socket_path);
}

FenceCliContext DefaultFenceCliContext(const std::string& program, std::ostream& out, std::ostream& err) {
  FenceCliContext ctx;
  ctx.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  ctx.connect = ConnectFencer;
  ctx.crmd = [](const control::ControlRequest& request) {
    return control::Call(control::ControlSocketPath(), request);
  };
  ctx.format_time = [](int64_t ms) { return FormatFenceTime(ms, LocalUtcOffset(ms)); };
  ctx.program = program;
  ctx.client = absl::StrCat(program, ".", getpid());
  ctx.out = &out;
  ctx.err = &err;
  return ctx;
}

std::string FencedSocketPath(const std::string& flag,
                             const std::function<std::optional<std::string>(const std::string&)>& env) {
  if (!flag.empty()) return flag;
  if (auto v = env("BATON_FENCED_SOCKET"); v && !v->empty()) return *v;
  if (auto v = env("BATON_NODE_DIR"); v && !v->empty()) return *v + "/state/fenced.sock";
  return "/run/baton/fenced.sock";
}

absl::StatusOr<NodeFenceArgs> ParseNodeFenceArgs(const std::vector<std::string>& args) {
  NodeFenceArgs p;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    auto action = OptionValue(args, &i, {"--action"});
    if (!action.ok()) return action.status();
    if (*action) {
      auto a = NormalizeAction(**action);
      if (!a.ok()) return a.status();
      p.action = *a;
      continue;
    }
    auto timeout = OptionValue(args, &i, {"--timeout"});
    if (!timeout.ok()) return timeout.status();
    if (*timeout) {
      auto t = ParseTimeoutMs(**timeout, 1);
      if (!t.ok()) return t.status();
      p.timeout_ms = *t;
      continue;
    }
    auto socket = OptionValue(args, &i, {"--fenced-socket"});
    if (!socket.ok()) return socket.status();
    if (*socket) {
      p.socket = **socket;
      continue;
    }
    if (args[i].rfind("-", 0) == 0) return Usage(absl::StrCat("unknown option '", args[i], "'"));
    positional.push_back(args[i]);
  }
  if (positional.size() != 1) return Usage("node fence takes exactly one node name");
  if (auto st = CheckNode(positional[0]); !st.ok()) return st;
  p.node = positional[0];
  return p;
}

namespace {

absl::StatusOr<NodeArgs> ParseNodeArgs(const std::vector<std::string>& args, bool history) {
  NodeArgs p;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    auto socket = OptionValue(args, &i, {"--fenced-socket"});
    if (!socket.ok()) return socket.status();
    if (*socket) {
      p.socket = **socket;
    } else if (history && (args[i] == "--verbose" || args[i] == "-v")) {
      p.verbose = true;
    } else if (!history && (args[i] == "--force" || args[i] == "-F")) {
      // crmsh's "do not ask": baton never asks.
    } else if (args[i].rfind("-", 0) == 0) {
      return Usage(absl::StrCat("unknown option '", args[i], "'"));
    } else {
      positional.push_back(args[i]);
    }
  }
  if (history) {
    if (positional.size() > 1) return Usage("history fencing takes at most one node name");
    if (!positional.empty() && positional[0] != "*") {
      if (auto st = CheckNode(positional[0]); !st.ok()) return st;
    }
    p.node = positional.empty() || positional[0] == "*" ? "" : positional[0];
    return p;
  }
  if (positional.size() != 1) return Usage("node clearstate takes exactly one node name");
  if (auto st = CheckNode(positional[0]); !st.ok()) return st;
  p.node = positional[0];
  return p;
}

}  // namespace

absl::StatusOr<NodeArgs> ParseClearstateArgs(const std::vector<std::string>& args) {
  return ParseNodeArgs(args, /*history=*/false);
}

absl::StatusOr<NodeArgs> ParseFencingHistoryArgs(const std::vector<std::string>& args) {
  return ParseNodeArgs(args, /*history=*/true);
}

absl::StatusOr<StonithAdminArgs> ParseStonithAdminArgs(const std::vector<std::string>& args) {
  StonithAdminArgs p;
  bool have_command = false;
  auto set_command = [&](StonithAdminArgs::Command c, std::string action, const std::string& node) -> absl::Status {
    if (have_command) return Usage("give one of --fence, --reboot, --unfence, --confirm, --history");
    have_command = true;
    p.command = c;
    p.action = std::move(action);
    p.node = node;
    if (c == StonithAdminArgs::Command::kHistory && node == "*") return absl::OkStatus();
    return CheckNode(node);
  };
  struct Form {
    std::vector<std::string> names;
    StonithAdminArgs::Command command;
    const char* action;
  };
  const std::vector<Form> forms = {
      {{"--fence", "-F", "--off"}, StonithAdminArgs::Command::kFence, "off"},
      {{"--reboot", "-B"}, StonithAdminArgs::Command::kFence, "reboot"},
      {{"--unfence", "-U"}, StonithAdminArgs::Command::kFence, "on"},
      {{"--confirm", "-C"}, StonithAdminArgs::Command::kConfirm, ""},
      {{"--history", "-H"}, StonithAdminArgs::Command::kHistory, ""},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    bool matched = false;
    for (const auto& f : forms) {
      auto v = OptionValue(args, &i, f.names);
      if (!v.ok()) return v.status();
      if (!*v) continue;
      if (auto st = set_command(f.command, f.action, **v); !st.ok()) return st;
      matched = true;
      break;
    }
    if (matched) continue;
    auto timeout = OptionValue(args, &i, {"--timeout", "-t"});
    if (!timeout.ok()) return timeout.status();
    if (*timeout) {
      auto t = ParseTimeoutMs(**timeout, 1000);
      if (!t.ok()) return t.status();
      p.timeout_ms = *t;
      continue;
    }
    auto socket = OptionValue(args, &i, {"--fenced-socket"});
    if (!socket.ok()) return socket.status();
    if (*socket) {
      p.socket = **socket;
    } else if (args[i] == "--verbose" || args[i] == "-V") {
      p.verbose = true;
    } else {
      return Usage(absl::StrCat("unknown or unsupported argument '", args[i], "'"));
    }
  }
  if (!have_command) return Usage("give one of --fence, --reboot, --unfence, --confirm, --history");
  return p;
}

std::string FormatFenceTime(int64_t epoch_ms, int utc_offset_seconds) {
  time_t t = static_cast<time_t>(epoch_ms / 1000) + utc_offset_seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  std::string s = absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                  tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (utc_offset_seconds == 0) return s + "Z";
  int off = std::abs(utc_offset_seconds) / 60;
  return absl::StrFormat("%s %c%02d:%02d", s, utc_offset_seconds < 0 ? '-' : '+', off / 60, off % 60);
}

std::string FormatHistoryEntry(const fencing::HistoryEntry& e, bool verbose,
                               const std::function<std::string(int64_t)>& format_time) {
  std::string word = StateWord(e.state());
  std::string s = absl::StrCat(e.action(), " of ", e.target(), " ", word);
  if (word == "failed") {
    std::string reason = e.exit_reason();
    if (reason.empty() && e.state() == "timeout") reason = "Timed Out";
    if (!reason.empty()) absl::StrAppend(&s, " (", reason, ")");
  }
  absl::StrAppend(&s, ":");
  std::vector<std::string> parts;
  if (word != "pending" && !e.delegate().empty()) parts.push_back(absl::StrCat("delegate=", e.delegate()));
  parts.push_back(absl::StrCat("client=", e.client()));
  parts.push_back(absl::StrCat("origin=", e.origin()));
  if (word != "pending" && e.completed_ms() > 0) {
    parts.push_back(absl::StrCat(word == "successful" ? "completed" : "last-failed", "='",
                                 format_time(e.completed_ms()), "'"));
  }
  if (verbose) {
    parts.push_back(absl::StrCat("devices=", e.devices().empty() ? "none" : absl::StrJoin(e.devices(), ",")));
    if (e.started_ms() > 0) parts.push_back(absl::StrCat("started='", format_time(e.started_ms()), "'"));
    if (e.started_ms() > 0 && e.completed_ms() >= e.started_ms()) {
      parts.push_back(absl::StrCat("duration=", e.completed_ms() - e.started_ms(), "ms"));
    }
    if (word == "successful" && !e.exit_reason().empty()) {
      parts.push_back(absl::StrCat("exit-reason='", e.exit_reason(), "'"));
    }
  }
  return absl::StrCat(s, " ", absl::StrJoin(parts, ", "));
}

std::vector<fencing::HistoryEntry> SortHistory(std::vector<fencing::HistoryEntry> entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    bool pa = a.state() == "pending", pb = b.state() == "pending";
    if (pa != pb) return pa;
    if (pa) return a.started_ms() > b.started_ms();
    return a.completed_ms() > b.completed_ms();
  });
  return entries;
}

// An operator's fencing: the cluster is told before it begins (and learns
// which life of the node it ends), then its outcome, so a DC that sees the
// node leave meanwhile waits for it instead of fencing that life again.
int FenceAndTellCluster(const std::string& node, const std::string& action, int64_t timeout_ms,
                        const std::string& socket, FenceCliContext& ctx) {
  uint64_t incarnation = 0;  // 0: the cluster knows no life of the node to end
  if (ctx.crmd && action != "on") {
    auto r = ctx.crmd(control::request::FenceBegin(node, timeout_ms));
    if (r.ok()) incarnation = r->incarnation();
  }
  int rc = DoFence(node, action, timeout_ms, socket, ctx);
  if (incarnation == 0) return rc;
  if (rc != kFenceExitOk) {
    // The cluster stops waiting for it.
    (void)ctx.crmd(control::request::FenceEnd(node, incarnation, /*fenced=*/false));
    return rc;
  }
  if (auto r = ctx.crmd(control::request::FenceEnd(node, incarnation, /*fenced=*/true)); !r.ok()) {
    *ctx.err << ctx.program << ": warning: the cluster was not told that " << node << " was fenced ("
             << r.status().message() << "); it may fence it again when it notices\n";
  }
  return rc;
}

int RunNodeFence(const std::vector<std::string>& args, FenceCliContext& ctx) {
  auto p = ParseNodeFenceArgs(args);
  if (!ParsedOrUsage(p, kNodeFenceUsage, ctx)) return kFenceExitUsage;
  return FenceAndTellCluster(p->node, p->action, p->timeout_ms, FencedSocketPath(p->socket, ctx.env), ctx);
}

int RunNodeClearstate(const std::vector<std::string>& args, FenceCliContext& ctx) {
  auto p = ParseClearstateArgs(args);
  if (!ParsedOrUsage(p, kClearstateUsage, ctx)) return kFenceExitUsage;
  // The cluster first: it refuses for a node that is a member (up), and
  // otherwise treats the node as fenced, so its resources can be recovered.
  auto r = control::Call(control::ControlSocketPath(), control::request::ConfirmDown(p->node));
  if (!r.ok() && r.status().code() != absl::StatusCode::kUnavailable) {
    *ctx.err << ctx.program << ": " << r.status().message() << "\n";
    return 1;
  }
  if (!r.ok()) {
    *ctx.err << ctx.program << ": warning: baton-crmd not reachable here (" << r.status().message()
             << "); only the fencer records the confirmation\n";
  }
  return DoConfirm(p->node, FencedSocketPath(p->socket, ctx.env), ctx);
}

int RunFencingHistory(const std::vector<std::string>& args, FenceCliContext& ctx) {
  auto p = ParseFencingHistoryArgs(args);
  if (!ParsedOrUsage(p, kHistoryUsage, ctx)) return kFenceExitUsage;
  return DoHistory(p->node, p->verbose, FencedSocketPath(p->socket, ctx.env), ctx);
}

int RunStonithAdmin(const std::vector<std::string>& args, FenceCliContext& ctx) {
  auto p = ParseStonithAdminArgs(args);
  if (!ParsedOrUsage(p, kStonithAdminUsage, ctx)) return kFenceExitUsage;
  std::string socket = FencedSocketPath(p->socket, ctx.env);
  switch (p->command) {
    case StonithAdminArgs::Command::kFence:
      return FenceAndTellCluster(p->node, p->action, p->timeout_ms, socket, ctx);
    case StonithAdminArgs::Command::kConfirm:
      return DoConfirm(p->node, socket, ctx);
    case StonithAdminArgs::Command::kHistory:
      return DoHistory(p->node, p->verbose, socket, ctx);
  }
  return kFenceExitUsage;
}

int RunNodeFence(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FenceCliContext ctx = DefaultFenceCliContext("crm", out, err);
  return RunNodeFence(args, ctx);
}

int RunNodeClearstate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FenceCliContext ctx = DefaultFenceCliContext("crm", out, err);
  return RunNodeClearstate(args, ctx);
}

int RunFencingHistory(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FenceCliContext ctx = DefaultFenceCliContext("crm", out, err);
  return RunFencingHistory(args, ctx);
}

int RunStonithAdmin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FenceCliContext ctx = DefaultFenceCliContext("stonith_admin", out, err);
  return RunStonithAdmin(args, ctx);
}

}  // namespace baton::cli
