// The fencing commands of crm, talking to the local baton-fenced over its
// unix socket: `crm node fence`, `crm node clearstate`, `crm history
// fencing`, and the stonith_admin forms (--fence, --reboot, --unfence,
// --confirm, --history). History lines follow Pacemaker 2.1.5's detail form
// (reference/fence-agents.md section 8).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control.pb.h"
#include "proto/fencing.pb.h"

namespace baton::cli {

// Exit codes of the fencing commands.
constexpr int kFenceExitOk = 0;
constexpr int kFenceExitFailed = 1;
constexpr int kFenceExitUsage = 2;
constexpr int kFenceExitTimeout = 124;  // Pacemaker's CRM_EX_TIMEOUT

// One connection to baton-fenced; a seam so that tests can answer instead.
// Errors: kUnavailable (cannot connect), kDeadlineExceeded (no answer in
// time: the outcome is unknown), others as the fencer returned them.
class FencerConnection {
 public:
  virtual ~FencerConnection() = default;
  virtual absl::StatusOr<fencing::FenceReply> Fence(const fencing::FenceRequest& req, int64_t deadline_ms) = 0;
  virtual absl::StatusOr<fencing::ConfirmReply> Confirm(const fencing::ConfirmRequest& req, int64_t deadline_ms) = 0;
  virtual absl::StatusOr<fencing::HistoryReply> History(const fencing::HistoryRequest& req, int64_t deadline_ms) = 0;
};

// The real connection: gRPC over unix:`socket_path`.
std::unique_ptr<FencerConnection> ConnectFencer(const std::string& socket_path);

struct FenceCliContext {
  std::function<std::optional<std::string>(const std::string&)> env;                 // the environment
  std::function<std::unique_ptr<FencerConnection>(const std::string& socket)> connect;  // default ConnectFencer
  std::function<std::string(int64_t epoch_ms)> format_time;  // default: local time, FormatFenceTime
  // A request to the local baton-crmd (service/control.h); unset: none is
  // made (crm node fence then does not tell the cluster which life of the
  // node it ended, and the DC may fence it again when it notices the loss).
  std::function<absl::StatusOr<control::ControlReply>(const control::ControlRequest&)> crmd;
  std::string program = "crm";  // prefix of error lines
  std::string client;           // who asks, e.g. "crm.1234"
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

// The context of a real run: process environment, real socket, local time.
FenceCliContext DefaultFenceCliContext(const std::string& program, std::ostream& out, std::ostream& err);

// The fencer's socket: `flag` (--fenced-socket) if set, else
// $BATON_FENCED_SOCKET, else $BATON_NODE_DIR/state/fenced.sock (the
// testbed), else /run/baton/fenced.sock.
std::string FencedSocketPath(const std::string& flag,
                             const std::function<std::optional<std::string>(const std::string&)>& env);

// Parsed `crm node fence NODE [--action off|reboot|on] [--timeout MS]`.
struct NodeFenceArgs {
  std::string node;
  std::string action = "reboot";  // crmsh: stonith-action, whose default is reboot
  int64_t timeout_ms = 0;         // 0: the fencer's default
  std::string socket;             // --fenced-socket
};
absl::StatusOr<NodeFenceArgs> ParseNodeFenceArgs(const std::vector<std::string>& args);

// Parsed `crm node clearstate NODE` and `crm history fencing [NODE|*]`.
struct NodeArgs {
  std::string node;  // empty (or "*" given): every node, for history only
  std::string socket;
  bool verbose = false;  // history: devices and start times too
};
absl::StatusOr<NodeArgs> ParseClearstateArgs(const std::vector<std::string>& args);
absl::StatusOr<NodeArgs> ParseFencingHistoryArgs(const std::vector<std::string>& args);

// Parsed stonith_admin command line (the subset baton answers).
struct StonithAdminArgs {
  enum class Command { kFence, kConfirm, kHistory } command = Command::kHistory;
  std::string node;               // "*" or empty for every node (history)
  std::string action;             // kFence: off, reboot or on
  int64_t timeout_ms = 0;         // --timeout is in seconds, as Pacemaker's
  std::string socket;
  bool verbose = false;
};
absl::StatusOr<StonithAdminArgs> ParseStonithAdminArgs(const std::vector<std::string>& args);

// "YYYY-MM-DD HH:MM:SS +HH:MM", or "...Z" when the offset is 0.
std::string FormatFenceTime(int64_t epoch_ms, int utc_offset_seconds);

// One history entry in Pacemaker's detail form, e.g.
//   reboot of n2 successful: delegate=n1, client=crm.7, origin=n1, completed='2026-11-26 01:00:00Z'
// failed (and timed-out) entries say `failed (<reason>)` and `last-failed=`;
// pending ones have no delegate and no time. `verbose` appends
// `, devices=<d1,d2>, started='<time>', duration=<ms>ms` and, for a success
// that came after failed levels, `exit-reason='after <why they failed>'`.
std::string FormatHistoryEntry(const fencing::HistoryEntry& e, bool verbose,
                               const std::function<std::string(int64_t)>& format_time);

// Pacemaker's order: pending first, then the most recently completed first.
std::vector<fencing::HistoryEntry> SortHistory(std::vector<fencing::HistoryEntry> entries);

// The commands; each returns its exit code.
int RunNodeFence(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunNodeClearstate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunFencingHistory(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunStonithAdmin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

int RunNodeFence(const std::vector<std::string>& args, FenceCliContext& ctx);
int RunNodeClearstate(const std::vector<std::string>& args, FenceCliContext& ctx);
int RunFencingHistory(const std::vector<std::string>& args, FenceCliContext& ctx);
int RunStonithAdmin(const std::vector<std::string>& args, FenceCliContext& ctx);

}  // namespace baton::cli
