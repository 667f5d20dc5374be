// Reliable messages between crmds: one TCP connection per direction and
// peer, length-prefixed frames, each authenticated with HMAC-SHA256 over the
// cluster authkey and carrying the sender's incarnation and a sequence
// number, so forged, altered and replayed frames are dropped (and counted).
//
// Every connection starts with a challenge: the receiver sends 16 random
// bytes (the connection's nonce) as soon as it accepts, and the sender's
// frames on that connection are MACed over them. So a frame is good for
// one receiver, one connection and (with the sequence number) once: bytes
// recorded on the network and sent again on a new connection - to the same
// receiver, to another node, or to the receiver after it restarted and
// forgot the sequence numbers it had seen - verify nowhere. Chosen over
// mutual TLS keyed from the authkey because it binds the same things at the
// cost of one round trip per connection, with the HMAC code the frames
// already had, and without a TLS dependency in the daemon's poll loop;
// what TLS would add is secrecy, and CIB and attributes are not secret
// between an attacker on the cluster LAN and the nodes.
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
//  1. A frame is delivered only if its MAC verifies over the nonce of the
//     connection it came on, its sender is the configured peer of the
//     connection's address, it is addressed to this node, and (incarnation,
//     seq) is newer than the last frame accepted from that sender.
//  2. Frames from one sender and incarnation are delivered in send order.
//  3. Connections are accepted from the configured peers' addresses only.
//     A new connection displaces the one established from the same peer
//     only once it has carried an authentic frame: unauthenticated
//     newcomers (at most max_pending_per_address per address, the oldest
//     closed first) cannot cut a working link, and are closed after
//     auth_timeout_ms. A restarted peer gets through at once: its first
//     frame authenticates its new connection.
//  4. Refusals are counted, and logged through `log` at most once a minute
//     per kind and source (lib/common/log_limiter.h).
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
#include "lib/common/log_limiter.h"

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
  uint64_t auth_timeout_ms = 5000;     // an inbound connection without an authentic frame is closed
  size_t max_pending_per_address = 8;  // unauthenticated inbound connections per address
  // Where refusal lines go (rate-limited); unset: nowhere.
  std::function<void(const std::string&)> log;
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
  uint64_t closed_unauthenticated = 0;  // newcomers over the limit or silent too long
};

// The receiver's challenge at the start of every connection.
inline constexpr size_t kNonceLen = 16;

// Frame wire form, exposed for tests: u32 length (big endian) then
// from u32, to u32, incarnation u64, seq u64, mac[32], payload. The MAC
// covers the destination and the connection's nonce (not sent in the
// frame): a frame is good on one connection to one receiver only.
std::string EncodeFrame(const std::string& cluster, const std::string& key, uint32_t from, uint32_t to,
                        uint64_t incarnation, uint64_t seq, const std::string& nonce, const std::string& payload);

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

  // The configured peers changed (crm cluster join/remove, applied live):
  // removed peers' connections and queues are dropped, new peers are
  // connected on the next PollFds(); unchanged peers keep their connections.
  void SetPeers(const std::vector<PeerAddress>& peers);

 private:
  struct Outbound {
    PeerAddress addr;
    int fd = -1;
    bool connecting = false;
    std::string nonce;  // the receiver's challenge, as far as read
    uint64_t next_attempt_ms = 0;
    std::deque<std::string> pending;  // payloads waiting for the nonce
    size_t pending_bytes = 0;
    std::string buffer;  // frames not yet written
    bool ready() const { return fd >= 0 && !connecting && nonce.size() == kNonceLen; }
  };
  struct Inbound {
    int fd = -1;
    std::string buffer;
    std::string addr;       // the peer's address
    std::string nonce;      // the challenge sent
    uint32_t peer = 0;      // set by the first authentic frame
    uint64_t opened_ms = 0;
  };
  struct Last {
    uint64_t incarnation = 0;
    uint64_t seq = 0;
  };

  explicit PeerTransport(TransportOptions options) : options_(std::move(options)) {}
  void Connect(Outbound& o, uint64_t now_ms);
  void Close(Outbound& o, uint64_t now_ms);
  void Flush(Outbound& o, uint64_t now_ms);
  void ReadNonce(Outbound& o, uint64_t now_ms);
  void AcceptConnections(uint64_t now_ms);
  void ReadFrom(Inbound& in, std::vector<Received>* out, uint64_t now_ms);
  // False: the stream is not trusted further (close it).
  bool Accept(Inbound& in, const std::string& body, std::vector<Received>* out, uint64_t now_ms);
  void CloseInbound(Inbound& in);
  void Refused(const std::string& what, const std::string& source, const std::string& reason, uint64_t now_ms);

  TransportOptions options_;
  int listen_fd_ = -1;
  uint64_t seq_ = 0;
  std::map<uint32_t, Outbound> out_;
  std::vector<Inbound> in_;
  std::map<uint32_t, Last> last_;
  TransportCounters counters_;
  common::LogLimiter refusals_;
  uint64_t next_log_flush_ms_ = 0;
};

}  // namespace baton::transport
