#include "crmd/transport/peer_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

namespace baton::transport {
namespace {

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    base_ = static_cast<uint16_t>(20000 + rd() % 20000);
  }
  // Node N listens on 127.0.0.N; node 3 is configured but never runs (the
  // tests send forged frames from its address).
  TransportOptions Opts(uint32_t self, uint64_t incarnation, const std::string& key = "k3y") {
    TransportOptions o;
    o.self = self;
    o.bind_addr = "127.0.0." + std::to_string(self);
    o.port = static_cast<uint16_t>(base_ + self);
    for (uint32_t p : {1u, 2u, 3u}) {
      if (p != self) o.peers.push_back({p, "127.0.0." + std::to_string(p), static_cast<uint16_t>(base_ + p)});
    }
    o.cluster_name = "t";
    o.authkey = key;
    o.incarnation = incarnation;
    return o;
  }
  // Polls both until `want` messages reached b (or wait_ms).
  std::vector<Received> Pump(PeerTransport& a, PeerTransport& b, size_t want, uint64_t wait_ms = 3000) {
    std::vector<Received> got;
    uint64_t end = NowMs() + wait_ms;
    while (got.size() < want && NowMs() < end) {
      for (PeerTransport* t : {&a, &b}) {
        auto fds = t->PollFds(NowMs());
        ::poll(fds.data(), fds.size(), 5);
        auto r = t->Process(fds, NowMs());
        if (t == &b) got.insert(got.end(), r.begin(), r.end());
      }
    }
    return got;
  }
  uint16_t base_ = 0;
};

TEST_F(TransportTest, DeliversInOrderAndReconnectsAfterARestart) {
  auto a = PeerTransport::Create(Opts(1, 100));
  auto b = PeerTransport::Create(Opts(2, 200));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  for (int i = 0; i < 100; ++i) (*a)->Send(2, "m" + std::to_string(i), NowMs());
  std::string big(1 << 20, 'x');
  (*a)->Send(2, big, NowMs());
  auto got = Pump(**a, **b, 101);
  ASSERT_EQ(got.size(), 101u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(got[static_cast<size_t>(i)].from, 1u);
    EXPECT_EQ(got[static_cast<size_t>(i)].payload, "m" + std::to_string(i));
  }
  EXPECT_EQ(got[100].payload, big);
  // Node 1 restarts (a new incarnation): its frames start again at seq 1.
  a->reset();
  auto a2 = PeerTransport::Create(Opts(1, 101));
  ASSERT_TRUE(a2.ok()) << a2.status();
  (*a2)->Send(2, "after restart", NowMs());
  got = Pump(**a2, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "after restart");
}

// A TCP connection to node 2's port from `from`, as an attacker on the
// network (or a local user on a peer) could open.
int Dial(const std::string& from, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, from.c_str(), &src.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof(src)), 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  return fd;
}

