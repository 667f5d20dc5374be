#include "crmd/transport/peer_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/common/files.h"

namespace baton::transport {
namespace {

using common::ToSockaddr;

constexpr size_t kMacLen = 32;
constexpr size_t kHeaderLen = 4 + 4 + 8 + 8 + kMacLen;  // after the length prefix

void PutU32(std::string* s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetU(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<size_t>(i)]);
  return v;
}

std::string Mac(const std::string& cluster, const std::string& key, uint32_t from, uint32_t to,
                uint64_t incarnation, uint64_t seq, const std::string& nonce, const std::string& payload) {
  std::string data = cluster;
  data.push_back('\0');
  PutU32(&data, from);
  PutU32(&data, to);
  PutU64(&data, incarnation);
  PutU64(&data, seq);
  data += nonce;  // kNonceLen bytes
  data += payload;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string RandomNonce() {
  std::string n(kNonceLen, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(n.data()), static_cast<int>(n.size())) != 1) {
    std::random_device rd;
    for (auto& c : n) c = static_cast<char>(rd());
  }
  return n;
}

constexpr uint64_t kLogFlushMs = 10000;

}  // namespace

std::string EncodeFrame(const std::string& cluster, const std::string& key, uint32_t from, uint32_t to,
                        uint64_t incarnation, uint64_t seq, const std::string& nonce, const std::string& payload) {
  std::string body;
  PutU32(&body, from);
  PutU32(&body, to);
  PutU64(&body, incarnation);
  PutU64(&body, seq);
  body += Mac(cluster, key, from, to, incarnation, seq, nonce, payload);
  body += payload;
  std::string frame;
  PutU32(&frame, static_cast<uint32_t>(body.size()));
  return frame + body;
}

absl::StatusOr<std::unique_ptr<PeerTransport>> PeerTransport::Create(TransportOptions options) {
  std::unique_ptr<PeerTransport> t(new PeerTransport(std::move(options)));
  sockaddr_storage sa;
  socklen_t len = 0;
  if (!ToSockaddr(t->options_.bind_addr, t->options_.port, &sa, &len)) {
    return absl::InvalidArgumentError(absl::StrCat("'", t->options_.bind_addr, "' is not an address"));
  }
  int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd, 64) != 0) {
    int e = errno;
    if (fd >= 0) ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", t->options_.bind_addr, ":", t->options_.port,
                                               " (tcp): ", std::strerror(e)));
  }
  t->listen_fd_ = fd;
  for (const auto& p : t->options_.peers) t->out_[p.id].addr = p;
  return t;
}

PeerTransport::~PeerTransport() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (auto& [id, o] : out_) {
    if (o.fd >= 0) ::close(o.fd);
  }
  for (auto& in : in_) ::close(in.fd);
}

void PeerTransport::SetPeers(const std::vector<PeerAddress>& peers) {
  std::map<uint32_t, PeerAddress> wanted;
  for (const auto& p : peers) wanted[p.id] = p;
  for (auto it = out_.begin(); it != out_.end();) {
    auto w = wanted.find(it->first);
    bool same = w != wanted.end() && w->second.addr == it->second.addr.addr && w->second.port == it->second.addr.port;
    if (same) {
      ++it;
      continue;
    }
    if (it->second.fd >= 0) ::close(it->second.fd);
    it = out_.erase(it);
  }
  for (const auto& p : peers) {
    if (!out_.contains(p.id)) out_[p.id].addr = p;
  }
  for (auto& in : in_) {
    bool known = false;
    for (const auto& p : peers) known = known || p.addr == in.addr;
    if (!known && in.fd >= 0) {
      ::close(in.fd);
      in.fd = -1;
      in.buffer.clear();
    }
  }
  for (auto it = last_.begin(); it != last_.end();) {
    it = wanted.contains(it->first) ? std::next(it) : last_.erase(it);
  }
  options_.peers = peers;
}

