// The join exchange end to end over loopback TCP: the right token gets the
// configuration; a wrong secret, an unknown or expired token, an altered
// reply and a replayed session get nothing.
#include "lib/join/join_protocol.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"

namespace baton::join {
namespace {

// A one-connection member on 127.0.0.1 that serves one join session.
class Member {
 public:
  explicit Member(std::string id, std::string secret) : id_(std::move(id)), secret_(std::move(secret)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof(sa);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      result_ = ServeJoin(
          fd,
          [this](const std::string& id) -> std::optional<std::string> {
            if (id == id_) return secret_;
            return std::nullopt;
          },
          [this](const proto::JoinRequestBody& req) {
            seen_name_ = req.name();
            proto::JoinReplyBody r;
            r.set_cluster_conf("totem { }\n");
            r.set_authkey(std::string(32, 'k'));
            r.set_nodeid(3);
            return r;
          },
          2000);
      ::close(fd);
    });
  }
  ~Member() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  void Join() { thread_.join(); }
  uint16_t port() const { return port_; }
  const absl::Status& result() const { return result_; }
  const std::string& seen_name() const { return seen_name_; }

 private:
  std::string id_, secret_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  absl::Status result_;
  std::string seen_name_;
};

proto::JoinRequestBody Request() {
  proto::JoinRequestBody b;
  b.set_name("n3");
  b.add_ring_addrs("198.18.0.3");
  return b;
}

TEST(JoinToken, PrintsAndParsesBack) {
  JoinToken t = NewJoinToken(1000, 60);
  EXPECT_EQ(t.expires_s, 1060);
  auto back = ParseJoinToken(t.Text());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, t.id);
  EXPECT_EQ(back->secret, t.secret);
  EXPECT_NE(NewJoinToken(1000, 60).secret, t.secret);
}

TEST(JoinToken, RefusesWhatIsNotAToken) {
  for (const char* bad : {"", "abc", "0123456.0123456789abcdef0123456789abcdef", "01234567.0123",
                          "01234567.0123456789ABCDEF0123456789ABCDEF", "01234567-0123456789abcdef0123456789abcdef"}) {
    auto t = ParseJoinToken(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_NE(t.status().message().find("join token"), std::string::npos);
    }
  }
}

TEST(JoinSeal, OpensOnlyUnderItsKeyAndUnaltered) {
  SessionKeys k = DeriveSessionKeys("secret", "id", std::string(32, 'a'), std::string(32, 'b'));
  EXPECT_NE(k.to_member, k.to_joiner);
  std::string sealed = Seal(k.to_member, "hello");
  auto ok = Open(k.to_member, sealed);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "hello");
  EXPECT_FALSE(Open(k.to_joiner, sealed).ok());
  std::string altered = sealed;
  altered[0] ^= 1;
  EXPECT_FALSE(Open(k.to_member, altered).ok());
  // Other nonces, other keys: a recorded session means nothing in a new one.
  SessionKeys k2 = DeriveSessionKeys("secret", "id", std::string(32, 'a'), std::string(32, 'c'));
  EXPECT_FALSE(Open(k2.to_member, sealed).ok());
}

TEST(JoinSession, RightTokenGetsTheConfiguration) {
  JoinToken t = NewJoinToken(0, 60);
  Member m(t.id, t.secret);
  auto r = RequestJoin("127.0.0.1", m.port(), t, Request(), 2000);
  m.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(m.result().ok()) << m.result();
  EXPECT_EQ(m.seen_name(), "n3");
  EXPECT_EQ(r->nodeid(), 3u);
  EXPECT_EQ(r->authkey(), std::string(32, 'k'));
}

TEST(JoinSession, WrongSecretIsRefusedAndLearnsNothing) {
  JoinToken t = NewJoinToken(0, 60);
  Member m(t.id, t.secret);
  JoinToken wrong = t;
  wrong.secret = NewJoinToken(0, 60).secret;
  auto r = RequestJoin("127.0.0.1", m.port(), wrong, Request(), 2000);
  m.Join();
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(m.result().ok());
  EXPECT_TRUE(m.seen_name().empty()) << "decide() ran for an unauthenticated joiner";
}

TEST(JoinSession, UnknownTokenIsToldSo) {
  JoinToken t = NewJoinToken(0, 60);
  Member m("ffffffff", t.secret);
  auto r = RequestJoin("127.0.0.1", m.port(), t, Request(), 2000);
  m.Join();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown or has expired"), std::string::npos) << r.status();
}

TEST(JoinSession, NoMemberThereIsUnavailable) {
  JoinToken t = NewJoinToken(0, 60);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);  // nothing listens on that port now
  auto r = RequestJoin("127.0.0.1", ntohs(sa.sin_port), t, Request(), 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

TEST(TokenStore, KeepsTokensAcrossRestartsUntilTheyExpire) {
  char dir[] = "/tmp/baton-join-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/join-tokens";
  TokenStore a(path);
  ASSERT_TRUE(a.Load(100).ok());
  auto t1 = a.Issue(100, 50);
  auto t2 = a.Issue(100, 500);
  ASSERT_TRUE(t1.ok() && t2.ok());
  EXPECT_EQ(a.Secret(t1->id, 120), t1->secret);
  EXPECT_FALSE(a.Secret(t1->id, 150).has_value()) << "expired at 150";
  TokenStore b(path);
  ASSERT_TRUE(b.Load(120).ok());
  EXPECT_EQ(b.Secret(t1->id, 120), t1->secret);
  EXPECT_EQ(b.Secret(t2->id, 120), t2->secret);
  ASSERT_TRUE(b.Revoke(t2->id).ok());
  EXPECT_FALSE(b.Revoke(t2->id).ok());
  TokenStore c(path);
  ASSERT_TRUE(c.Load(120).ok());
  EXPECT_FALSE(c.Secret(t2->id, 120).has_value());
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace baton::join
