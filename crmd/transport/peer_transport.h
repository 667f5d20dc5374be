// Reliable messages between crmds: one TCP connection per direction and
// peer, length-prefixed frames, each authenticated with HMAC-SHA256 over the
// cluster authkey and carrying the sender's incarnation and a sequence
// number, so forged, altered and replayed frames are dropped (and counted).
//
// Built for the daemon's single-threaded poll loop: PollFds() lists what to
// wait for, Process() handles what poll() reported and returns the messages
// that arrived. A message to a peer that is not connected waits in a bounded
// queue while the connection is (re)made; a connection that fails drops its
// queue: the protocols above retry what matters.
//
// Departure from DESIGN.md (gRPC between crmds): framed TCP keeps the
// daemon's one loop without threads; the fencer keeps gRPC.
//
// Invariants:
//  1. A frame is delivered only if its MAC verifies, its sender is a
//     configured peer, it is addressed to this node, and (incarnation, seq)
//     is newer than the last frame accepted from that sender.
//  2. Frames from one sender and incarnation are delivered in send order.
//  3. Connections are accepted from the configured peers' addresses only,
//     one per address (the newest).
// Thread-safety: none; the loop owns it.
#pragma once

#include <poll.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace baton::transport {

struct PeerAddress {
  uint32_t id = 0;
  std::string addr;
  uint16_t port = 0;
};

struct TransportOptions {
  uint32_t self = 0;
  std::string bind_addr;
  uint16_t port = 0;
  std::vector<PeerAddress> peers;  // without self
  std::string cluster_name;
  std::string authkey;
  uint64_t incarnation = 0;        // grows across restarts (wall-clock ms at start)
  size_t max_queued_bytes = 16 << 20;
  size_t max_frame_bytes = 64 << 20;
  uint64_t reconnect_ms = 100;
  // The sender's live incarnation as the membership knows it; frames of any
  // other incarnation are dropped (a frame recorded from an earlier life of
  // the sender, replayed after this node restarted, is refused). Unset: only
  // the newest-seen rule applies (tests).
  std::function<std::optional<uint64_t>(uint32_t)> live_incarnation;
};

struct Received {
  uint32_t from = 0;
  std::string payload;
};

struct TransportCounters {
  uint64_t dropped_bad_mac = 0;
  uint64_t dropped_replayed = 0;
  uint64_t dropped_malformed = 0;
  uint64_t dropped_queue_full = 0;
};

// Frame wire form, exposed for tests: u32 length (big endian) then
// from u32, to u32, incarnation u64, seq u64, mac[32], payload. The MAC
// covers the destination too: a frame is good for one receiver only.
std::string EncodeFrame(const std::string& cluster, const std::string& key, uint32_t from, uint32_t to,
                        uint64_t incarnation, uint64_t seq, const std::string& payload);

class PeerTransport {
 public:
  static absl::StatusOr<std::unique_ptr<PeerTransport>> Create(TransportOptions options);
  ~PeerTransport();

  void Send(uint32_t to, std::string payload, uint64_t now_ms);

  // The descriptors to poll, in an order Process() expects back unchanged.
  std::vector<pollfd> PollFds(uint64_t now_ms);
  std::vector<Received> Process(const std::vector<pollfd>& fds, uint64_t now_ms);

  bool Connected(uint32_t peer) const;
  const TransportCounters& counters() const { return counters_; }

 private:
  struct Outbound {
    PeerAddress addr;
    int fd = -1;
    bool connecting = false;
    uint64_t next_attempt_ms = 0;
    std::string buffer;  // frames not yet written
    size_t queued = 0;
  };
  struct Inbound {
    int fd = -1;
    std::string buffer;
    std::string addr;  // the peer's address
  };
  struct Last {
    uint64_t incarnation = 0;
    uint64_t seq = 0;
  };

  explicit PeerTransport(TransportOptions options) : options_(std::move(options)) {}
  void Connect(Outbound& o, uint64_t now_ms);
  void Close(Outbound& o, uint64_t now_ms);
  void Flush(Outbound& o, uint64_t now_ms);
  void ReadFrom(Inbound& in, std::vector<Received>* out);
  bool Accept(const std::string& body, std::vector<Received>* out);

  TransportOptions options_;
  int listen_fd_ = -1;
  uint64_t seq_ = 0;
  std::map<uint32_t, Outbound> out_;
  std::vector<Inbound> in_;
  std::map<uint32_t, Last> last_;
  TransportCounters counters_;
};

}  // namespace baton::transport
