// crm report's cluster side, the parts that do I/O: a node collects its own
// logs in a window (the journal under systemd, else the log files its
// daemons write), its cluster.conf (never the authkey) and uname; and
// ReportService, baton-crmd's glue that asks every member, collects on
// threads (the loop must keep its heartbeats) and answers the CLI.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "control.pb.h"
#include "crmd.pb.h"
#include "lib/report/report_logs.h"

namespace baton::report {

struct CollectOptions {
  std::string node;         // this node's name
  std::string config_path;  // cluster.conf; its authkey is never read
  // Log files; empty: found. Under systemd ($JOURNAL_STREAM set) the journal
  // of baton-crmd and baton-fenced; else, when stderr is a regular file (the
  // testbed's <node dir>/baton-crmd.log), that file and baton-fenced.log beside it.
  std::vector<std::string> log_files;
  size_t max_log_bytes = kMaxLogBytesPerNode;
};

// This node's answer: log files, cluster.conf (redacted), uname.txt. Blocks
// for as long as reading the logs takes.
crmd::NodeReport CollectNodeReport(const CollectOptions& options, const LogWindow& window, uint64_t request_id);

// Thread-safety: every method on the daemon's loop thread; the collecting
// and replying threads only touch done_ (under mu_).
class ReportService {
 public:
  // Sends a peer message to a member (by name) over the peer transport.
  using SendFn = std::function<void(const std::string& node, const crmd::PeerMessage& msg)>;
  ReportService(CollectOptions options, SendFn send) : options_(std::move(options)), send_(std::move(send)) {}
  ~ReportService();

  // The control request report_logs on the accepted client `fd`
  // (owned from now on): asks every member of `members` (this node
  // included) and replies once all answered or kGatherTimeoutMs passed; the
  // `configured` nodes that are not members are listed as down.
  void OnControl(int fd, const control::ReportLogsRequest& req, const std::set<std::string>& members,
                 const std::set<std::string>& configured, uint64_t now_ms);
  // A ReportRequest or NodeReport from a member.
  void OnPeer(const std::string& from, const crmd::PeerMessage& msg, uint64_t now_ms);
  // Hands finished collections on, answers finished gathers, joins threads.
  void Tick(uint64_t now_ms);

 private:
  struct Collected {
    std::string to;  // the member that asked; "" = this node's own gather
    crmd::NodeReport report;
  };
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void Collect(const std::string& to, uint64_t id, const LogWindow& window);
  void Reply(int fd, const control::ControlReply& reply);
  template <typename Fn>
  void Spawn(Fn fn);

  CollectOptions options_;
  SendFn send_;
  ReportGather gather_;
  struct Client {
    int fd = -1;
    std::vector<std::string> down;
  };
  std::map<uint64_t, Client> clients_;  // by gather id
  uint64_t next_id_ = 0;
  std::vector<Worker> workers_;
  std::mutex mu_;
  std::vector<Collected> done_;  // GUARDED_BY(mu_)
};

}  // namespace baton::report
