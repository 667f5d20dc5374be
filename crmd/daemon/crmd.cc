// baton-crmd's shell (see crmd.h): sockets, the poll loop, the threads that
// call baton-fenced, and the files a node keeps. Every decision is the
// Node's (crmd/node/node.h): this file polls, decodes, feeds, sends and
// persists.
#include "crmd/daemon/crmd.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crmd/cib/rocksdb_store.h"
#include "crmd/daemon/join_server.h"
#include "crmd/daemon/report_collect.h"
#include "crmd/membership/codec.h"
#include "crmd/node/node.h"
#include "crmd/transport/peer_transport.h"
#include "fencing.grpc.pb.h"
#include "lib/common/access.h"
#include "lib/common/files.h"
#include "lib/common/log.h"
#include "lib/common/log_limiter.h"
#include "lib/config/auth_key.h"
#include "lib/control/control.h"
#include "lib/process/process_runner.h"
#include <grpcpp/grpcpp.h>

namespace baton::crmd {
namespace {

using common::ToSockaddr;
using common::WriteFileDurably;

// A log line on stderr with the wall-clock time to the millisecond, as
// "2026-11-26 05:30:18.123 baton-crmd: ...".
__attribute__((format(printf, 1, 2))) void Log(const char* fmt, ...) {
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  common::WriteLogLine("baton-crmd", text);
}
void LogLine(const std::string& line) { Log("%s\n", line.c_str()); }

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

uint64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

int64_t WallSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

std::string Dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `relative` to this binary's directory if it exists, else `installed`.
std::string BesideBinary(const std::string& relative, const std::string& installed) {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<size_t>(n));
    std::string dir = exe.substr(0, exe.rfind('/')) + "/" + relative;
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return dir;
  }
  return installed;
}

// The files beside the CIB: the ring sequence (corosync keeps a ringid file
// the same way), the permanent attributes, and cluster.conf itself.
class FileStorage : public node::Storage {
 public:
  FileStorage(std::string state_dir, std::string config_path)
      : ring_file_(state_dir + "/ringseq"), attrs_file_(state_dir + "/attributes"),
        config_path_(std::move(config_path)) {}

  uint64_t LoadRingSeq() const {
    std::ifstream in(ring_file_);
    uint64_t v = 0;
    in >> v;
    return v;
  }
  std::string LoadAttributes() const { return ReadWholeFile(attrs_file_); }

  absl::Status SaveRingSeq(uint64_t seq) override {
    return WriteFileDurably(ring_file_, std::to_string(seq) + "\n");
  }
  absl::Status SaveAttributes(const std::string& text) override { return WriteFileDurably(attrs_file_, text); }
  absl::Status SaveClusterConf(const std::string& text) override {
    return WriteFileDurably(config_path_, text, 0644);
  }
  absl::Status SetAsideClusterConf() override {
    std::string aside = config_path_ + ".removed";
    if (::rename(config_path_.c_str(), aside.c_str()) != 0) {
      return absl::InternalError(absl::StrCat(config_path_, ": ", std::strerror(errno)));
    }
    Log("this node's configuration is now %s\n", aside.c_str());
    return absl::OkStatus();
  }

 private:
  std::string ring_file_, attrs_file_, config_path_;
};

class Daemon {
 public:
  Daemon(const Options& options, Setup setup) : options_(options), setup_(std::move(setup)) {}
  ~Daemon();

  absl::Status Init();
  absl::Status Loop();

 private:
  absl::Status OpenLinks();
  absl::Status OpenControlSocket();
  void Receive(size_t link);
  void AcceptControl();
  bool ClientMayUseCluster(int fd);
  void ReplyAndClose(int fd, const control::ControlReply& reply);
  // Requests served by the shell's own services: join tokens, crm report.
  bool HandleHere(int fd, const control::ControlRequest& req);
  void Flush();
  void FollowNodelist();
  void StartFence(const node::FenceOut& f);
  void SyncDevices(uint64_t now);
  void TakeFenceResults();
  void SendPeer(const std::string& node, const crmd::PeerMessage& msg);

  template <typename Fn>
  void Spawn(Fn fn) {
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back({std::thread([fn = std::move(fn), done]() mutable {
                          fn();
                          done->store(true);
                        }),
                        done});
  }
  void ReapThreads() {
    std::erase_if(threads_, [](Worker& w) {
      if (!w.done->load()) return false;
      w.thread.join();
      return true;
    });
  }

