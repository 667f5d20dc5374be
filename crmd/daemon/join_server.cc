#include "crmd/daemon/join_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/common/files.h"

namespace baton::crmd {
namespace {

constexpr int kSessionTimeoutMs = 3000;  // per frame
constexpr size_t kMaxSessions = 4;
constexpr auto kDecideTimeout = std::chrono::seconds(20);

int64_t WallS() { return static_cast<int64_t>(::time(nullptr)); }

}  // namespace

JoinServer::JoinServer(std::string tokens_path, std::function<void(const std::string&)> log)
    : log_(std::move(log)), tokens_(std::move(tokens_path)) {}

JoinServer::~JoinServer() { Stop(); }

absl::Status JoinServer::Start(const std::string& addr, uint16_t port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = tokens_.Load(WallS()); !st.ok()) return st;
  }
  sockaddr_storage sa;
  socklen_t len = 0;
  if (!common::ToSockaddr(addr, port, &sa, &len)) return absl::InvalidArgumentError(addr + ": not an address");
  int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd, 4) != 0) {
    int e = errno;
    if (fd >= 0) ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen for joins on ", addr, ":", port, " (tcp): ",
                                               std::strerror(e)));
  }
  if (::pipe2(wake_fd_, O_CLOEXEC) != 0) {
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  listen_fd_ = fd;
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void JoinServer::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  (void)::write(wake_fd_[1], "x", 1);
  answered_.notify_all();
  thread_.join();
  ReapWorkers(/*all=*/true);  // each ends within a frame timeout once stopping_ is set
  ::close(listen_fd_);
  ::close(wake_fd_[0]);
  ::close(wake_fd_[1]);
  listen_fd_ = -1;
}

absl::StatusOr<join::JoinToken> JoinServer::IssueToken(int64_t ttl_s) {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_.Issue(WallS(), ttl_s);
}

absl::Status JoinServer::RevokeToken(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_.Revoke(id);
}

std::vector<JoinServer::Request> JoinServer::TakeRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Request> out;
  for (auto& r : pending_) {
    if (abandoned_.erase(r.id) == 0) out.push_back(std::move(r));
  }
  pending_.clear();
  return out;
}

void JoinServer::Answer(uint64_t id, proto::JoinReplyBody reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (abandoned_.erase(id)) return;  // the session gave up waiting
    answers_[id] = std::move(reply);
  }
  answered_.notify_all();
}

void JoinServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string from = common::AddressString(sa);
    {
      // A few sessions at once, one per source: a peer that connects and
      // says nothing holds one slot for a few seconds, never every join.
      std::lock_guard<std::mutex> lock(mu_);
      if (sessions_.size() >= kMaxSessions || sessions_.contains(from)) {
        ::close(fd);
        NoteRefusal(from, "too many join sessions at once");
        continue;
      }
      sessions_.insert(from);
    }
    ReapWorkers(/*all=*/false);
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back({std::thread([this, fd, from, done] {
                          ServeOne(fd, from);
                          ::close(fd);
                          {
                            std::lock_guard<std::mutex> lock(mu_);
                            sessions_.erase(from);
                          }
                          *done = true;
                        }),
                        done});
  }
}

void JoinServer::ReapWorkers(bool all) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (all || *it->done) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void JoinServer::NoteRefusal(const std::string& from, absl::string_view why) {
  if (auto line = refusals_.Note("join session", from, std::string(why), static_cast<uint64_t>(WallS()) * 1000)) {
    log_("WARNING: " + *line);
  }
}

void JoinServer::ServeOne(int fd, const std::string& from) {
  std::string joined;
  auto secret_of = [this](const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return tokens_.Secret(id, WallS());
  };
  auto decide = [&](const proto::JoinRequestBody& body) {
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t id = next_id_++;
    pending_.push_back({id, body, from});
    answered_.wait_for(lock, kDecideTimeout, [&] { return answers_.contains(id) || stopping_; });
    proto::JoinReplyBody reply;
    if (answers_.contains(id)) {
      reply = std::move(answers_[id]);
      answers_.erase(id);
    } else {
      abandoned_.insert(id);
      reply.set_error(stopping_ ? "the member is shutting down; join through another one"
                                : "the cluster did not take the new node within 20 s; try again");
    }
    joined = reply.error().empty() ? body.name() : std::string();
    return reply;
  };
  absl::Status st = join::ServeJoin(fd, secret_of, decide, kSessionTimeoutMs);
  if (st.ok()) {
    if (!joined.empty()) log_(absl::StrCat("join: ", joined, " (from ", from, ") was given the configuration"));
    return;
  }
  NoteRefusal(from, st.message());
}

}  // namespace baton::crmd
