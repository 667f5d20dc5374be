#include "lib/join/join_protocol.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/common/files.h"
#include "lib/common/hmac.h"

namespace baton::join {
namespace {

constexpr size_t kNonceBytes = 32;
constexpr size_t kTagBytes = 16;

std::string Hmac(absl::string_view key, absl::string_view data) {
  return common::HmacSha256(std::string_view(key.data(), key.size()), std::string_view(data.data(), data.size()));
}

bool IsHex(absl::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) || absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits for fd to become ready for `events` before the deadline.
absl::Status Wait(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - MonotonicMs();
    if (left <= 0) return absl::DeadlineExceededError("the other side did not answer in time");
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return absl::OkStatus();
    if (r < 0 && errno != EINTR) return absl::UnavailableError(std::strerror(errno));
  }
}

absl::Status SendAll(int fd, const std::string& data, int64_t deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    if (auto st = Wait(fd, POLLOUT, deadline); !st.ok()) return st;
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status RecvAll(int fd, size_t n, std::string* out, int64_t deadline) {
  out->clear();
  char buf[16384];
  while (out->size() < n) {
    if (auto st = Wait(fd, POLLIN, deadline); !st.ok()) return st;
    ssize_t r = ::recv(fd, buf, std::min(sizeof(buf), n - out->size()), MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r == 0) return absl::UnavailableError("the connection was closed");
    if (r < 0) return absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno)));
    out->append(buf, static_cast<size_t>(r));
  }
  return absl::OkStatus();
}

proto::JoinFrame ErrorFrame(const std::string& message) {
  proto::JoinFrame f;
  f.mutable_error()->set_message(message);
  return f;
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // No entropy is no cluster: never hand out a guessable secret.
    std::abort();
  }
  return out;
}

JoinToken NewJoinToken(int64_t now_s, int64_t ttl_s) {
  JoinToken t;
  t.id = absl::BytesToHexString(RandomBytes(4));
  t.secret = absl::BytesToHexString(RandomBytes(16));
  t.expires_s = now_s + ttl_s;
  return t;
}

absl::StatusOr<JoinToken> ParseJoinToken(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 2 || !IsHex(parts[0], 8) || !IsHex(parts[1], 32)) {
    return absl::InvalidArgumentError(absl::StrCat("'", text,
                                                   "' is not a join token: expected ID.SECRET (8 and 32 "
                                                   "lower-case hex digits) as crm cluster init/token printed it"));
  }
  JoinToken t;
  t.id = std::string(parts[0]);
  t.secret = std::string(parts[1]);
  return t;
}

SessionKeys DeriveSessionKeys(absl::string_view secret, absl::string_view token_id, absl::string_view joiner_nonce,
                              absl::string_view member_nonce) {
  std::string session =
      Hmac(secret, absl::StrCat("baton-join-v1\n", token_id, "\n", joiner_nonce, member_nonce));
  return {Hmac(session, "joiner->member"), Hmac(session, "member->joiner")};
}

std::string Seal(absl::string_view key, absl::string_view plaintext) {
  unsigned char iv[12] = {};  // one message per key (invariant 2)
  std::string out(plaintext.size() + kTagBytes, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, total = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()), iv);
  EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(plaintext.data()), static_cast<int>(plaintext.size()));
  total = len;
  EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + total, &len);
  total += len;
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                      reinterpret_cast<unsigned char*>(out.data()) + total);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(total) + kTagBytes);
  return out;
}

absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed) {
  if (key.size() != 32 || sealed.size() < kTagBytes) {
    return absl::PermissionDeniedError("the sealed message is malformed");
  }
  unsigned char iv[12] = {};
  size_t n = sealed.size() - kTagBytes;
  std::string out(n, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()), iv);
  EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(sealed.data()), static_cast<int>(n));
  std::string tag(sealed.substr(n));
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data());
  int fin = 0;
  bool ok = EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return absl::PermissionDeniedError("the sealed message does not open with this token");
  return out;
}

absl::Status WriteFrame(int fd, const proto::JoinFrame& frame, int timeout_ms) {
  std::string body = frame.SerializeAsString();
  uint32_t len = htonl(static_cast<uint32_t>(body.size()));
  std::string data(reinterpret_cast<char*>(&len), 4);
  data += body;
  return SendAll(fd, data, MonotonicMs() + timeout_ms);
}