  Options options_;
  Setup setup_;
  std::unique_ptr<FileStorage> storage_;
  std::unique_ptr<cib::RocksDbCibStore> cib_store_;
  process::RealProcessRunner runner_;
  std::unique_ptr<node::Node> node_;
  uint32_t config_version_ = 0;  // of the nodelist the sockets follow

  std::vector<int> link_fds_;
  int control_fd_ = -1;
  std::map<uint64_t, int> clients_;  // control requests waiting for the Node's reply
  uint64_t next_client_ = 1;
  common::LogLimiter refusals_;  // control clients, one line per user a minute
  std::unique_ptr<transport::PeerTransport> transport_;
  std::unique_ptr<JoinServer> join_;
  std::unique_ptr<report::ReportService> reports_;

  // baton-fenced calls run on threads; results come back under fence_mu_.
  std::string fenced_socket_;
  struct FenceDone {
    uint64_t id = 0;
    bool ok = false;
    std::string detail;
  };
  std::mutex fence_mu_;
  std::vector<FenceDone> fence_done_;  // guarded by fence_mu_
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> threads_;
  // Device registration runs when the configuration changed, then every
  // 30 s (5 s while it fails: baton-fenced may start after us).
  std::vector<node::Device> devices_;
  uint64_t next_device_sync_ms_ = 0;
  bool device_sync_running_ = false;  // guarded by fence_mu_
  bool device_sync_ok_ = false;       // guarded by fence_mu_
};

Daemon::~Daemon() {
  for (auto& w : threads_) {
    if (w.thread.joinable()) w.thread.join();
  }
}

absl::Status Daemon::Init() {
  const auto& cfg = setup_.config;
  ::mkdir(options_.state_dir.c_str(), 0700);
  storage_ = std::make_unique<FileStorage>(options_.state_dir, options_.config_path);
  auto store = cib::RocksDbCibStore::Open(options_.state_dir + "/cib");
  if (!store.ok()) return store.status();
  cib_store_ = *std::move(store);

  node::NodeOptions no;
  no.config = cfg;
  no.authkey = setup_.authkey;
  no.self = setup_.self;
  // A new incarnation at every start: wall-clock milliseconds only grow.
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  no.incarnation = static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
  no.persisted_seq = storage_->LoadRingSeq();
  no.permanent_attributes = storage_->LoadAttributes();
  no.executor.baton_agents_dir = options_.agents_dir.empty()
                                     ? BesideBinary("../../agents/ocf/baton", "/usr/lib/ocf/resource.d/baton")
                                     : options_.agents_dir;
  no.executor.tools_dir = options_.tools_dir.empty() ? BesideBinary("tools", "/usr/lib/baton/tools") : options_.tools_dir;
  no.executor.ha_rsctmp = options_.rsctmp;
  ::mkdir(options_.rsctmp.c_str(), 0755);
  no.executor.extra_env["HA_VARRUN"] = options_.rsctmp;
  no.executor.extra_env["BATON_SOCKET"] =
      options_.socket_path.empty() ? options_.state_dir + "/crmd.sock" : options_.socket_path;
  uint64_t incarnation = no.incarnation;
  auto n = node::Node::Create(std::move(no), cib_store_.get(), storage_.get(), &runner_, NowMs(), WallSeconds());
  if (!n.ok()) return n.status();
  node_ = *std::move(n);
  config_version_ = cfg.config_version;
  fenced_socket_ = options_.fenced_socket.empty() ? options_.state_dir + "/fenced.sock" : options_.fenced_socket;

  if (auto st = OpenLinks(); !st.ok()) return st;
  const config::NodeEntry* me = nullptr;
  for (const auto& e : cfg.nodes) {
    if (e.nodeid == setup_.self) me = &e;
  }
  // Reliable peer messages (CIB replication) over TCP on ring0's address and port.
  transport::TransportOptions to;
  to.self = setup_.self;
  to.bind_addr = me->ring_addrs[0];
  to.port = static_cast<uint16_t>(cfg.port);
  for (const auto& e : cfg.nodes) {
    if (e.nodeid != setup_.self) to.peers.push_back({e.nodeid, e.ring_addrs[0], static_cast<uint16_t>(cfg.port)});
  }
  to.cluster_name = cfg.cluster_name;
  to.authkey = setup_.authkey;
  to.incarnation = incarnation;
  to.live_incarnation = [this](uint32_t peer) { return node_->membership().PeerIncarnation(peer); };
  to.log = LogLine;
  auto tr = transport::PeerTransport::Create(std::move(to));
  if (!tr.ok()) return tr.status();
  transport_ = *std::move(tr);
  // crm cluster join: new nodes ask here, with a token crm cluster init/token made.
  join_ = std::make_unique<JoinServer>(options_.state_dir + "/join-tokens", LogLine);
  if (auto st = join_->Start(me->ring_addrs[0], static_cast<uint16_t>(cfg.port + kJoinPortOffset)); !st.ok()) {
    return st;
  }
  report::CollectOptions ro;
  ro.node = node_->self_name();
  ro.config_path = options_.config_path;
  reports_ = std::make_unique<report::ReportService>(
      ro, [this](const std::string& to_node, const crmd::PeerMessage& m) { SendPeer(to_node, m); });
  return OpenControlSocket();
}

