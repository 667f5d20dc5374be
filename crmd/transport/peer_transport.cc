#include "crmd/transport/peer_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "crmd/common/files.h"

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
                uint64_t incarnation, uint64_t seq, const std::string& payload) {
  std::string data = cluster;
  data.push_back('\0');
  PutU32(&data, from);
  PutU32(&data, to);
  PutU64(&data, incarnation);
  PutU64(&data, seq);
  data += payload;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string EncodeFrame(const std::string& cluster, const std::string& key, uint32_t from, uint32_t to,
                        uint64_t incarnation, uint64_t seq, const std::string& payload) {
  std::string body;
  PutU32(&body, from);
  PutU32(&body, to);
  PutU64(&body, incarnation);
  PutU64(&body, seq);
  body += Mac(cluster, key, from, to, incarnation, seq, payload);
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

bool PeerTransport::Connected(uint32_t peer) const {
  auto it = out_.find(peer);
  return it != out_.end() && it->second.fd >= 0 && !it->second.connecting;
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
  o.buffer.clear();
  o.queued = 0;
  o.next_attempt_ms = now_ms + options_.reconnect_ms;
}

void PeerTransport::Send(uint32_t to, std::string payload, uint64_t now_ms) {
  auto it = out_.find(to);
  if (it == out_.end()) return;
  Outbound& o = it->second;
  std::string frame = EncodeFrame(options_.cluster_name, options_.authkey, options_.self, to, options_.incarnation,
                                  ++seq_, payload);
  if (o.buffer.size() + frame.size() > options_.max_queued_bytes) {
    ++counters_.dropped_queue_full;
    return;
  }
  o.buffer += frame;
  if (o.fd < 0 && now_ms >= o.next_attempt_ms) Connect(o, now_ms);
  if (o.fd >= 0 && !o.connecting) Flush(o, now_ms);
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
    if (o.fd < 0 && !o.buffer.empty() && now_ms >= o.next_attempt_ms) Connect(o, now_ms);
    short ev = 0;
    if (o.fd >= 0) ev = static_cast<short>(o.connecting || !o.buffer.empty() ? POLLOUT : POLLIN);
    fds.push_back({o.fd, ev, 0});  // fd -1 is ignored by poll
  }
  for (auto& in : in_) fds.push_back({in.fd, POLLIN, 0});
  return fds;
}

std::vector<Received> PeerTransport::Process(const std::vector<pollfd>& fds, uint64_t now_ms) {
  std::vector<Received> out;
  size_t i = 0;
  if (i < fds.size() && (fds[i].revents & POLLIN)) {
    for (;;) {
      sockaddr_storage sa;
      socklen_t len = sizeof(sa);
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      // Only the configured peers' addresses; a peer's newer connection
      // replaces its older one (a rebooted peer leaves the old one open).
      char host[INET6_ADDRSTRLEN] = {0};
      if (sa.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&sa)->sin_addr, host, sizeof(host));
      } else if (sa.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&sa)->sin6_addr, host, sizeof(host));
      }
      bool known = false;
      for (const auto& p : options_.peers) known = known || p.addr == host;
      if (!known) {
        ::close(fd);
        ++counters_.dropped_malformed;
        continue;
      }
      for (auto& old : in_) {
        if (old.addr == host && old.fd >= 0) {
          ::close(old.fd);
          old.fd = -1;
          old.buffer.clear();
        }
      }
      in_.push_back({fd, {}, host});
    }
  }
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
    if (p.revents & (POLLERR | POLLHUP)) {
      Close(o, now_ms);
      continue;
    }
    if (p.revents & POLLIN) {
      // The peer never sends on this direction: data or EOF means it closed.
      char b[256];
      ssize_t n = ::recv(o.fd, b, sizeof(b), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN)) {
        Close(o, now_ms);
        continue;
      }
    }
    Flush(o, now_ms);
  }
  std::vector<Inbound> keep;
  size_t first_in = i;
  for (size_t k = 0; k < in_.size(); ++k) {
    Inbound& in = in_[k];
    size_t idx = first_in + k;
    bool ready = idx < fds.size() && fds[idx].fd == in.fd && fds[idx].revents != 0;
    if (ready) ReadFrom(in, &out);
    if (in.fd >= 0) keep.push_back(std::move(in));
  }
  in_ = std::move(keep);
  return out;
}

void PeerTransport::ReadFrom(Inbound& in, std::vector<Received>* out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(in.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      in.buffer.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    ::close(in.fd);  // EOF or error
    in.fd = -1;
    break;
  }
  size_t at = 0;
  while (in.buffer.size() - at >= 4) {
    size_t len = GetU(in.buffer, at, 4);
    if (len < kHeaderLen || len > options_.max_frame_bytes) {
      ++counters_.dropped_malformed;
      if (in.fd >= 0) ::close(in.fd);
      in.fd = -1;
      in.buffer.clear();
      return;
    }
    if (in.buffer.size() - at - 4 < len) break;
    if (!Accept(in.buffer.substr(at + 4, len), out)) {
      // A stream that carried a bad frame is not trusted further.
      if (in.fd >= 0) ::close(in.fd);
      in.fd = -1;
      in.buffer.clear();
      return;
    }
    at += 4 + len;
  }
  in.buffer.erase(0, at);
}

bool PeerTransport::Accept(const std::string& body, std::vector<Received>* out) {
  uint32_t from = static_cast<uint32_t>(GetU(body, 0, 4));
  uint32_t to = static_cast<uint32_t>(GetU(body, 4, 4));
  uint64_t incarnation = GetU(body, 8, 8);
  uint64_t seq = GetU(body, 16, 8);
  std::string mac = body.substr(24, kMacLen);
  std::string payload = body.substr(kHeaderLen);
  if (!out_.count(from)) {
    ++counters_.dropped_malformed;
    return false;
  }
  std::string want = Mac(options_.cluster_name, options_.authkey, from, to, incarnation, seq, payload);
  if (CRYPTO_memcmp(want.data(), mac.data(), kMacLen) != 0) {
    ++counters_.dropped_bad_mac;
    return false;
  }
  if (to != options_.self) {  // authentic, but meant for another node
    ++counters_.dropped_replayed;
    return false;
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
    return true;  // authentic but old: drop the frame, keep the stream
  }
  last = {incarnation, seq};
  out->push_back({from, std::move(payload)});
  return true;
}

}  // namespace baton::transport