absl::Status ReadFrame(int fd, proto::JoinFrame* frame, int timeout_ms) {
  int64_t deadline = MonotonicMs() + timeout_ms;
  std::string head;
  if (auto st = RecvAll(fd, 4, &head, deadline); !st.ok()) return st;
  uint32_t len = 0;
  std::memcpy(&len, head.data(), 4);
  len = ntohl(len);
  if (len > kMaxJoinFrame) return absl::InvalidArgumentError(absl::StrCat("a frame of ", len, " bytes is too long"));
  std::string body;
  if (auto st = RecvAll(fd, len, &body, deadline); !st.ok()) return st;
  if (!frame->ParseFromString(body)) return absl::InvalidArgumentError("a frame does not parse");
  return absl::OkStatus();
}

absl::Status TokenStore::Load(int64_t now_s) {
  tokens_.clear();
  std::ifstream in(path_);
  if (!in) return absl::OkStatus();
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t expires = 0;
    if (f.size() != 3 || !IsHex(f[0], 8) || !IsHex(f[1], 32) || !absl::SimpleAtoi(f[2], &expires)) {
      return absl::DataLossError(absl::StrCat(path_, ": a line is not 'ID SECRET EXPIRES'; delete the file to "
                                              "drop every join token"));
    }
    if (expires > now_s) tokens_[f[0]] = {f[0], f[1], expires};
  }
  return absl::OkStatus();
}

absl::Status TokenStore::Save() const {
  std::string text;
  for (const auto& [id, t] : tokens_) absl::StrAppend(&text, id, " ", t.secret, " ", t.expires_s, "\n");
  return common::WriteFileDurably(path_, text, 0600);
}

absl::StatusOr<JoinToken> TokenStore::Issue(int64_t now_s, int64_t ttl_s) {
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.expires_s <= now_s ? tokens_.erase(it) : std::next(it);
  }
  JoinToken t = NewJoinToken(now_s, ttl_s);
  tokens_[t.id] = t;
  if (auto st = Save(); !st.ok()) {
    tokens_.erase(t.id);
    return st;
  }
  return t;
}

std::optional<std::string> TokenStore::Secret(const std::string& id, int64_t now_s) const {
  auto it = tokens_.find(id);
  if (it == tokens_.end() || it->second.expires_s <= now_s) return std::nullopt;
  return it->second.secret;
}

absl::Status TokenStore::Revoke(const std::string& id) {
  if (tokens_.erase(id) == 0) return absl::NotFoundError(absl::StrCat("no join token '", id, "'"));
  return Save();
}

absl::StatusOr<proto::JoinReplyBody> RequestJoin(const std::string& addr, uint16_t port, const JoinToken& token,
                                                 const proto::JoinRequestBody& request, int timeout_ms) {
  sockaddr_storage sa;
  socklen_t sa_len = 0;
  if (!common::ToSockaddr(addr, port, &sa, &sa_len)) {
    return absl::InvalidArgumentError(absl::StrCat("'", addr, "' is not an IP address"));
  }
  int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sa_len) != 0) {
    int e = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot reach the member at ", addr, ":", port, ": ",
                                               std::strerror(e), " (is baton-crmd running there?)"));
  }
  auto fail = [fd](absl::Status st) {
    ::close(fd);
    return st;
  };
  std::string joiner_nonce = RandomBytes(kNonceBytes);
  proto::JoinFrame hello;
  hello.mutable_hello()->set_version(kJoinVersion);
  hello.mutable_hello()->set_token_id(token.id);
  hello.mutable_hello()->set_joiner_nonce(joiner_nonce);
  if (auto st = WriteFrame(fd, hello, timeout_ms); !st.ok()) return fail(st);
  proto::JoinFrame challenge;
  if (auto st = ReadFrame(fd, &challenge, timeout_ms); !st.ok()) return fail(st);
  if (challenge.has_error()) return fail(absl::PermissionDeniedError(challenge.error().message()));
  if (!challenge.has_challenge() || challenge.challenge().member_nonce().size() != kNonceBytes) {
    return fail(absl::InvalidArgumentError("the member's answer is not a join challenge"));
  }
  SessionKeys keys = DeriveSessionKeys(token.secret, token.id, joiner_nonce, challenge.challenge().member_nonce());
  proto::JoinFrame req;
  req.mutable_request()->set_ciphertext(Seal(keys.to_member, request.SerializeAsString()));
  if (auto st = WriteFrame(fd, req, timeout_ms); !st.ok()) return fail(st);
  proto::JoinFrame reply;
  if (auto st = ReadFrame(fd, &reply, timeout_ms); !st.ok()) return fail(st);
  ::close(fd);
  if (reply.has_error()) return absl::PermissionDeniedError(reply.error().message());
  if (!reply.has_reply()) return absl::InvalidArgumentError("the member's answer is not a join reply");
  auto plain = Open(keys.to_joiner, reply.reply().ciphertext());
  if (!plain.ok()) {
    return absl::PermissionDeniedError("the member's reply is not sealed with this token: not a member of the "
                                       "cluster that issued it");
  }
  proto::JoinReplyBody body;
  if (!body.ParseFromString(*plain)) return absl::InvalidArgumentError("the member's reply does not parse");
  return body;
}