bool PeerTransport::Connected(uint32_t peer) const {
  auto it = out_.find(peer);
  return it != out_.end() && it->second.ready();
}

void PeerTransport::Connect(Outbound& o, uint64_t now_ms) {
  sockaddr_storage sa;
  socklen_t len = 0;
  if (!ToSockaddr(o.addr.addr, o.addr.port, &sa, &len)) return;
  int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    o.next_attempt_ms = now_ms + options_.reconnect_ms;
    return;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  // From our own ring address: the peer accepts connections by address.
  sockaddr_storage local;
  socklen_t local_len = 0;
  if (ToSockaddr(options_.bind_addr, 0, &local, &local_len) && local.ss_family == sa.ss_family) {
    (void)::bind(fd, reinterpret_cast<sockaddr*>(&local), local_len);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    o.next_attempt_ms = now_ms + options_.reconnect_ms;
    return;
  }
  o.fd = fd;
  o.connecting = true;
}

void PeerTransport::Close(Outbound& o, uint64_t now_ms) {
  if (o.fd >= 0) ::close(o.fd);
  o.fd = -1;
  o.connecting = false;
  o.nonce.clear();
  o.buffer.clear();
  o.pending.clear();
  o.pending_bytes = 0;
  o.next_attempt_ms = now_ms + options_.reconnect_ms;
}

void PeerTransport::Send(uint32_t to, std::string payload, uint64_t now_ms) {
  auto it = out_.find(to);
  if (it == out_.end()) return;
  Outbound& o = it->second;
  if (o.buffer.size() + o.pending_bytes + payload.size() + 4 + kHeaderLen > options_.max_queued_bytes) {
    ++counters_.dropped_queue_full;
    return;
  }
  if (o.ready()) {
    o.buffer += EncodeFrame(options_.cluster_name, options_.authkey, options_.self, to, options_.incarnation, ++seq_,
                            o.nonce, payload);
    Flush(o, now_ms);
    return;
  }
  o.pending_bytes += payload.size() + 4 + kHeaderLen;
  o.pending.push_back(std::move(payload));
  if (o.fd < 0 && now_ms >= o.next_attempt_ms) Connect(o, now_ms);
}

// The receiver's challenge; then what waited for it goes out, MACed over it.
void PeerTransport::ReadNonce(Outbound& o, uint64_t now_ms) {
  char b[kNonceLen];
  ssize_t n = ::recv(o.fd, b, kNonceLen - o.nonce.size(), 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    Close(o, now_ms);
    return;
  }
  if (n < 0) return;
  o.nonce.append(b, static_cast<size_t>(n));
  if (!o.ready()) return;
  for (auto& payload : o.pending) {
    o.buffer += EncodeFrame(options_.cluster_name, options_.authkey, options_.self, o.addr.id, options_.incarnation,
                            ++seq_, o.nonce, payload);
  }
  o.pending.clear();
  o.pending_bytes = 0;
  Flush(o, now_ms);
}

