#include "crmd/transport/peer_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
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

// Writes raw frames to node 2's port from node 3's address, as an attacker
// on the network could.
void Inject(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.3", &from.sin_addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

TEST_F(TransportTest, DropsForgedReplayedAndMalformedFrames) {
  auto a = PeerTransport::Create(Opts(1, 100));
  auto b = PeerTransport::Create(Opts(2, 200));
  ASSERT_TRUE(a.ok() && b.ok());
  uint16_t bport = static_cast<uint16_t>(base_ + 2);
  // A genuine frame from an earlier life of node 1 (incarnation 99).
  std::string good = EncodeFrame("t", "k3y", 1, 2, 99, 5, "genuine");
  Inject(bport, good);
  auto got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  std::string altered = EncodeFrame("t", "k3y", 1, 2, 99, 8, "payload");
  altered.back() = 'X';
  for (const std::string& bad : {good,                                              // replayed
                                 EncodeFrame("t", "wrong", 1, 2, 99, 6, "forged"),  // wrong key
                                 EncodeFrame("t", "k3y", 9, 2, 99, 7, "stranger"),  // not a peer
                                 std::string("\xff\xff\xff\xff garbage", 12),     // absurd length
                                 EncodeFrame("t", "k3y", 1, 3, 99, 9, "for n3"),    // for another node
                                 altered}) {
    Inject(bport, bad);
    got = Pump(**a, **b, 1, 150);  // nothing may arrive
    EXPECT_TRUE(got.empty());
  }
  EXPECT_EQ((*b)->counters().dropped_replayed, 2u);  // the replay and the frame for n3
  EXPECT_EQ((*b)->counters().dropped_bad_mac, 2u);
  EXPECT_EQ((*b)->counters().dropped_malformed, 2u);
  // The genuine peer still gets through.
  (*a)->Send(2, "still fine", NowMs());
  got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "still fine");
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
  std::string frame = EncodeFrame("t", "k3y", 1, 2, 300, 1, "from a stranger's address");
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
  Inject(static_cast<uint16_t>(base_ + 2), EncodeFrame("t", "k3y", 1, 2, 99, 5, "old life"));
  auto got = Pump(**a, **b, 1, 500);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ((*b)->counters().dropped_replayed, 1u);
  (*a)->Send(2, "live", NowMs());
  got = Pump(**a, **b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "live");
}

}  // namespace
}  // namespace baton::transport