absl::Status ServeJoin(int fd, const std::function<std::optional<std::string>(const std::string&)>& secret_of,
                       const std::function<proto::JoinReplyBody(const proto::JoinRequestBody&)>& decide,
                       int timeout_ms) {
  proto::JoinFrame hello;
  if (auto st = ReadFrame(fd, &hello, timeout_ms); !st.ok()) return st;
  if (!hello.has_hello() || hello.hello().joiner_nonce().size() != kNonceBytes) {
    return absl::InvalidArgumentError("the first frame is not a join hello");
  }
  if (hello.hello().version() != kJoinVersion) {
    (void)WriteFrame(fd, ErrorFrame(absl::StrCat("join protocol version ", hello.hello().version(),
                                                 " is not spoken here (", kJoinVersion, " is)")),
                     timeout_ms);
    return absl::InvalidArgumentError("unknown join protocol version");
  }
  // Checked before it is looked up or logged: it comes from anyone.
  if (!IsHex(hello.hello().token_id(), 8)) {
    (void)WriteFrame(fd, ErrorFrame("the join token's id is not 8 hex digits"), timeout_ms);
    return absl::InvalidArgumentError("a join hello with a malformed token id");
  }
  auto secret = secret_of(hello.hello().token_id());
  if (!secret) {
    (void)WriteFrame(fd, ErrorFrame("the join token is unknown or has expired on this member; make a new one "
                                    "with 'crm cluster token' on it"),
                     timeout_ms);
    return absl::PermissionDeniedError(absl::StrCat("unknown or expired token id '", hello.hello().token_id(), "'"));
  }
  std::string member_nonce = RandomBytes(kNonceBytes);
  proto::JoinFrame challenge;
  challenge.mutable_challenge()->set_member_nonce(member_nonce);
  if (auto st = WriteFrame(fd, challenge, timeout_ms); !st.ok()) return st;
  SessionKeys keys = DeriveSessionKeys(*secret, hello.hello().token_id(), hello.hello().joiner_nonce(), member_nonce);
  proto::JoinFrame req;
  if (auto st = ReadFrame(fd, &req, timeout_ms); !st.ok()) return st;
  if (!req.has_request()) return absl::InvalidArgumentError("the second frame is not a join request");
  auto plain = Open(keys.to_member, req.request().ciphertext());
  proto::JoinRequestBody body;
  if (!plain.ok() || !body.ParseFromString(*plain)) {
    (void)WriteFrame(fd, ErrorFrame("the join token is wrong"), timeout_ms);
    return absl::PermissionDeniedError("a join request did not open with the token it named (wrong secret)");
  }
  proto::JoinReplyBody answer = decide(body);
  proto::JoinFrame reply;
  reply.mutable_reply()->set_ciphertext(Seal(keys.to_joiner, answer.SerializeAsString()));
  return WriteFrame(fd, reply, timeout_ms);
}

}  // namespace baton::join