void PeerTransport::Flush(Outbound& o, uint64_t now_ms) {
  while (!o.buffer.empty()) {
    ssize_t n = ::send(o.fd, o.buffer.data(), o.buffer.size(), MSG_NOSIGNAL);
    if (n > 0) {
      o.buffer.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    Close(o, now_ms);
    return;
  }
}

std::vector<pollfd> PeerTransport::PollFds(uint64_t now_ms) {
  std::vector<pollfd> fds;
  fds.push_back({listen_fd_, POLLIN, 0});
  for (auto& [id, o] : out_) {
    if (o.fd < 0 && (!o.pending.empty() || !o.buffer.empty()) && now_ms >= o.next_attempt_ms) Connect(o, now_ms);
    short ev = 0;
    if (o.fd >= 0) ev = static_cast<short>(o.connecting || (o.ready() && !o.buffer.empty()) ? POLLOUT : POLLIN);
    fds.push_back({o.fd, ev, 0});  // fd -1 is ignored by poll
  }
  // Newcomers that never authenticated are closed; their slot in `fds`
  // stays (fd -1) so that Process() finds the order unchanged.
  for (auto& in : in_) {
    if (in.fd >= 0 && in.peer == 0 && now_ms >= in.opened_ms + options_.auth_timeout_ms) {
      ++counters_.closed_unauthenticated;
      Refused("connection", in.addr, "no authentic frame within the timeout", now_ms);
      CloseInbound(in);
    }
    fds.push_back({in.fd, POLLIN, 0});
  }
  if (now_ms >= next_log_flush_ms_) {
    next_log_flush_ms_ = now_ms + kLogFlushMs;
    if (options_.log) {
      for (const auto& line : refusals_.Flush(now_ms)) options_.log(line);
    }
  }
  return fds;
}

void PeerTransport::Refused(const std::string& what, const std::string& source, const std::string& reason,
                            uint64_t now_ms) {
  if (!options_.log) return;
  if (auto line = refusals_.Note(what, source, reason, now_ms)) options_.log(*line);
}

void PeerTransport::CloseInbound(Inbound& in) {
  if (in.fd >= 0) ::close(in.fd);
  in.fd = -1;
  in.buffer.clear();
}

void PeerTransport::AcceptConnections(uint64_t now_ms) {
  for (;;) {
    sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    std::string host = common::AddressString(sa);
    bool known = false;
    for (const auto& p : options_.peers) known = known || p.addr == host;
    if (!known) {
      ::close(fd);
      ++counters_.dropped_malformed;
      Refused("connection", host, "not a configured peer's address", now_ms);
      continue;
    }
    std::string nonce = RandomNonce();
    // A fresh socket's buffer takes 16 bytes at once; if not, it is no peer.
    if (::send(fd, nonce.data(), nonce.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(nonce.size())) {
      ::close(fd);
      continue;
    }
    // The established connection stays until this one proves itself; of
    // the unproven ones from this address, the oldest goes first.
    size_t unproven = 0;
    for (const auto& in : in_) unproven += in.fd >= 0 && in.peer == 0 && in.addr == host;
    for (auto& in : in_) {
      if (unproven < options_.max_pending_per_address) break;
      if (in.fd >= 0 && in.peer == 0 && in.addr == host) {
        ++counters_.closed_unauthenticated;
        Refused("connection", host, "too many unauthenticated connections; closed the oldest", now_ms);
        CloseInbound(in);
        --unproven;
      }
    }
    Inbound in;
    in.fd = fd;
    in.addr = host;
    in.nonce = std::move(nonce);
    in.opened_ms = now_ms;
    in_.push_back(std::move(in));
  }
}

std::vector<Received> PeerTransport::Process(const std::vector<pollfd>& fds, uint64_t now_ms) {
  std::vector<Received> out;
  size_t i = 0;
  if (i < fds.size() && (fds[i].revents & POLLIN)) AcceptConnections(now_ms);
  ++i;
  for (auto& [id, o] : out_) {
    if (i >= fds.size()) break;
    const pollfd& p = fds[i++];
    if (p.fd != o.fd || o.fd < 0 || p.revents == 0) continue;
    if (o.connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(o.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (p.revents & (POLLERR | POLLHUP))) {
        Close(o, now_ms);
        continue;
      }
      o.connecting = false;
    }
    if (!o.ready()) {
      if (p.revents & (POLLIN | POLLERR | POLLHUP)) ReadNonce(o, now_ms);
      continue;
    }
    if (p.revents & (POLLERR | POLLHUP)) {
      Close(o, now_ms);
      continue;
    }
    if (p.revents & POLLIN) {
      // After the nonce the peer never sends: data or EOF means it closed.
      char b[256];
      ssize_t n = ::recv(o.fd, b, sizeof(b), 0);
      if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        Close(o, now_ms);
        continue;
      }
    }
    Flush(o, now_ms);
  }
  size_t first_in = i;
  for (size_t k = 0; k < in_.size(); ++k) {
    Inbound& in = in_[k];
    size_t idx = first_in + k;
    bool ready = in.fd >= 0 && idx < fds.size() && fds[idx].fd == in.fd && fds[idx].revents != 0;
    if (ready) ReadFrom(in, &out, now_ms);
  }
  std::erase_if(in_, [](const Inbound& in) { return in.fd < 0; });
  return out;
}

void PeerTransport::ReadFrom(Inbound& in, std::vector<Received>* out, uint64_t now_ms) {
  char buf[65536];
  bool eof = false;
  for (;;) {
    ssize_t n = ::recv(in.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      in.buffer.append(buf, static_cast<size_t>(n));
      continue;
    }
    eof = !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));  // EOF or error
    break;
  }
  size_t at = 0;
  while (in.fd >= 0 && in.buffer.size() - at >= 4) {
    size_t len = GetU(in.buffer, at, 4);
    if (len < kHeaderLen || len > options_.max_frame_bytes) {
      ++counters_.dropped_malformed;
      Refused("frame", in.addr, "malformed length", now_ms);
      CloseInbound(in);
      return;
    }
    if (in.buffer.size() - at - 4 < len) break;
    if (!Accept(in, in.buffer.substr(at + 4, len), out, now_ms)) {
      CloseInbound(in);  // a stream that carried a bad frame is not trusted further
      return;
    }
    at += 4 + len;
  }
  if (eof) {
    CloseInbound(in);
    return;
  }
  in.buffer.erase(0, at);
}