// Pumps `b` until `fd` has read `want` bytes or hit EOF (returns what came).
std::string ReadWhilePumping(int fd, PeerTransport& b, size_t want, uint64_t wait_ms = 2000) {
  std::string got;
  uint64_t end = NowMs() + wait_ms;
  while (got.size() < want && NowMs() < end) {
    auto fds = b.PollFds(NowMs());
    ::poll(fds.data(), fds.size(), 5);
    b.Process(fds, NowMs());
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 1) {
      char buf[64];
      ssize_t n = ::recv(fd, buf, std::min(sizeof(buf), want - got.size()), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  return got;
}

void SendAll(int fd, const std::string& bytes) {
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

// True if `fd` was closed by the other side (EOF) while pumping `b`.
bool ClosedByPeer(int fd, PeerTransport& b, uint64_t wait_ms = 500) {
  uint64_t end = NowMs() + wait_ms;
  while (NowMs() < end) {
    auto fds = b.PollFds(NowMs());
    ::poll(fds.data(), fds.size(), 5);
    b.Process(fds, NowMs());
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 1) {
      char c;
      ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
      if (n <= 0) return true;
    }
  }
  return false;
}

TEST_F(TransportTest, DropsForgedReplayedAndMalformedFrames) {
  auto a = PeerTransport::Create(Opts(1, 100));
  TransportOptions bo = Opts(2, 200);
  std::vector<std::string> log;
  bo.log = [&log](const std::string& line) { log.push_back(line); };
  auto b = PeerTransport::Create(bo);
  ASSERT_TRUE(a.ok() && b.ok());
  uint16_t bport = static_cast<uint16_t>(base_ + 2);
  // A genuine frame from node 1's address, on the connection it was made for.
  int fd = Dial("127.0.0.1", bport);
  std::string nonce = ReadWhilePumping(fd, **b, kNonceLen);
  ASSERT_EQ(nonce.size(), kNonceLen);
  std::string good = EncodeFrame("t", "k3y", 1, 2, 99, 5, nonce, "genuine");
  SendAll(fd, good);
  auto got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  SendAll(fd, good);  // again on the same connection: an old sequence number
  EXPECT_TRUE(Pump(**a, **b, 1, 150).empty());
  EXPECT_EQ((*b)->counters().dropped_replayed, 1u);
  ::close(fd);
  std::string altered = EncodeFrame("t", "k3y", 1, 2, 99, 8, nonce, "payload");
  altered.back() = 'X';
  struct Bad {
    std::string from;
    std::function<std::string(const std::string&)> frame;  // of the connection's nonce
  };
  std::vector<Bad> bad = {
      {"127.0.0.1", [&](const std::string&) { return good; }},  // recorded: replayed on a new connection
      {"127.0.0.1", [&](const std::string& n) { return EncodeFrame("t", "wrong", 1, 2, 99, 6, n, "forged"); }},
      {"127.0.0.1", [&](const std::string& n) { return EncodeFrame("t", "k3y", 9, 2, 99, 7, n, "stranger"); }},
      {"127.0.0.3", [&](const std::string& n) { return EncodeFrame("t", "k3y", 1, 2, 99, 7, n, "not n3"); }},
      {"127.0.0.1", [&](const std::string&) { return std::string("\xff\xff\xff\xff garbage", 12); }},
      {"127.0.0.1", [&](const std::string& n) { return EncodeFrame("t", "k3y", 1, 3, 99, 9, n, "for n3"); }},
      {"127.0.0.1", [&](const std::string&) { return altered; }},
  };
  for (const Bad& x : bad) {
    int c = Dial(x.from, bport);
    std::string n = ReadWhilePumping(c, **b, kNonceLen);
    ASSERT_EQ(n.size(), kNonceLen);
    SendAll(c, x.frame(n));
    EXPECT_TRUE(Pump(**a, **b, 1, 150).empty());  // nothing may arrive
    ::close(c);
  }
  EXPECT_EQ((*b)->counters().dropped_replayed, 2u);  // the old seq and the frame for n3
  EXPECT_EQ((*b)->counters().dropped_bad_mac, 3u);
  EXPECT_EQ((*b)->counters().dropped_malformed, 3u);
  // Logged once per kind and source: frames from 127.0.0.1 and 127.0.0.3.
  EXPECT_EQ(log.size(), 2u);
  // The genuine peer still gets through.
  (*a)->Send(2, "still fine", NowMs());
  got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "still fine");
}

TEST_F(TransportTest, RecordedFramesAreRefusedByARestartedReceiver) {
  auto a = PeerTransport::Create(Opts(1, 100));
  auto b = PeerTransport::Create(Opts(2, 200));
  ASSERT_TRUE(a.ok() && b.ok());
  uint16_t bport = static_cast<uint16_t>(base_ + 2);
  int fd = Dial("127.0.0.1", bport);
  std::string nonce = ReadWhilePumping(fd, **b, kNonceLen);
  std::string recorded = EncodeFrame("t", "k3y", 1, 2, 100, 1, nonce, "set epoch 7");
  SendAll(fd, recorded);
  ASSERT_EQ(Pump(**a, **b, 1).size(), 1u);
  ::close(fd);
  // Node 2 restarts: it no longer knows the sequence numbers it has seen.
  b->reset();
  b = PeerTransport::Create(Opts(2, 201));
  ASSERT_TRUE(b.ok());
  fd = Dial("127.0.0.1", bport);
  ASSERT_EQ(ReadWhilePumping(fd, **b, kNonceLen).size(), kNonceLen);
  SendAll(fd, recorded);
  EXPECT_TRUE(Pump(**a, **b, 1, 300).empty());
  EXPECT_EQ((*b)->counters().dropped_bad_mac, 1u);
  ::close(fd);
}

TEST_F(TransportTest, NewcomersDoNotDisplaceTheEstablishedConnection) {
  auto a = PeerTransport::Create(Opts(1, 100));
  TransportOptions bo = Opts(2, 200);
  bo.auth_timeout_ms = 1000;
  auto b = PeerTransport::Create(bo);
  ASSERT_TRUE(a.ok() && b.ok());
  uint16_t bport = static_cast<uint16_t>(base_ + 2);
  (*a)->Send(2, "one", NowMs());
  ASSERT_EQ(Pump(**a, **b, 1).size(), 1u);
  // A local user on node 1 connects from its address, again and again.
  std::vector<int> intruders;
  for (int i = 0; i < 20; ++i) {
    intruders.push_back(Dial("127.0.0.1", bport));
    ReadWhilePumping(intruders.back(), **b, kNonceLen, 100);
  }
  EXPECT_EQ((*b)->counters().closed_unauthenticated, 20u - bo.max_pending_per_address);
  (*a)->Send(2, "two", NowMs());
  auto got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "two");
  EXPECT_TRUE(ClosedByPeer(intruders.back(), **b, 2500));  // silent too long
  EXPECT_EQ((*b)->counters().closed_unauthenticated, 20u);
  for (int fd : intruders) ::close(fd);
}