// One UDP socket per link, bound to this node's address on it.
absl::Status Daemon::OpenLinks() {
  const auto& cfg = setup_.config;
  const config::NodeEntry* me = nullptr;
  for (const auto& n : cfg.nodes) {
    if (n.nodeid == setup_.self) me = &n;
  }
  for (size_t l = 0; l < me->ring_addrs.size(); ++l) {
    sockaddr_storage sa;
    socklen_t len = 0;
    uint16_t port = static_cast<uint16_t>(cfg.port + l);
    if (!ToSockaddr(me->ring_addrs[l], port, &sa, &len)) {
      return absl::InvalidArgumentError(absl::StrCat("ring", l, "_addr '", me->ring_addrs[l], "' is not an address"));
    }
    int fd = ::socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot bind ring", l, " to ", me->ring_addrs[l], ":", port, ": ", std::strerror(errno)));
    }
    link_fds_.push_back(fd);
  }
  return absl::OkStatus();
}

// The control socket: root and the haclient group (0660 root:haclient),
// each client's credentials checked again on accept.
absl::Status Daemon::OpenControlSocket() {
  std::string path = options_.socket_path.empty() ? options_.state_dir + "/crmd.sock" : options_.socket_path;
  if (auto st = common::MakeSocketDirectory(Dir(path)); !st.ok()) return st;
  ::unlink(path.c_str());
  control_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un un;
  std::memset(&un, 0, sizeof(un));
  un.sun_family = AF_UNIX;
  if (path.size() >= sizeof(un.sun_path)) return absl::InvalidArgumentError(path + ": socket path too long");
  std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
  mode_t old_umask = ::umask(077);  // no moment in which others may connect
  bool bound = control_fd_ >= 0 && ::bind(control_fd_, reinterpret_cast<sockaddr*>(&un), sizeof(un)) == 0;
  ::umask(old_umask);
  if (!bound || ::listen(control_fd_, 8) != 0) {
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  return common::RestrictClusterSocket(path);
}

void Daemon::Receive(size_t link) {
  char buf[membership::kMaxDatagram + 1];
  for (;;) {
    sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    ssize_t n = ::recvfrom(link_fds_[link], buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    const auto& cfg = node_->config();
    auto hb = membership::DecodeHeartbeat(std::string_view(buf, static_cast<size_t>(n)), cfg.cluster_name,
                                          setup_.authkey);
    if (!hb.ok()) {
      node_->OnBadHeartbeat(common::AddressString(from), std::string(hb.status().message()), NowMs());
    } else if (hb->link != link) {
      node_->OnBadHeartbeat(common::AddressString(from), "sent on another link", NowMs());
    } else {
      node_->OnHeartbeat(*hb, common::AddressString(from), NowMs());
    }
  }
}

void Daemon::ReplyAndClose(int fd, const control::ControlReply& reply) {
  std::string frame = control::EncodeFrame(reply);
  // A reader that stops reading is cut off by the send timeout, not waited for.
  for (size_t sent = 0; sent < frame.size();) {
    ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Root and haclient only, whatever the socket's mode: anyone else is told
// why in one line, and refusals are logged at most once a minute per user.
bool Daemon::ClientMayUseCluster(int fd) {
  common::PeerCredentials cred;
  bool ok = common::GetPeerCredentials(fd, &cred).ok() && common::MayUseCluster(cred.uid, cred.gid);
  if (ok) return true;
  ReplyAndClose(fd, control::ErrorReply(absl::PermissionDeniedError(common::NoAccessMessage(cred.uid))));
  if (auto line = refusals_.Note("control request", common::DescribeUser(cred.uid),
                                 absl::StrCat("neither root nor in haclient (pid ", cred.pid, ")"), NowMs())) {
    Log("WARNING: %s\n", line->c_str());
  }
  return false;
}

// The requests the daemon answers itself: they need its files, threads or
// listener, not the Node.
bool Daemon::HandleHere(int fd, const control::ControlRequest& req) {
  using R = control::ControlRequest;
  if (req.request_case() == R::kReportLogs) {
    std::set<std::string> configured;
    for (const auto& n : node_->config().nodes) configured.insert(n.name);
    reports_->OnControl(fd, req.report_logs(), node_->MemberNames(), configured, NowMs());
    return true;  // answered once every member did, or at the deadline
  }
  control::ControlReply reply;
  if (req.request_case() == R::kJoinToken) {
    // crm cluster init/token: a token new nodes join with (default 1 h).
    int64_t ttl = req.join_token().ttl_s() == 0 ? join::kDefaultTokenTtlS : req.join_token().ttl_s();
    if (ttl <= 0 || ttl > 7 * 86400) {
      reply = control::ErrorReply(
          absl::InvalidArgumentError(absl::StrCat("join token lifetime ", ttl, " s is not within 1..604800 s")));
    } else if (auto t = join_->IssueToken(ttl); !t.ok()) {
      reply = control::ErrorReply(t.status());
    } else {
      const auto& cfg = node_->config();
      const auto* me = &cfg.nodes.front();
      for (const auto& n : cfg.nodes) {
        if (n.nodeid == setup_.self) me = &n;
      }
      Log("join: issued token %s, valid for %lld s\n", t->id.c_str(), static_cast<long long>(ttl));
      auto* jt = reply.mutable_join_token();
      jt->set_token(t->Text());
      jt->set_address(me->ring_addrs[0]);
      jt->set_port(static_cast<uint32_t>(cfg.port + kJoinPortOffset));
      jt->set_expires_s(t->expires_s);
    }
  } else if (req.request_case() == R::kJoinTokenRevoke) {
    if (auto st = join_->RevokeToken(req.join_token_revoke().id()); !st.ok()) reply = control::ErrorReply(st);
  } else {
    return false;
  }
  ReplyAndClose(fd, reply);
  return true;
}

void Daemon::AcceptControl() {
  for (;;) {
    int fd = ::accept4(control_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    if (!ClientMayUseCluster(fd)) continue;
    // Short timeouts: a client that stalls must not hold the loop (and the
    // heartbeats) anywhere near a token.
    struct timeval rtv = {0, 100000}, stv = {0, 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof(rtv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stv, sizeof(stv));
    // One frame; a client that sends less within the timeout, or more than
    // the limit, gets an error and never stalls the loop for long.
    auto payload = control::ReadFrame(fd);
    if (!payload.ok()) {
      ReplyAndClose(fd, control::ErrorReply(absl::InvalidArgumentError(
                            absl::StrCat("control request: ", payload.status().message()))));
      continue;
    }
    control::ControlRequest req;
    if (!req.ParseFromString(*payload)) {
      ReplyAndClose(fd, control::ErrorReply(absl::InvalidArgumentError(
                            "control request: the frame is not a ControlRequest message")));
      continue;
    }
    if (HandleHere(fd, req)) continue;
    uint64_t client = next_client_++;
    clients_[client] = fd;
    node_->OnControl(client, req, NowMs());
  }
}

void Daemon::SendPeer(const std::string& node, const crmd::PeerMessage& msg) {
  auto id = node_->IdOf(node);
  if (id && *id != setup_.self) transport_->Send(*id, msg.SerializeAsString(), NowMs());
}

// The nodelist changed (crm cluster join/remove): peer connections follow.
void Daemon::FollowNodelist() {
  const auto& cfg = node_->config();
  if (cfg.config_version == config_version_) return;
  config_version_ = cfg.config_version;
  std::vector<transport::PeerAddress> peers;
  for (const auto& n : cfg.nodes) {
    if (n.nodeid != setup_.self) peers.push_back({n.nodeid, n.ring_addrs[0], static_cast<uint16_t>(cfg.port)});
  }
  transport_->SetPeers(peers);
}

// Sends what the Node produced.
void Daemon::Flush() {
  node::Outputs out = node_->TakeOutputs();
  uint64_t now = NowMs();
  for (const auto& line : out.log) LogLine(line);
  FollowNodelist();
  const auto& cfg = node_->config();
  for (const auto& hb : out.heartbeats) {
    const config::NodeEntry* to = nullptr;
    for (const auto& n : cfg.nodes) {
      if (n.nodeid == hb.receiver) to = &n;
    }
    if (to == nullptr) continue;
    for (size_t l = 0; l < link_fds_.size() && l < to->ring_addrs.size(); ++l) {
      membership::Heartbeat copy = hb;
      copy.link = static_cast<uint32_t>(l);
      sockaddr_storage sa;
      socklen_t len = 0;
      if (!ToSockaddr(to->ring_addrs[l], static_cast<uint16_t>(cfg.port + l), &sa, &len)) continue;
      std::string wire = membership::EncodeHeartbeat(copy, cfg.cluster_name, setup_.authkey);
      // Best effort: a lost heartbeat is what the protocol expects.
      (void)::sendto(link_fds_[l], wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&sa), len);
    }
  }
  for (auto& p : out.peers) transport_->Send(p.to, p.payload, now);
  for (const auto& f : out.fences) StartFence(f);
  for (const auto& r : out.replies) {
    auto it = clients_.find(r.client);
    if (it == clients_.end()) continue;
    ReplyAndClose(it->second, r.reply);
    clients_.erase(it);
  }
  for (auto& a : out.join_answers) join_->Answer(a.id, std::move(a.body));
  for (const auto& [from, m] : out.reports) reports_->OnPeer(from, m, now);
  if (out.devices) {
    devices_ = *out.devices;
    next_device_sync_ms_ = 0;  // register the devices of this configuration now
  }
}

// --- baton-fenced -------------------------------------------------------------

void Daemon::StartFence(const node::FenceOut& f) {
  std::string socket = fenced_socket_;
  std::string client = absl::StrCat("baton-crmd.", node_->self_name());
  Spawn([this, f, socket, client] {
    auto stub = fencing::Fencer::NewStub(grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
    fencing::FenceRequest req;
    req.set_target(f.target);
    req.set_action(f.action);
    req.set_timeout_ms(f.timeout_ms);
    req.set_client(client);
    if (f.delay_ms > 0) req.set_delay_ms(f.delay_ms);
    fencing::FenceReply reply;
    grpc::ClientContext ctx;
    // The fencer's own timeout, the delay, and half again for the call.
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(f.delay_ms + f.timeout_ms + f.timeout_ms / 2));
    grpc::Status st = stub->Fence(&ctx, req, &reply);
    FenceDone done{f.id, st.ok() && reply.success(), ""};
    done.detail = st.ok() ? reply.state() + (reply.exit_reason().empty() ? "" : ": " + reply.exit_reason())
                          : "baton-fenced unreachable: " + st.error_message();
    std::lock_guard<std::mutex> lock(fence_mu_);
    fence_done_.push_back(std::move(done));
  });
}

void Daemon::TakeFenceResults() {
  std::vector<FenceDone> done;
  {
    std::lock_guard<std::mutex> lock(fence_mu_);
    done.swap(fence_done_);
  }
  for (const auto& d : done) node_->OnFenceResult(d.id, d.ok, d.detail, NowMs());
}

// Registers the configuration's fencing devices with the local fencer (and
// removes the ones no longer configured), off the loop.
void Daemon::SyncDevices(uint64_t now) {
  {
    std::lock_guard<std::mutex> lock(fence_mu_);
    if (device_sync_running_ || now < next_device_sync_ms_) return;
    device_sync_running_ = true;
    // Again in 30 s after a success (a restarted fencer forgets), 5 s after a failure.
    next_device_sync_ms_ = now + (device_sync_ok_ ? 30000 : 5000);
  }
  std::vector<fencing::DeviceSpec> want;
  for (const auto& d : devices_) {
    fencing::DeviceSpec spec;
    spec.set_id(d.id);
    spec.set_agent(d.agent);
    for (const auto& [k, v] : d.params) (*spec.mutable_params())[k] = v;
    want.push_back(std::move(spec));
  }
  std::string socket = fenced_socket_;
  Spawn([this, want, socket] {
    auto stub = fencing::Fencer::NewStub(grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
    bool ok = true;
    fencing::ListDevicesReply have;
    {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      ok = stub->ListDevices(&ctx, fencing::ListDevicesRequest(), &have).ok();
    }
    std::set<std::string> wanted;
    for (const auto& d : want) {
      wanted.insert(d.id());
      bool same = false;
      for (const auto& h : have.devices()) {
        same = same || (h.id() == d.id() && h.agent() == d.agent() &&
                        std::map<std::string, std::string>(h.params().begin(), h.params().end()) ==
                            std::map<std::string, std::string>(d.params().begin(), d.params().end()));
      }
      if (same || !ok) continue;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      fencing::RegisterDeviceReply reply;
      grpc::Status st = stub->RegisterDevice(&ctx, d, &reply);
      if (!st.ok()) {
        Log("fencing device %s not registered with baton-fenced: %s\n", d.id().c_str(), st.error_message().c_str());
        ok = false;
      }
    }
    for (const auto& h : have.devices()) {
      if (wanted.count(h.id()) || !ok) continue;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      fencing::UnregisterDeviceRequest req;
      req.set_id(h.id());
      fencing::UnregisterDeviceReply reply;
      (void)stub->UnregisterDevice(&ctx, req, &reply);
    }
    std::lock_guard<std::mutex> lock(fence_mu_);
    device_sync_ok_ = ok;
    device_sync_running_ = false;
  });
}

// --- the loop ------------------------------------------------------------------

absl::Status Daemon::Loop() {
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  // SIGTERM: a clean shutdown, as Pacemaker's (node.h, invariant 8); a
  // second signal ends it at once.
  for (;;) {
    if (g_stop) {
      g_stop = 0;
      join_->Stop();  // no joins through a node that is leaving
      node_->BeginShutdown(NowMs(), WallSeconds());
    }
    if (!node_->finished().empty()) break;
    std::vector<pollfd> fds;
    for (int fd : link_fds_) fds.push_back({fd, POLLIN, 0});
    fds.push_back({control_fd_, POLLIN, 0});
    size_t control_at = fds.size() - 1;
    std::vector<pollfd> peer_fds = transport_->PollFds(NowMs());
    fds.insert(fds.end(), peer_fds.begin(), peer_fds.end());
    ::poll(fds.data(), fds.size(), 10);
    for (size_t l = 0; l < link_fds_.size(); ++l) {
      if (fds[l].revents & POLLIN) Receive(l);
    }
    if (fds[control_at].revents & POLLIN) AcceptControl();
    std::copy(fds.begin() + static_cast<long>(control_at) + 1, fds.end(), peer_fds.begin());
    for (auto& msg : transport_->Process(peer_fds, NowMs())) node_->OnPeerMessage(msg.from, msg.payload, NowMs());
    for (auto& r : join_->TakeRequests()) {
      node_->OnJoinRequest({r.id, r.body.name(), {r.body.ring_addrs().begin(), r.body.ring_addrs().end()}, r.from},
                           NowMs());
    }
    TakeFenceResults();
    node_->Tick(NowMs(), WallSeconds());
    Flush();
    reports_->Tick(NowMs());
    SyncDevices(NowMs());
    ReapThreads();
  }
  Log("%s\n", node_->finished().c_str());
  if (node_->failed()) return absl::InternalError(node_->finished());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Setup> LoadSetup(const Options& options) {
  Setup s;
  auto cfg = config::ReadClusterConfig(options.config_path);
  if (!cfg.ok()) return cfg.status();
  s.config = *std::move(cfg);
  std::string key_path = options.authkey_path.empty() ? Dir(options.config_path) + "/authkey" : options.authkey_path;
  auto key = config::ReadAuthKey(key_path);
  if (!key.ok()) return key.status();
  s.authkey = *std::move(key);
  if (!options.node_name.empty()) {
    for (const auto& n : s.config.nodes) {
      if (n.name == options.node_name) s.self = n.nodeid;
    }
    if (s.self == 0) {
      return absl::InvalidArgumentError(absl::StrCat("node '", options.node_name, "' is not in the nodelist"));
    }
    return s;
  }
  std::set<std::string> local = common::LocalAddresses();
  for (const auto& n : s.config.nodes) {
    for (const auto& a : n.ring_addrs) {
      if (local.count(a)) s.self = n.nodeid;
    }
  }
  if (s.self == 0) {
    return absl::NotFoundError(
        "no ring address of the nodelist is on this machine: give --node NAME, or fix the nodelist");
  }
  return s;
}

absl::Status Run(const Options& options, Setup setup) {
  Daemon d(options, std::move(setup));
  if (auto st = d.Init(); !st.ok()) return st;
  return d.Loop();
}

}  // namespace baton::crmd