bool PeerTransport::Accept(Inbound& in, const std::string& body, std::vector<Received>* out, uint64_t now_ms) {
  uint32_t from = static_cast<uint32_t>(GetU(body, 0, 4));
  uint32_t to = static_cast<uint32_t>(GetU(body, 4, 4));
  uint64_t incarnation = GetU(body, 8, 8);
  uint64_t seq = GetU(body, 16, 8);
  std::string mac = body.substr(24, kMacLen);
  std::string payload = body.substr(kHeaderLen);
  auto peer = out_.find(from);
  if (peer == out_.end() || peer->second.addr.addr != in.addr || (in.peer != 0 && in.peer != from)) {
    ++counters_.dropped_malformed;
    Refused("frame", in.addr, absl::StrCat("claims to come from node ", from, ", not the peer at this address"),
            now_ms);
    return false;
  }
  std::string want = Mac(options_.cluster_name, options_.authkey, from, to, incarnation, seq, in.nonce, payload);
  if (CRYPTO_memcmp(want.data(), mac.data(), kMacLen) != 0) {
    ++counters_.dropped_bad_mac;
    Refused("frame", in.addr, "bad MAC (another key, or recorded on another connection: a replay)", now_ms);
    return false;
  }
  if (to != options_.self) {  // authentic, but meant for another node
    ++counters_.dropped_replayed;
    Refused("frame", in.addr, absl::StrCat("addressed to node ", to), now_ms);
    return false;
  }
  if (in.peer == 0) {
    // Authentic on this connection: it replaces the peer's older one (a
    // restarted peer leaves its old connection open).
    in.peer = from;
    for (auto& other : in_) {
      if (&other != &in && other.fd >= 0 && other.peer == from) CloseInbound(other);
    }
  }
  if (options_.live_incarnation) {
    auto live = options_.live_incarnation(from);
    if (!live || *live != incarnation) {
      ++counters_.dropped_replayed;
      return true;  // authentic but not from the sender's live process: drop it, keep the stream
    }
  }
  Last& last = last_[from];
  if (incarnation < last.incarnation || (incarnation == last.incarnation && seq <= last.seq)) {
    ++counters_.dropped_replayed;
    Refused("frame", in.addr, "replayed or reordered (old sequence number)", now_ms);
    return true;  // authentic but old: drop the frame, keep the stream
  }
  last = {incarnation, seq};
  out->push_back({from, std::move(payload)});
  return true;
}

}  // namespace baton::transport
