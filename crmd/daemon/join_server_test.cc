// The member's join listener: real sessions over loopback, the loop's side
// played by the test.
#include "crmd/daemon/join_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"

namespace baton::crmd {
namespace {

class JoinServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/baton-joinsrv-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    server_ = std::make_unique<JoinServer>(dir_ + "/join-tokens", [this](const std::string& l) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(l);
    });
    // A free port: bind, read it, close, then let the server take it.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    socklen_t len = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    ::close(fd);
    ASSERT_TRUE(server_->Start("127.0.0.1", port_).ok());
  }
  void TearDown() override {
    server_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  // Plays the daemon's loop: answers every request with `reply`.
  std::thread Loop(proto::JoinReplyBody reply, std::atomic<bool>* stop) {
    return std::thread([this, reply, stop] {
      while (!*stop) {
        for (auto& r : server_->TakeRequests()) {
          proto::JoinReplyBody b = reply;
          b.set_nodeid(r.body.name() == "n2" ? 2 : 3);
          server_->Answer(r.id, b);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }

  proto::JoinRequestBody Body(const std::string& name) {
    proto::JoinRequestBody b;
    b.set_name(name);
    b.add_ring_addrs("127.0.0.1");
    return b;
  }

  std::string dir_;
  uint16_t port_ = 0;
  std::unique_ptr<JoinServer> server_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(JoinServerTest, AJoinGetsWhatTheLoopDecided) {
  auto token = server_->IssueToken(60);
  ASSERT_TRUE(token.ok());
  proto::JoinReplyBody reply;
  reply.set_cluster_conf("conf");
  reply.set_authkey(std::string(32, 'k'));
  std::atomic<bool> stop{false};
  std::thread loop = Loop(reply, &stop);
  auto r = join::RequestJoin("127.0.0.1", port_, *token, Body("n2"), 5000);
  stop = true;
  loop.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->cluster_conf(), "conf");
  EXPECT_EQ(r->nodeid(), 2u);
}

TEST_F(JoinServerTest, ASilentConnectionDoesNotHoldUpARealJoin) {
  auto token = server_->IssueToken(60);
  ASSERT_TRUE(token.ok());
  // A peer that connects and says nothing (from 127.0.0.2: another source).
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(0x7f000002);
  ::bind(silent, reinterpret_cast<sockaddr*>(&from), sizeof(from));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port_);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(silent, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  proto::JoinReplyBody reply;
  reply.set_cluster_conf("conf");
  std::atomic<bool> stop{false};
  std::thread loop = Loop(reply, &stop);
  auto start = std::chrono::steady_clock::now();
  auto r = join::RequestJoin("127.0.0.1", port_, *token, Body("n3"), 5000);
  auto took = std::chrono::steady_clock::now() - start;
  stop = true;
  loop.join();
  ::close(silent);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(took, std::chrono::seconds(2)) << "the join waited for the silent session";
}

TEST_F(JoinServerTest, StopEndsAWaitingSessionWithAnAnswer) {
  auto token = server_->IssueToken(60);
  ASSERT_TRUE(token.ok());
  absl::StatusOr<proto::JoinReplyBody> r = absl::UnknownError("not run");
  std::thread joiner([&] { r = join::RequestJoin("127.0.0.1", port_, *token, Body("n2"), 10000); });
  // Nobody answers: wait until the request reached the "loop", then stop.
  for (int i = 0; i < 200 && server_->TakeRequests().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  joiner.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->error().find("shutting down"), std::string::npos) << r->error();
}

TEST_F(JoinServerTest, AMalformedHelloIsRefusedAndLoggedOnce) {
  join::JoinToken bad;
  bad.id = "zzzzzzzz";  // not hex: refused before any look-up
  bad.secret = std::string(32, 'a');
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(join::RequestJoin("127.0.0.1", port_, bad, Body("n2"), 2000).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard<std::mutex> lock(log_mu_);
  ASSERT_FALSE(log_.empty());
  EXPECT_LE(log_.size(), 2u) << "refusals are rate-limited";
  EXPECT_EQ(log_[0].find("zzzzzzzz"), std::string::npos) << "the untrusted id is not logged";
}

}  // namespace
}  // namespace baton::crmd
