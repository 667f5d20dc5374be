// The member's side of `crm cluster join`, inside baton-crmd: a TCP listener
// on ring0's address (totem port + 11); up to four sessions at once, one per
// source address, each on its own thread with a 3 s limit per frame. The thread does the blocking exchange (lib/join); what to answer
// is decided on the daemon's loop: an authenticated request waits in
// TakeRequests() until the loop completes it with Answer(), or 20 s pass.
//
// Thread-safety: Start/Stop and the loop's calls (TakeRequests, Answer,
// IssueToken, RevokeToken) may run concurrently with the session threads;
// everything shared is guarded by mu_. Stop() returns once every session
// has ended.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/common/log_limiter.h"
#include "lib/join/join_protocol.h"

namespace baton::crmd {

inline constexpr uint32_t kJoinPortOffset = 11;

class JoinServer {
 public:
  struct Request {
    uint64_t id = 0;
    proto::JoinRequestBody body;
    std::string from;  // the joiner's address, for the log
  };

  // `tokens_path` keeps issued tokens across restarts; `log` receives one
  // line per session (refusals rate-limited to one a second).
  JoinServer(std::string tokens_path, std::function<void(const std::string&)> log);
  ~JoinServer();

  absl::Status Start(const std::string& addr, uint16_t port);
  void Stop();

  absl::StatusOr<join::JoinToken> IssueToken(int64_t ttl_s);
  absl::Status RevokeToken(const std::string& id);

  std::vector<Request> TakeRequests();
  void Answer(uint64_t id, proto::JoinReplyBody reply);

 private:
  void Serve();
  void ServeOne(int fd, const std::string& from);
  // Refusals: one line per source a minute, with the count left out.
  void NoteRefusal(const std::string& from, absl::string_view why);
  // Joins finished session threads (all of them, waiting, when `all`).
  void ReapWorkers(bool all);

  std::function<void(const std::string&)> log_;
  int listen_fd_ = -1;
  int wake_fd_[2] = {-1, -1};
  std::thread thread_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers_;  // the accepting thread's, then Stop()'s

  std::mutex mu_;
  std::condition_variable answered_;
  join::TokenStore tokens_;                           // guarded by mu_
  uint64_t next_id_ = 1;                              // guarded by mu_
  std::deque<Request> pending_;                       // guarded by mu_
  std::map<uint64_t, proto::JoinReplyBody> answers_;  // guarded by mu_
  std::set<uint64_t> abandoned_;                      // guarded by mu_: the joiner was told to retry
  bool stopping_ = false;                             // guarded by mu_
  std::set<std::string> sessions_;                    // guarded by mu_: sources being served
  common::LogLimiter refusals_;                       // thread-safe itself
};

}  // namespace baton::crmd