TEST_F(TransportTest, ARestartedPeersNewConnectionReplacesItsOldOne) {
  auto b = PeerTransport::Create(Opts(2, 200));
  ASSERT_TRUE(b.ok());
  uint16_t bport = static_cast<uint16_t>(base_ + 2);
  // Node 1's first life: its connection stays open (it lost power, no FIN).
  int old = Dial("127.0.0.1", bport);
  std::string nonce = ReadWhilePumping(old, **b, kNonceLen);
  SendAll(old, EncodeFrame("t", "k3y", 1, 2, 100, 1, nonce, "first life"));
  auto a = PeerTransport::Create(Opts(1, 101));
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(Pump(**a, **b, 1).size(), 1u);
  EXPECT_FALSE(ClosedByPeer(old, **b, 100));
  (*a)->Send(2, "second life", NowMs());
  auto got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "second life");
  EXPECT_TRUE(ClosedByPeer(old, **b));
  ::close(old);
}

TEST_F(TransportTest, RefusesConnectionsFromUnknownAddresses) {
  auto b = PeerTransport::Create(Opts(2, 200));
  ASSERT_TRUE(b.ok());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.9", &from.sin_addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(base_ + 2));
  inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  std::string frame = EncodeFrame("t", "k3y", 1, 2, 300, 1, std::string(kNonceLen, '\0'), "from a stranger's address");
  ASSERT_EQ(::send(fd, frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
  uint64_t end = NowMs() + 300;
  std::vector<Received> got;
  while (NowMs() < end) {
    auto fds = (*b)->PollFds(NowMs());
    ::poll(fds.data(), fds.size(), 5);
    auto r = (*b)->Process(fds, NowMs());
    got.insert(got.end(), r.begin(), r.end());
  }
  ::close(fd);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ((*b)->counters().dropped_malformed, 1u);
}

TEST_F(TransportTest, RefusesABadBindAddress) {
  TransportOptions o = Opts(1, 1);
  o.bind_addr = "not-an-address";
  EXPECT_FALSE(PeerTransport::Create(o).ok());
}

TEST_F(TransportTest, OnlyTheSendersLiveIncarnationGetsThrough) {
  // b knows (from membership) that node 1 runs as incarnation 100: a frame
  // recorded from its earlier life (99) is refused even though b, freshly
  // started, has seen nothing from node 1 yet.
  auto a = PeerTransport::Create(Opts(1, 100));
  TransportOptions bo = Opts(2, 200);
  bo.live_incarnation = [](uint32_t peer) -> std::optional<uint64_t> {
    if (peer == 1) return 100;
    return std::nullopt;
  };
  auto b = PeerTransport::Create(bo);
  ASSERT_TRUE(a.ok() && b.ok());
  int fd = Dial("127.0.0.1", static_cast<uint16_t>(base_ + 2));
  std::string nonce = ReadWhilePumping(fd, **b, kNonceLen);
  SendAll(fd, EncodeFrame("t", "k3y", 1, 2, 99, 5, nonce, "old life"));
  auto got = Pump(**a, **b, 1, 500);
  ::close(fd);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ((*b)->counters().dropped_replayed, 1u);
  (*a)->Send(2, "live", NowMs());
  got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "live");
}

}  // namespace
}  // namespace baton::transport
