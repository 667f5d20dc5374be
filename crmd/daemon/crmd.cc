// baton-crmd (see crmd.h): UDP heartbeats on every link, membership,
// quorum and election, and a local control socket for `crm status`.
#include "crmd/daemon/crmd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <atomic>
#include <thread>
#include <tuple>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/attrd/attrd.h"
#include "crmd/common/access.h"
#include "crmd/common/files.h"
#include "crmd/common/log.h"
#include "crmd/common/log_limiter.h"
#include "crmd/daemon/join_server.h"
#include "crmd/daemon/nodelist_change.h"
#include "crmd/cib/cib_xml.h"
#include "crmd/cib/replication.h"
#include "crmd/cib/rocksdb_store.h"
#include "crmd/config/auth_key.h"
#include "crmd/daemon/report_collect.h"
#include "crmd/membership/codec.h"
#include "crmd/membership/election.h"
#include "crmd/membership/membership.h"
#include "crmd/quorum/quorum.h"
#include "crmd/service/control.h"
#include "crmd/service/local_requests.h"
#include "crmd/service/peer_messages.h"
#include "crmd/transport/peer_transport.h"
#include "crmd/executor/executor.h"
#include "crmd/executor/process_runner.h"
#include "crmd/scheduler/score.h"
#include "crmd/transition/controller.h"
#include "crmd.pb.h"
#include "fencing.grpc.pb.h"
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
  std::fprintf(stderr, "%s%s baton-crmd: %s", common::JournalPrefix(text).c_str(), common::LogTime().c_str(), text);
}

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

uint64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

std::string Dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Local addresses, to find which configured node this is.

// The persisted ring sequence (corosync keeps a ringid file the same way).
uint64_t ReadRingSeq(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  in >> v;
  return v;
}

absl::Status WriteRingSeq(const std::string& path, uint64_t seq) {
  return WriteFileDurably(path, std::to_string(seq) + "\n");
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

// The quorum { } section and the nodelist's votes, as votequorum reads them.
quorum::Config QuorumConfig(const config::ClusterConfig& c) {
  quorum::Config qc;
  for (const auto& n : c.nodes) qc.nodes.push_back({n.nodeid, n.votes});
  qc.expected_votes = c.expected_votes;
  qc.two_node = c.two_node;
  qc.wait_for_all = c.wait_for_all;
  qc.last_man_standing = c.last_man_standing;
  qc.last_man_standing_window_ms = c.last_man_standing_window_ms;
  qc.auto_tie_breaker = c.auto_tie_breaker;
  return qc;
}

// OpResult.action of an operation that started and has no result yet.
constexpr int kPendingAction = -2;

int64_t WallSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

class Daemon {
 public:
  Daemon(const Options& options, Setup setup) : options_(options), setup_(std::move(setup)) {}

  absl::Status Init();
  absl::Status Loop();

 private:
  void Receive(int link);
  void Control();
  // crm cluster join/remove/token (nodelist changes applied live).
  void PumpJoins(uint64_t now);
  absl::Status ApplyClusterConf(const config::ClusterConfig& c, const std::string& why);
  void StartConfChange(const config::ClusterConfig& c, uint64_t now, std::function<void(const std::string&)> done);
  void BroadcastClusterConf(uint64_t now);
  crmd::PeerMessage ClusterConfMessage(uint64_t request_id) const;
  void OnClusterConf(uint32_t from, const crmd::ClusterConf& m, uint64_t now);
  void ExpireConfChanges(uint64_t now);
  void RemoveNodeRequest(int fd, const std::vector<std::string>& req, uint64_t now);
  std::string RefuseNodelistChange(const config::ClusterConfig& next) const;
  bool ClientMayUseCluster(int fd);
  void WarnOnLinkChange(uint64_t now);
  void Send(const membership::Heartbeat& hb);
  std::string Name(uint32_t id) const;
  std::string StatusText(bool cluster) const;
  // One control request; the reply text or an error.
  absl::StatusOr<std::string> Handle(const std::vector<std::string>& req);
  service::ClusterView View() const;
  // cib-replace ADMIN_EPOCH EPOCH NUM_UPDATES XML: a configuration change
  // through the DC; the reply waits for its outcome (the fd stays open).
  void SubmitChange(int fd, const std::vector<std::string>& req, uint64_t now);
  void ReplyChanges(uint64_t now);
  void FlushReplication(uint64_t now);
  void UpdateReplicaView(uint64_t now);
  void RefreshConfigured();

  Options options_;
  Setup setup_;
  std::unique_ptr<membership::Membership> membership_;
  std::optional<quorum::Quorum> quorum_;
  membership::View seen_;
  std::vector<int> link_fds_;
  int control_fd_ = -1;
  std::unique_ptr<JoinServer> join_;
  struct ConfChange {
    std::set<uint32_t> waiting;  // members yet to acknowledge
    std::vector<std::string> errors;
    uint64_t deadline = 0;
    std::function<void(const std::string&)> done;  // "" = every member has it
  };
  std::map<uint64_t, ConfChange> conf_changes_;
  uint64_t next_conf_request_ = 1;
  bool removed_ = false;  // this node is no longer in the nodelist
  std::string ring_file_;
  uint64_t persisted_seq_ = 0;
  uint64_t dropped_ = 0;
  common::LogLimiter refusals_;  // of heartbeats and control clients, one line per source a minute
  uint64_t start_ms_ = 0;
  std::vector<bool> links_seen_;
  attrd::AttributeStore attrs_;
  std::string attrs_file_;
  std::optional<service::LocalRequests> requests_;

  std::unique_ptr<cib::RocksDbCibStore> cib_store_;
  std::unique_ptr<cib::CibReplica> replica_;
  std::unique_ptr<transport::PeerTransport> transport_;
  std::unique_ptr<report::ReportService> reports_;  // crm report
  cib::Cib configured_;  // replica_->current() parsed, for "cib" requests
  cib::StoredCib refreshed_from_;
  std::optional<std::pair<std::set<uint32_t>, std::optional<uint32_t>>> replica_view_;
  struct Waiting {
    int fd = -1;
    uint64_t deadline_ms = 0;
  };
  std::map<uint64_t, Waiting> waiting_;  // change request id -> client
  uint64_t next_request_id_ = 0;

  // Resources on this node, and the cluster's controller.
  std::string self_name_;
  std::map<std::string, uint32_t> node_ids_;  // name -> id
  executor::RealProcessRunner runner_;
  std::unique_ptr<executor::Executor> executor_;
  std::unique_ptr<transition::Controller> controller_;
  transition::StatusTable own_;  // this node's own results, for a new DC's history query
  struct ExecCtx {
    uint64_t graph = 0;
    int action = -1;
    int target_rc = 0;
    std::string op_digest, cls, provider, type;
    std::string rsc;
    int64_t interval_ms = 0;
  };
  std::map<int, ExecCtx> exec_ctx_;  // by executor call id
  std::set<std::string> devices_started_;  // stonith resources "running" here
  // (members, DC, ring sequence, quorate) last given to the controller.
  std::optional<std::tuple<std::set<std::string>, std::string, uint64_t, bool>> controller_view_;
  // baton-fenced calls run on threads; results come back under fence_mu_.
  struct FenceDone {
    uint64_t graph = 0;
    int action = 0;
    std::string target;
    bool ok = false;
    std::string detail;
  };
  std::mutex fence_mu_;
  std::vector<FenceDone> fence_done_;
  // Threads calling baton-fenced; joined as soon as they finish (ReapThreads).
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> threads_;
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
  std::string fenced_socket_;
  // Device registration runs when the configuration changed, then every
  // 30 s (5 s while it fails: baton-fenced may start after us).
  uint64_t next_device_sync_ms_ = 0;
  bool device_sync_running_ = false;
  bool device_sync_ok_ = false;

  void SendPeer(const std::string& node, const crmd::PeerMessage& msg, uint64_t now);
  void Broadcast(const crmd::PeerMessage& msg, uint64_t now);
  void HandlePeer(uint32_t from, const std::string& payload, uint64_t now);
  void RunLocal(uint64_t graph, const transition::GraphAction& a, uint64_t now);
  void ReportResult(const transition::OpResultRecord& r, uint64_t graph, int action, uint64_t now);
  void PumpExecutor(uint64_t now);
  void PumpController(uint64_t now);
  void StartFence(const transition::FenceOut& f);
  void SyncDevices(uint64_t now);
  void BroadcastOwnAttributes(uint64_t now);
  void ApplyControllerAttributes(uint64_t now);
  // Forgets RSC's history and failures on NODE ("" = every node): the DC
  // probes it again.
  void Cleanup(const std::string& rsc, const std::string& node);
 public:
  ~Daemon();
};

Daemon::~Daemon() {
  for (auto& w : threads_) {
    if (w.thread.joinable()) w.thread.join();
  }
}

std::string Daemon::Name(uint32_t id) const {
  for (const auto& n : setup_.config.nodes) {
    if (n.nodeid == id) return n.name;
  }
  return std::to_string(id);
}

absl::Status Daemon::Init() {
  const auto& cfg = setup_.config;
  ::mkdir(options_.state_dir.c_str(), 0700);
  ring_file_ = options_.state_dir + "/ringseq";
  persisted_seq_ = ReadRingSeq(ring_file_);
  attrs_file_ = options_.state_dir + "/attributes";
  if (std::ifstream in(attrs_file_); in) {
    std::stringstream text;
    text << in.rdbuf();
    if (auto st = attrs_.LoadPermanent(text.str()); !st.ok()) {
      return absl::DataLossError(absl::StrCat(attrs_file_, ": ", st.message()));
    }
  }
  requests_.emplace(&attrs_, [this](const std::string& text) { return WriteFileDurably(attrs_file_, text); });
  requests_->OnAttributeChange([this](const std::string& node, const std::string& name,
                                      const std::optional<std::string>& value, attrd::Lifetime lifetime) {
    crmd::PeerMessage m;
    auto* a = m.mutable_attr();
    a->set_node(node);
    a->set_name(name);
    a->set_value(value.value_or(""));
    a->set_remove(!value.has_value());
    a->set_forever(lifetime == attrd::Lifetime::kForever);
    Broadcast(m, NowMs());
    if (controller_) controller_->OnAttributesChanged();
  });
  self_name_ = Name(setup_.self);
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& n : setup_.config.nodes) {
    node_ids_[n.name] = n.nodeid;
    ids.push_back({std::to_string(n.nodeid), n.name});
  }
  executor::ExecutorOptions eo;
  eo.baton_agents_dir = options_.agents_dir.empty() ? BesideBinary("../../agents/ocf/baton", "/usr/lib/ocf/resource.d/baton")
                                                    : options_.agents_dir;
  eo.tools_dir = options_.tools_dir.empty() ? BesideBinary("tools", "/usr/lib/baton/tools") : options_.tools_dir;
  eo.ha_rsctmp = options_.rsctmp;
  ::mkdir(options_.rsctmp.c_str(), 0755);
  eo.extra_env["HA_VARRUN"] = options_.rsctmp;
  eo.extra_env["BATON_SOCKET"] = options_.socket_path.empty() ? options_.state_dir + "/crmd.sock" : options_.socket_path;
  executor_ = std::make_unique<executor::Executor>(eo, &runner_);
  transition::ControllerOptions co;
  co.self = self_name_;
  co.nodes = ids;
  controller_ = std::make_unique<transition::Controller>(co, &attrs_, static_cast<int64_t>(NowMs()));
  fenced_socket_ = options_.fenced_socket.empty() ? options_.state_dir + "/fenced.sock" : options_.fenced_socket;
  auto store = cib::RocksDbCibStore::Open(options_.state_dir + "/cib");
  if (!store.ok()) return store.status();
  cib_store_ = *std::move(store);
  replica_ = std::make_unique<cib::CibReplica>(setup_.self, cib_store_.get());
  if (auto st = replica_->Init(); !st.ok()) return st;
  RefreshConfigured();
  membership::Options mo;
  mo.self = setup_.self;
  for (const auto& n : cfg.nodes) mo.nodes.push_back(n.nodeid);
  mo.links = static_cast<uint32_t>(cfg.nodes.front().ring_addrs.size());
  mo.token_ms = cfg.token_ms;
  mo.heartbeat_interval_ms = cfg.heartbeat_interval_ms;
  start_ms_ = NowMs();
  // A new incarnation at every start: wall-clock milliseconds only grow.
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t incarnation = static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
  membership_ = std::make_unique<membership::Membership>(mo, incarnation, persisted_seq_, start_ms_);

  auto q = quorum::Quorum::Create(QuorumConfig(cfg), setup_.self);
  if (!q.ok()) return q.status();
  quorum_.emplace(*std::move(q));
  seen_ = membership_->view();
  quorum_->OnMembership(seen_.members, start_ms_);

  // One UDP socket per link, bound to this node's address on it.
  const config::NodeEntry* me = nullptr;
  for (const auto& n : cfg.nodes) {
    if (n.nodeid == setup_.self) me = &n;
  }
  for (uint32_t l = 0; l < mo.links; ++l) {
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
  // Reliable peer messages (CIB replication) over TCP on ring0's address and port.
  transport::TransportOptions to;
  to.self = setup_.self;
  to.bind_addr = me->ring_addrs[0];
  to.port = static_cast<uint16_t>(cfg.port);
  for (const auto& n : cfg.nodes) {
    if (n.nodeid != setup_.self) to.peers.push_back({n.nodeid, n.ring_addrs[0], static_cast<uint16_t>(cfg.port)});
  }
  to.cluster_name = cfg.cluster_name;
  to.authkey = setup_.authkey;
  to.incarnation = incarnation;
  to.live_incarnation = [this](uint32_t peer) { return membership_->PeerIncarnation(peer); };
  to.log = [](const std::string& line) { Log("%s\n", line.c_str()); };
  auto tr = transport::PeerTransport::Create(std::move(to));
  if (!tr.ok()) return tr.status();
  transport_ = *std::move(tr);
  // crm cluster join: new nodes ask here, with a token crm cluster init/token made.
  join_ = std::make_unique<JoinServer>(options_.state_dir + "/join-tokens",
                                       [](const std::string& line) { Log("%s\n", line.c_str()); });
  if (auto st = join_->Start(me->ring_addrs[0], static_cast<uint16_t>(cfg.port + kJoinPortOffset)); !st.ok()) {
    return st;
  }
  report::CollectOptions ro;
  ro.node = self_name_;
  ro.config_path = options_.config_path;
  reports_ = std::make_unique<report::ReportService>(
      ro, [this](const std::string& node, const crmd::PeerMessage& m) { SendPeer(node, m, NowMs()); });
  // The control socket: root and the haclient group (0660 root:haclient),
  // each client's credentials checked again on accept.
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
  if (auto st = common::RestrictClusterSocket(path); !st.ok()) return st;
  return absl::OkStatus();
}

void Daemon::Send(const membership::Heartbeat& hb_in) {
  const auto& cfg = setup_.config;
  for (size_t l = 0; l < link_fds_.size(); ++l) {
    membership::Heartbeat hb = hb_in;
    hb.link = static_cast<uint32_t>(l);
    for (const auto& n : cfg.nodes) {
      if (n.nodeid == setup_.self) continue;
      sockaddr_storage sa;
      socklen_t len = 0;
      if (!ToSockaddr(n.ring_addrs[l], static_cast<uint16_t>(cfg.port + l), &sa, &len)) continue;
      // One copy per peer, naming it and its incarnation (membership.h, invariant 4).
      std::string wire =
          membership::EncodeHeartbeat(membership_->AddressedTo(hb, n.nodeid), cfg.cluster_name, setup_.authkey);
      // Best effort: a lost heartbeat is what the protocol expects.
      (void)::sendto(link_fds_[l], wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&sa), len);
    }
  }
  for (const auto& line : refusals_.Flush(NowMs())) Log("%s\n", line.c_str());
}

void Daemon::Receive(int link) {
  char buf[membership::kMaxDatagram + 1];
  for (;;) {
    sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    ssize_t n = ::recvfrom(link_fds_[static_cast<size_t>(link)], buf, sizeof(buf), 0,
                           reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    auto hb = membership::DecodeHeartbeat(std::string_view(buf, static_cast<size_t>(n)),
                                          setup_.config.cluster_name, setup_.authkey);
    std::string reason;
    if (!hb.ok()) {
      reason = std::string(hb.status().message());
    } else if (hb->link != static_cast<uint32_t>(link)) {
      reason = "sent on another link";
    }
    if (reason.empty()) {
      const membership::Counters before = membership_->counters();
      membership_->OnHeartbeat(*hb, NowMs());
      const membership::Counters& after = membership_->counters();
      if (after.stale != before.stale) reason = "replayed (old sequence number)";
      if (after.old_incarnation != before.old_incarnation) reason = "from an earlier life of the sender";
      if (after.misaddressed != before.misaddressed) reason = "addressed to another node (replayed)";
      if (after.unknown_sender != before.unknown_sender) reason = "not from a configured node";
      if (reason.empty()) continue;
    } else {
      ++dropped_;
    }
    if (auto line = refusals_.Note("heartbeat", common::AddressString(from), reason, NowMs())) {
      Log("%s\n", line->c_str());
    }
  }
}

std::string Daemon::StatusText(bool cluster) const {
  uint64_t now = NowMs();
  const auto& view = membership_->view();
  bool quorate = quorum_->quorate();
  auto dc = membership::ElectDc(membership_->ReadyMembers(), quorate);
  std::ostringstream out;
  out << "Cluster Summary:\n  * Stack: baton\n";
  if (dc) {
    out << "  * Current DC: " << Name(*dc) << " (version 0.1.0) - partition "
        << (quorate ? "with quorum" : "WITHOUT quorum") << "\n";
  } else {
    out << "  * Current DC: NONE\n";
  }
  out << "  * " << setup_.config.nodes.size() << " node" << (setup_.config.nodes.size() == 1 ? "" : "s")
      << " configured\n  * 0 resource instances configured\n\nNode List:\n";
  std::vector<std::string> online, offline;
  for (const auto& n : setup_.config.nodes) {
    (view.members.count(n.nodeid) ? online : offline).push_back(n.name);
  }
  if (!online.empty()) out << "  * Online: [ " << absl::StrJoin(online, " ") << " ]\n";
  if (!offline.empty()) out << "  * OFFLINE: [ " << absl::StrJoin(offline, " ") << " ]\n";
  if (!cluster) return out.str();
  out << "\nMembership:\n  * Ring ID: " << view.ring.representative << "." << view.ring.seq << "\n"
      << "  * Votes: " << quorum_->total_votes() << " of " << quorum_->expected_votes() << " expected, quorum "
      << quorum_->quorum() << (quorate ? " (quorate)" : " (not quorate)") << "\n  * Links:\n";
  std::vector<bool> links = membership_->LinkStatus(now);
  for (size_t l = 0; l < links.size(); ++l) {
    out << "    * ring" << l << ": " << (links[l] ? "up" : (view.members.size() > 1 ? "DOWN" : "no peer"))
        << "\n";
  }
  for (const auto& n : setup_.config.nodes) {
    if (n.nodeid == setup_.self) continue;
    uint32_t bits = membership_->LinksUp(n.nodeid, now);
    std::vector<std::string> up;
    for (size_t l = 0; l < links.size(); ++l) {
      if (bits & (1u << l)) up.push_back("ring" + std::to_string(l));
    }
    out << "  * Node " << n.name << ": " << (up.empty() ? "not heard" : "heard on " + absl::StrJoin(up, " "))
        << "\n";
  }
  out << "  * Heartbeats dropped (bad, forged or replayed): "
      << dropped_ + membership_->counters().stale + membership_->counters().old_incarnation +
             membership_->counters().unknown_sender + membership_->counters().misaddressed
      << "\n";
  return out.str();
}

// Losing one link is not a membership change, but the operator must know.
void Daemon::WarnOnLinkChange(uint64_t now) {
  if (membership_->view().members.size() < 2) return;
  std::vector<bool> links = membership_->LinkStatus(now);
  if (links_seen_.empty()) links_seen_ = links;
  for (size_t l = 0; l < links.size(); ++l) {
    if (links[l] == links_seen_[l]) continue;
    Log("%s: ring%zu is %s\n", links[l] ? "notice" : "WARNING", l,
                 links[l] ? "up again" : "DOWN (no peer heard on it); running on the remaining links");
  }
  links_seen_ = links;
}

service::ClusterView Daemon::View() const {
  service::ClusterView v;
  v.self = setup_.self;
  for (const auto& n : setup_.config.nodes) v.nodes.push_back({n.nodeid, n.name});
  v.members = membership_->view().members;
  v.quorate = quorum_->quorate();
  v.dc = membership::ElectDc(membership_->ReadyMembers(), v.quorate);
  return v;
}

absl::StatusOr<std::string> Daemon::Handle(const std::vector<std::string>& req) {
  if (!req.empty() && (req[0] == "status" || req[0] == "cluster-status")) {
    if (req.size() != 1) return absl::InvalidArgumentError(absl::StrCat("'", req[0], "' takes no arguments"));
    return StatusText(req[0] == "cluster-status");
  }
  if (!req.empty() && req[0] == "cib-config" && req.size() == 1) {
    // The replicated configuration alone, to edit and send back.
    cib::Cib c = configured_;
    c.version = replica_->current().version;
    // The nodes of cluster.conf, so constraints can name them.
    for (const auto& n : setup_.config.nodes) {
      bool present = false;
      for (const auto& existing : c.configuration.nodes) present = present || existing.uname == n.name;
      if (present) continue;
      cib::Node node;
      node.id = std::to_string(n.nodeid);
      node.uname = n.name;
      c.configuration.nodes.push_back(node);
    }
    return cib::WriteCibXml(c);
  }
  if (!req.empty() && req[0] == "confirm-down") {
    // crm node clearstate: the operator says NODE is down (its fencer was told too).
    if (req.size() != 2 || !node_ids_.count(req[1])) {
      return absl::InvalidArgumentError("usage: confirm-down NODE (a node of the cluster)");
    }
    if (controller_->is_member(req[1])) {
      return absl::FailedPreconditionError(absl::StrCat(req[1], " is a member of the cluster: it is up"));
    }
    controller_->OnNodeFenced(req[1]);
    crmd::PeerMessage m;
    m.mutable_fenced()->set_node(req[1]);
    Broadcast(m, NowMs());
    return std::string("ok\n");
  }
  if (!req.empty() && req[0] == "cleanup") {
    if (req.size() != 3) return absl::InvalidArgumentError("usage: cleanup RSC NODE|\"\"");
    if (!req[2].empty() && !node_ids_.count(req[2])) {
      return absl::NotFoundError(absl::StrCat("no node '", req[2], "' in the cluster"));
    }
    crmd::PeerMessage m;
    m.mutable_cleanup()->set_rsc(req[1]);
    m.mutable_cleanup()->set_node(req[2]);
    Broadcast(m, NowMs());
    Cleanup(req[1], req[2]);
    return std::string("ok\n");
  }
  if (!req.empty() && req[0] == "join-token") {
    // crm cluster init/token: a token new nodes join with (default 1 h).
    int64_t ttl = join::kDefaultTokenTtlS;
    if (req.size() > 2 || (req.size() == 2 && (!absl::SimpleAtoi(req[1], &ttl) || ttl <= 0 || ttl > 7 * 86400))) {
      return absl::InvalidArgumentError("usage: join-token [TTL_SECONDS] (1 to 604800)");
    }
    auto t = join_->IssueToken(ttl);
    if (!t.ok()) return t.status();
    const auto* me = &setup_.config.nodes.front();
    for (const auto& n : setup_.config.nodes) {
      if (n.nodeid == setup_.self) me = &n;
    }
    Log("join: issued token %s, valid for %lld s\n", t->id.c_str(), static_cast<long long>(ttl));
    return absl::StrCat(t->Text(), "\t", me->ring_addrs[0], "\t", setup_.config.port + kJoinPortOffset, "\t",
                        t->expires_s, "\n");
  }
  if (!req.empty() && req[0] == "join-token-revoke") {
    if (req.size() != 2) return absl::InvalidArgumentError("usage: join-token-revoke ID");
    if (auto st = join_->RevokeToken(req[1]); !st.ok()) return st;
    return std::string("ok\n");
  }
  if (!req.empty() && req[0] == "cluster-conf" && req.size() == 1) {
    return config::FormatClusterConfig(setup_.config);
  }
  if (!req.empty() && req[0] == "cib" && req.size() == 1) {
    // Configuration + the cluster's status, with this node's attributes view.
    cib::Cib c = controller_->CurrentCib();
    c.version = replica_->current().version;
    return cib::WriteCibXml(c);
  }
  return requests_->Handle(req, View());
}

// --- the nodelist: crm cluster join / remove ---------------------------------

// Writes the new cluster.conf and applies it live: membership, quorum,
// peer connections and the controller follow; the fencer re-reads the file.
// A node no longer in the nodelist sets its file aside and stops.
absl::Status Daemon::ApplyClusterConf(const config::ClusterConfig& c, const std::string& why) {
  const config::NodeEntry* me = nullptr;
  for (const auto& n : c.nodes) {
    if (n.nodeid == setup_.self) me = &n;
  }
  if (me != nullptr && me->name != self_name_) {
    return absl::InvalidArgumentError(absl::StrCat("the new nodelist gives this node's id ", setup_.self,
                                                   " to '", me->name, "'"));
  }
  // Everything is checked before anything is written or applied, so the
  // file on disk never holds a nodelist this daemon refused.
  std::string text = config::FormatClusterConfig(c);
  if (auto parsed = config::ParseClusterConfig(text); !parsed.ok()) return parsed.status();
  if (me == nullptr) {
    std::string aside = absl::StrCat(options_.config_path, ".removed");
    if (::rename(options_.config_path.c_str(), aside.c_str()) != 0) {
      Log("ERROR: cannot set %s aside (%s): move it away before starting this node again\n",
          options_.config_path.c_str(), std::strerror(errno));
    }
    Log("WARNING: this node was removed from the cluster (%s, config_version %u); its configuration is now %s; "
        "stopping\n", why.c_str(), c.config_version, aside.c_str());
    removed_ = true;
    return absl::OkStatus();
  }
  if (auto q = quorum::Quorum::Create(QuorumConfig(c), setup_.self); !q.ok()) return q.status();
  if (auto st = common::WriteFileDurably(options_.config_path, text, 0644); !st.ok()) return st;
  if (auto st = quorum_->Reconfigure(QuorumConfig(c)); !st.ok()) return st;
  setup_.config = c;
  node_ids_.clear();
  std::vector<membership::NodeId> ids;
  std::vector<std::pair<std::string, std::string>> names;
  std::vector<transport::PeerAddress> peers;
  for (const auto& n : c.nodes) {
    node_ids_[n.name] = n.nodeid;
    ids.push_back(n.nodeid);
    names.push_back({std::to_string(n.nodeid), n.name});
    if (n.nodeid != setup_.self) peers.push_back({n.nodeid, n.ring_addrs[0], static_cast<uint16_t>(c.port)});
  }
  membership_->SetNodes(ids);
  transport_->SetPeers(peers);
  controller_->OnNodelist(names);
  std::vector<std::string> listed;
  for (const auto& n : c.nodes) listed.push_back(n.name);
  Log("nodelist (config_version %u, %s): [ %s ], expected votes %u\n", c.config_version, why.c_str(),
      absl::StrJoin(listed, " ").c_str(), quorum_->expected_votes());
  return absl::OkStatus();
}

// Applies `c` here, then sends it to every other member of the view; `done`
// runs when all have acknowledged ("") or with what went wrong.
void Daemon::StartConfChange(const config::ClusterConfig& c, uint64_t now,
                             std::function<void(const std::string&)> done) {
  if (auto st = ApplyClusterConf(c, "changed here"); !st.ok()) {
    done(std::string(st.message()));
    return;
  }
  uint64_t id = next_conf_request_++;
  ConfChange change;
  change.deadline = now + 10000;
  change.done = std::move(done);
  crmd::PeerMessage m = ClusterConfMessage(id);
  for (uint32_t member : membership_->view().members) {
    if (member == setup_.self || !node_ids_.count(Name(member))) continue;
    change.waiting.insert(member);
    SendPeer(Name(member), m, now);
  }
  conf_changes_[id] = std::move(change);
  ExpireConfChanges(now);
}

void Daemon::ExpireConfChanges(uint64_t now) {
  for (auto it = conf_changes_.begin(); it != conf_changes_.end();) {
    ConfChange& c = it->second;
    if (!c.waiting.empty() && now < c.deadline) {
      ++it;
      continue;
    }
    std::vector<std::string> problems = c.errors;
    for (uint32_t m : c.waiting) problems.push_back(absl::StrCat(Name(m), " did not confirm within 10 s"));
    c.done(absl::StrJoin(problems, "; "));
    it = conf_changes_.erase(it);
  }
}

// Every member says which nodelist it has when the view changes; a member
// with an older one adopts the newer (a node that was away during a join
// catches up). A removed node is no longer heard by the others: it stays
// alone with its old nodelist, without quorum, until it is reinstalled or
// its cluster.conf is moved aside — it was stopped or fenced before the
// removal (RemoveNodeRequest), so it runs nothing.
void Daemon::BroadcastClusterConf(uint64_t now) { Broadcast(ClusterConfMessage(0), now); }

// This node's nodelist as a peer message; `request_id` nonzero asks for an ack.
crmd::PeerMessage Daemon::ClusterConfMessage(uint64_t request_id) const {
  crmd::PeerMessage m;
  m.mutable_cluster_conf()->set_config_version(setup_.config.config_version);
  m.mutable_cluster_conf()->set_text(config::FormatClusterConfig(setup_.config));
  m.mutable_cluster_conf()->set_request_id(request_id);
  return m;
}

void Daemon::OnClusterConf(uint32_t from, const crmd::ClusterConf& m, uint64_t now) {
  std::string error;
  auto theirs = config::ParseClusterConfig(m.text());
  if (!theirs.ok()) {
    error = absl::StrCat("cluster.conf from ", Name(from), " does not parse: ", theirs.status().message());
  } else {
    switch (CompareCopies(setup_.config, *theirs)) {
      case Adopt::kNewer:
        if (auto st = ApplyClusterConf(*theirs, absl::StrCat("from ", Name(from))); !st.ok()) {
          error = std::string(st.message());
        }
        break;
      case Adopt::kOlder:
        // Theirs is older: send ours back (it applies it and answers nothing).
        if (m.request_id() == 0) {
          SendPeer(Name(from), ClusterConfMessage(0), now);
        } else {
          error = absl::StrCat("has config_version ", setup_.config.config_version, ", newer than ",
                               m.config_version());
        }
        break;
      case Adopt::kConflict:
        error = absl::StrCat("a different nodelist with the same config_version ", m.config_version());
        break;
      case Adopt::kOtherCluster:
        error = absl::StrCat("belongs to cluster '", setup_.config.cluster_name, "', not '", theirs->cluster_name,
                             "'");
        break;
      case Adopt::kSame:
        break;
    }
  }
  if (!error.empty()) Log("WARNING: nodelist from %s not taken: %s\n", Name(from).c_str(), error.c_str());
  if (m.request_id() != 0) {
    crmd::PeerMessage ack;
    ack.mutable_cluster_conf_ack()->set_request_id(m.request_id());
    ack.mutable_cluster_conf_ack()->set_error(error);
    SendPeer(Name(from), ack, now);
  }
}

// Why the nodelist may not change to `next` here now ("" = it may): only
// the DC of a quorate partition changes it, one change at a time, so two
// changes never race to the same config_version; and the members up now
// must still have quorum under the new expected votes (a join of a node
// that never starts must not cost the cluster its quorum).
std::string Daemon::RefuseNodelistChange(const config::ClusterConfig& next) const {
  if (!quorum_->quorate()) return "this partition has no quorum";
  if (!controller_->is_dc()) {
    return absl::StrCat("nodelist changes are made by the DC (", controller_->dc().empty() ? "none yet" : controller_->dc(),
                        "): run it there (crm cluster token there makes a join token)");
  }
  if (!conf_changes_.empty()) return "another nodelist change is still in progress; try again in a few seconds";
  uint32_t total = 0, up = 0;
  for (const auto& n : next.nodes) {
    total += n.votes;
    if (membership_->view().members.count(n.nodeid)) up += n.votes;
  }
  uint32_t needed = next.two_node ? 1 : total / 2 + 1;
  if (next.expected_votes) needed = *next.expected_votes / 2 + 1;
  if (up < needed) {
    return absl::StrCat("after this change ", needed, " votes are needed for quorum and only ", up,
                        " members are up: start the nodes that are down first");
  }
  return "";
}

// Authenticated join requests (crmd/daemon/join_server.h): the nodelist
// with the new node goes to every member before the joiner gets it.
void Daemon::PumpJoins(uint64_t now) {
  for (auto& r : join_->TakeRequests()) {
    std::vector<std::string> addrs(r.body.ring_addrs().begin(), r.body.ring_addrs().end());
    auto next = AddNode(setup_.config, r.body.name(), addrs);
    auto reply_error = [this, id = r.id](const std::string& e) {
      proto::JoinReplyBody b;
      b.set_error(e);
      join_->Answer(id, std::move(b));
    };
    if (!next.ok()) {
      reply_error(std::string(next.status().message()));
      continue;
    }
    if (auto why = RefuseNodelistChange(*next); !why.empty()) {
      reply_error(why);
      continue;
    }
    auto answer = [this, id = r.id, name = r.body.name()](const std::string& error) {
      proto::JoinReplyBody b;
      if (!error.empty()) {
        b.set_error(absl::StrCat("the nodelist with ", name, " did not reach every member: ", error));
      } else {
        b.set_cluster_conf(config::FormatClusterConfig(setup_.config));
        b.set_authkey(setup_.authkey);
        for (const auto& n : setup_.config.nodes) {
          if (n.name == name) b.set_nodeid(n.nodeid);
        }
      }
      join_->Answer(id, std::move(b));
    };
    Log("join: %s (%s, from %s) asks to join\n", r.body.name().c_str(), absl::StrJoin(addrs, ", ").c_str(),
        r.from.c_str());
    if (next->config_version == setup_.config.config_version) {
      answer("");  // already in the nodelist with these addresses
      continue;
    }
    StartConfChange(*next, now, answer);
  }
}

// crm cluster remove NODE: only a node that is not running (the others
// would otherwise fence a node that merely vanished from their list).
void Daemon::RemoveNodeRequest(int fd, const std::vector<std::string>& req, uint64_t now) {
  auto reply = [fd](const std::string& text) {
    (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    ::close(fd);
  };
  if (req.size() != 2) {
    reply(service::ErrorReply(absl::InvalidArgumentError("usage: nodelist-remove NODE")));
    return;
  }
  const std::string& name = req[1];
  auto it = node_ids_.find(name);
  if (it != node_ids_.end() && membership_->view().members.count(it->second)) {
    reply(service::ErrorReply(absl::FailedPreconditionError(
        absl::StrCat(name, " is online: stop it first (crm cluster stop, on ", name,
                     "), so that its resources move away cleanly"))));
    return;
  }
  // Only a node that left cleanly or was fenced, and runs nothing: the
  // status forgets a removed node, so anything still running there would
  // otherwise be started elsewhere without fencing.
  if (it != node_ids_.end()) {
    auto life = controller_->table().Life(name);
    if (life == transition::NodeLife::kLost || controller_->table().AnyActive(name)) {
      reply(service::ErrorReply(absl::FailedPreconditionError(absl::StrCat(
          name, " left without being fenced (or may still run resources): fence it first (crm node fence ", name,
          ", or crm node clearstate ", name, " once you know it is off)"))));
      return;
    }
  }
  auto next = RemoveNode(setup_.config, name);
  if (!next.ok()) {
    reply(service::ErrorReply(next.status()));
    return;
  }
  if (auto why = RefuseNodelistChange(*next); !why.empty()) {
    reply(service::ErrorReply(absl::FailedPreconditionError(why)));
    return;
  }
  StartConfChange(*next, now, [this, reply, name](const std::string& error) {
    if (!error.empty()) {
      reply(service::ErrorReply(absl::UnavailableError(
          absl::StrCat(name, " was removed here but not everywhere: ", error))));
      return;
    }
    reply(absl::StrCat(name, " removed; ", setup_.config.nodes.size(), " nodes, expected votes ",
                       quorum_->expected_votes(), "\n"));
  });
}

void Daemon::RefreshConfigured() {
  configured_ = cib::Cib{};
  const cib::StoredCib& cur = replica_->current();
  refreshed_from_ = cur;
  if (!cur.config.empty()) {
    auto parsed = cib::ParseCibXml(cur.config);
    if (parsed.ok()) {
      configured_ = *std::move(parsed);
    } else {
      Log("ERROR: the stored CIB %lld.%lld.%lld does not parse: %s\n",
                   static_cast<long long>(cur.version.admin_epoch), static_cast<long long>(cur.version.epoch),
                   static_cast<long long>(cur.version.num_updates), std::string(parsed.status().message()).c_str());
    }
  }
  configured_.version = cur.version;
  requests_->SetConfigured(&configured_);
  if (controller_) controller_->OnConfig(configured_);
  next_device_sync_ms_ = 0;  // register the devices of this configuration now
}

void Daemon::SubmitChange(int fd, const std::vector<std::string>& req, uint64_t now) {
  auto refuse = [&](const absl::Status& st) {
    std::string reply = service::ErrorReply(st);
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  };
  cib::Version base;
  if (req.size() != 5 || !absl::SimpleAtoi(req[1], &base.admin_epoch) || !absl::SimpleAtoi(req[2], &base.epoch) ||
      !absl::SimpleAtoi(req[3], &base.num_updates)) {
    return refuse(absl::InvalidArgumentError("usage: cib-replace ADMIN_EPOCH EPOCH NUM_UPDATES XML"));
  }
  auto parsed = cib::ParseCibXml(req[4]);
  if (!parsed.ok()) return refuse(parsed.status());
  if (auto st = cib::Validate(*parsed); !st.ok()) return refuse(st);
  // Only the configuration is replicated; the status section is live.
  parsed->status.clear();
  parsed->attrs.erase("have-quorum");
  parsed->attrs.erase("dc-uuid");
  uint64_t id = ++next_request_id_;
  waiting_[id] = {fd, now + 30000};
  replica_->Submit(id, base, cib::WriteCibXml(*parsed), static_cast<int64_t>(now));
  FlushReplication(now);
}

void Daemon::ReplyChanges(uint64_t now) {
  for (auto& r : replica_->TakeResults()) {
    auto it = waiting_.find(r.request_id);
    if (it == waiting_.end()) continue;
    std::string reply = r.status.ok() ? absl::StrCat("ok ", r.version.admin_epoch, ".", r.version.epoch, ".",
                                                     r.version.num_updates, "\n")
                                      : service::ErrorReply(r.status);
    (void)::send(it->second.fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(it->second.fd);
    waiting_.erase(it);
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (now < it->second.deadline_ms) {
      ++it;
      continue;
    }
    std::string reply = service::ErrorReply(absl::DeadlineExceededError(
        "no answer from the DC within 30 s; the change may or may not have been made (check the configuration)"));
    (void)::send(it->second.fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(it->second.fd);
    it = waiting_.erase(it);
  }
}

void Daemon::FlushReplication(uint64_t now) {
  for (auto& out : replica_->TakeOutgoing()) transport_->Send(out.to, service::EncodeRepl(out.msg), now);
  if (!(replica_->current() == refreshed_from_)) RefreshConfigured();
  ReplyChanges(now);
}

void Daemon::UpdateReplicaView(uint64_t now) {
  bool quorate = quorum_->quorate();
  std::optional<uint32_t> dc;
  if (quorate) dc = membership::ElectDc(membership_->ReadyMembers(), quorate);
  auto view = std::make_pair(membership_->view().members, dc);
  if (replica_view_ && *replica_view_ == view) return;
  replica_view_ = view;
  // The term: the ring sequence, then its representative, so two
  // partitions that chose the same sequence never share a term.
  const auto& ring = membership_->view().ring;
  uint64_t term = (ring.seq << 16) | (ring.representative & 0xffff);
  replica_->OnView(term, view.first, dc, static_cast<int64_t>(now));
  FlushReplication(now);
}


// --- peers ---------------------------------------------------------------

void Daemon::SendPeer(const std::string& node, const crmd::PeerMessage& msg, uint64_t now) {
  auto it = node_ids_.find(node);
  if (it == node_ids_.end() || it->second == setup_.self) return;
  transport_->Send(it->second, msg.SerializeAsString(), now);
}

void Daemon::Broadcast(const crmd::PeerMessage& msg, uint64_t now) {
  std::string bytes = msg.SerializeAsString();
  for (uint32_t m : membership_->view().members) {
    if (m != setup_.self) transport_->Send(m, bytes, now);
  }
}

transition::OpResultRecord FromProto(const crmd::OpResult& p) {
  transition::OpResultRecord r;
  r.node = p.node();
  r.rsc = p.rsc();
  r.rsc_class = p.rsc_class();
  r.provider = p.provider();
  r.type = p.type();
  r.task = p.task();
  r.interval_ms = p.interval_ms();
  r.call_id = p.call_id();
  r.rc = p.rc();
  r.op_status = p.op_status();
  r.target_rc = p.target_rc();
  r.exit_reason = p.exit_reason();
  r.last_rc_change_s = p.last_rc_change_s();
  r.last_run_s = p.last_run_s();
  r.exec_ms = p.exec_ms();
  r.queue_ms = p.queue_ms();
  r.op_digest = p.op_digest();
  r.transition_key = p.transition_key();
  return r;
}

void ToProto(const transition::OpResultRecord& r, crmd::OpResult* p) {
  p->set_node(r.node);
  p->set_rsc(r.rsc);
  p->set_rsc_class(r.rsc_class);
  p->set_provider(r.provider);
  p->set_type(r.type);
  p->set_task(r.task);
  p->set_interval_ms(r.interval_ms);
  p->set_call_id(r.call_id);
  p->set_rc(r.rc);
  p->set_op_status(r.op_status);
  p->set_target_rc(r.target_rc);
  p->set_exit_reason(r.exit_reason);
  p->set_last_rc_change_s(r.last_rc_change_s);
  p->set_last_run_s(r.last_run_s);
  p->set_exec_ms(r.exec_ms);
  p->set_queue_ms(r.queue_ms);
  p->set_op_digest(r.op_digest);
  p->set_transition_key(r.transition_key);
}

void Daemon::HandlePeer(uint32_t from, const std::string& payload, uint64_t now) {
  crmd::PeerMessage m;
  if (!m.ParseFromString(payload)) {
    ++dropped_;
    return;
  }
  std::string from_name = Name(from);
  switch (m.body_case()) {
    case crmd::PeerMessage::kRepl: {
      auto repl = service::DecodeRepl(payload, from);
      if (!repl.ok()) {
        ++dropped_;
        return;
      }
      replica_->OnMessage(*repl, static_cast<int64_t>(now));
      return;
    }
    case crmd::PeerMessage::kOp: {
      // Only the DC of our partition runs actions here (not a stale one).
      if (from_name != controller_->dc()) {
        ++dropped_;
        return;
      }
      const crmd::OpRequest& o = m.op();
      transition::GraphAction a;
      a.id = o.action();
      a.kind = transition::GraphAction::Kind::kResource;
      a.node = self_name_;
      a.rsc = o.rsc();
      a.rsc_class = o.rsc_class();
      a.provider = o.provider();
      a.type = o.type();
      a.task = o.task();
      a.interval_ms = o.interval_ms();
      a.timeout_ms = o.timeout_ms();
      a.params.insert(o.params().begin(), o.params().end());
      a.meta.insert(o.meta().begin(), o.meta().end());
      a.target_rc = o.target_rc();
      a.op_digest = o.op_digest();
      RunLocal(o.graph(), a, now);
      return;
    }
    case crmd::PeerMessage::kResult:
      if (m.result().node() != from_name) {  // a node reports its own results only
        ++dropped_;
        return;
      }
      if (m.result().action() == kPendingAction) {
        controller_->OnPending(FromProto(m.result()));
      } else {
        controller_->OnOpResult(m.result().graph(), m.result().action(), FromProto(m.result()));
      }
      return;
    case crmd::PeerMessage::kHistoryQuery: {
      crmd::PeerMessage reply;
      for (const auto& r : own_.Records(self_name_)) ToProto(r, reply.mutable_history()->add_records());
      reply.mutable_history();
      // To everyone: a node that just joined learns the others' state too.
      Broadcast(reply, now);
      return;
    }
    case crmd::PeerMessage::kHistory: {
      std::vector<transition::OpResultRecord> records;
      for (const auto& r : m.history().records()) {
        if (r.node() == from_name) records.push_back(FromProto(r));
      }
      controller_->OnHistory(from_name, records);
      return;
    }
    case crmd::PeerMessage::kReportRequest:
    case crmd::PeerMessage::kReport:
      reports_->OnPeer(from_name, m, now);
      return;
    case crmd::PeerMessage::kCleanup:
      Cleanup(m.cleanup().rsc(), m.cleanup().node());
      return;
    case crmd::PeerMessage::kClusterConf:
      OnClusterConf(from, m.cluster_conf(), now);
      return;
    case crmd::PeerMessage::kClusterConfAck: {
      auto it = conf_changes_.find(m.cluster_conf_ack().request_id());
      if (it == conf_changes_.end()) return;
      if (!m.cluster_conf_ack().error().empty()) {
        it->second.errors.push_back(absl::StrCat(from_name, ": ", m.cluster_conf_ack().error()));
      }
      it->second.waiting.erase(from);
      ExpireConfChanges(now);
      return;
    }
    case crmd::PeerMessage::kFenced:
      // From the DC that fenced it, or an operator's confirmation of a node
      // that is not a member (crm node clearstate).
      if (from_name != controller_->dc() && controller_->is_member(m.fenced().node())) {
        ++dropped_;
        return;
      }
      controller_->OnNodeFenced(m.fenced().node());
      return;
    case crmd::PeerMessage::kAttr: {
      const crmd::AttrUpdate& a = m.attr();
      auto lifetime = a.forever() ? attrd::Lifetime::kForever : attrd::Lifetime::kReboot;
      absl::Status st = a.remove() ? attrs_.Delete(a.node(), a.name(), lifetime).status()
                                   : attrs_.Set(a.node(), a.name(), a.value(), lifetime);
      if (!st.ok()) {
        ++dropped_;
        return;
      }
      if (lifetime == attrd::Lifetime::kForever) (void)WriteFileDurably(attrs_file_, attrs_.SerializePermanent());
      controller_->OnAttributesChanged();
      return;
    }
    default:
      ++dropped_;
      return;
  }
}

// --- the executor ----------------------------------------------------------

void Daemon::ReportResult(const transition::OpResultRecord& r, uint64_t graph, int action, uint64_t now) {
  own_.Record(r);
  controller_->OnOpResult(graph, action, r);
  crmd::PeerMessage m;
  ToProto(r, m.mutable_result());
  m.mutable_result()->set_graph(graph);
  m.mutable_result()->set_action(action);
  Broadcast(m, now);
}

void Daemon::RunLocal(uint64_t graph, const transition::GraphAction& a, uint64_t now) {
  transition::OpResultRecord r;
  r.node = self_name_;
  r.rsc = a.rsc;
  r.rsc_class = a.rsc_class;
  r.provider = a.provider;
  r.type = a.type;
  r.task = a.task;
  r.interval_ms = a.interval_ms;
  r.target_rc = a.target_rc;
  r.op_digest = a.op_digest;
  r.transition_key = absl::StrCat(a.id, ":", graph, ":", a.target_rc, ":baton");
  r.last_rc_change_s = r.last_run_s = WallSeconds();
  if (a.task == "cancel") {
    std::string op = a.meta.count("operation") ? a.meta.at("operation") : "monitor";
    (void)executor_->Cancel(a.rsc, op, a.interval_ms);
    r.task = "cancel";
    ReportResult(r, graph, a.id, now);
    return;
  }
  if (a.rsc_class == "stonith") {
    // Fencing devices run in baton-fenced (registered from the CIB); here
    // they only have a role to report.
    bool up = devices_started_.count(a.rsc) > 0;
    if (a.task == "start") devices_started_.insert(a.rsc);
    if (a.task == "stop") devices_started_.erase(a.rsc);
    r.rc = 0;
    if (a.task == "monitor") r.rc = (up || a.interval_ms > 0) ? 0 : 7;
    r.call_id = static_cast<int>(++next_request_id_);
    ReportResult(r, graph, a.id, now);
    return;
  }
  executor::OperationRequest req;
  req.rsc_id = a.rsc;
  req.provider = a.provider;
  req.type = a.type;
  req.action = a.task;
  req.interval_ms = a.interval_ms;
  req.timeout_ms = a.timeout_ms;
  req.params = a.params;
  req.meta = a.meta;
  if (a.rsc_class != "ocf") {
    r.rc = 3;
    r.op_status = static_cast<int>(executor::ExecStatus::kNotSupported);
    r.exit_reason = "baton runs ocf and stonith resources only";
    ReportResult(r, graph, a.id, now);
    return;
  }
  // Recurring monitors end with a stop, and a new one replaces the old.
  if (a.task == "stop" || a.interval_ms > 0) {
    for (const auto& [call, ctx] : exec_ctx_) {
      if (ctx.rsc == a.rsc && ctx.interval_ms > 0 && (a.task == "stop" || ctx.interval_ms == a.interval_ms)) {
        (void)executor_->Cancel(a.rsc, "monitor", ctx.interval_ms);
      }
    }
  }
  auto call = executor_->Submit(req, static_cast<int64_t>(now));
  if (!call.ok()) {
    r.rc = 1;
    r.op_status = static_cast<int>(executor::ExecStatus::kError);
    r.exit_reason = std::string(call.status().message());
    ReportResult(r, graph, a.id, now);
    return;
  }
  exec_ctx_[*call] = {graph, a.id, a.target_rc, a.op_digest, a.rsc_class, a.provider, a.type, a.rsc, a.interval_ms};
  if (a.interval_ms == 0) {
    // In flight: every node (and a DC that takes over meanwhile) sees it
    // pending until the result replaces it.
    r.call_id = *call;
    r.op_status = -1;
    own_.Record(r);
    controller_->OnPending(r);
    crmd::PeerMessage m;
    ToProto(r, m.mutable_result());
    m.mutable_result()->set_graph(graph);
    m.mutable_result()->set_action(kPendingAction);
    Broadcast(m, now);
  }
}

void Daemon::PumpExecutor(uint64_t now) {
  for (const auto& res : executor_->OnTick(static_cast<int64_t>(now))) {
    auto it = exec_ctx_.find(res.call_id);
    if (it == exec_ctx_.end()) continue;
    ExecCtx& ctx = it->second;
    if (res.status == executor::ExecStatus::kCancelled) {
      exec_ctx_.erase(it);
      continue;
    }
    transition::OpResultRecord r;
    r.node = self_name_;
    r.rsc = res.rsc_id;
    r.rsc_class = ctx.cls;
    r.provider = ctx.provider;
    r.type = ctx.type;
    r.task = res.action;
    r.interval_ms = res.interval_ms;
    r.call_id = res.call_id;
    r.rc = res.rc;
    r.op_status = static_cast<int>(res.status);
    r.target_rc = ctx.target_rc;
    r.exit_reason = res.exit_reason;
    r.last_run_s = WallSeconds();
    r.last_rc_change_s = r.last_run_s;
    r.exec_ms = res.exec_time_ms();
    r.queue_ms = res.queue_time_ms();
    r.op_digest = ctx.op_digest;
    r.transition_key = absl::StrCat(ctx.action, ":", ctx.graph, ":", ctx.target_rc, ":baton");
    uint64_t graph = ctx.graph;
    int action = ctx.action;
    if (res.interval_ms > 0) {
      ctx.action = -1;  // later reports of this monitor are changes, not graph actions
    } else {
      exec_ctx_.erase(it);
    }
    ReportResult(r, graph, action, now);
  }
}

// --- fencing ---------------------------------------------------------------

void Daemon::StartFence(const transition::FenceOut& f) {
  std::string socket = fenced_socket_;
  std::string client = absl::StrCat("baton-crmd.", self_name_);
  // A two-node split: each side fences the other. Fencing of the lower-id
  // node waits (priority-fencing-delay, else 2 s), so the lower-id node
  // fences first and exactly one survives.
  int64_t delay_ms = 0;
  if (setup_.config.two_node && f.action != "on") {
    uint32_t lowest = setup_.config.nodes.front().nodeid;
    for (const auto& n : setup_.config.nodes) lowest = std::min(lowest, n.nodeid);
    if (node_ids_.count(f.target) && node_ids_.at(f.target) == lowest) {
      delay_ms = 2000;
      for (const auto& set : configured_.configuration.crm_config) {
        for (const auto& p : set.pairs) {
          if (p.name == "priority-fencing-delay" && p.value) {
            if (auto ms = scheduler::ParseIntervalMs(*p.value)) delay_ms = *ms;
          }
        }
      }
    }
  }
  Spawn([this, f, socket, client, delay_ms] {
    auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
    auto stub = fencing::Fencer::NewStub(channel);
    fencing::FenceRequest req;
    req.set_target(f.target);
    req.set_action(f.action);
    req.set_timeout_ms(60000);
    req.set_client(client);
    if (delay_ms > 0) req.set_delay_ms(delay_ms);
    fencing::FenceReply reply;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(90));
    grpc::Status st = stub->Fence(&ctx, req, &reply);
    FenceDone done{f.graph, f.action_id, f.target, st.ok() && reply.success(), ""};
    done.detail = st.ok() ? reply.state() + (reply.exit_reason().empty() ? "" : ": " + reply.exit_reason())
                          : "baton-fenced unreachable: " + st.error_message();
    std::lock_guard<std::mutex> lock(fence_mu_);
    fence_done_.push_back(std::move(done));
  });
}

// Registers every stonith resource of the configuration with the local
// fencer (and removes the ones no longer configured), off the loop.
void Daemon::SyncDevices(uint64_t now) {
  {
    std::lock_guard<std::mutex> lock(fence_mu_);
    if (device_sync_running_ || now < next_device_sync_ms_) return;
    device_sync_running_ = true;
    // Again in 30 s after a success (a restarted fencer forgets), 5 s after a failure.
    next_device_sync_ms_ = now + (device_sync_ok_ ? 30000 : 5000);
  }
  std::vector<fencing::DeviceSpec> want;
  for (const auto& r : configured_.configuration.resources) {
    if (r.kind != cib::Resource::Kind::kPrimitive || r.cls != "stonith") continue;
    fencing::DeviceSpec d;
    d.set_id(r.id);
    d.set_agent(r.type);
    for (const auto& set : r.instance) {
      for (const auto& p : set.pairs) (*d.mutable_params())[p.name] = p.value.value_or("");
    }
    want.push_back(std::move(d));
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
        Log("fencing device %s not registered with baton-fenced: %s\n", d.id().c_str(),
                     st.error_message().c_str());
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

void Daemon::BroadcastOwnAttributes(uint64_t now) {
  auto it = attrs_.transient().find(self_name_);
  if (it == attrs_.transient().end()) return;
  for (const auto& [name, value] : it->second) {
    crmd::PeerMessage m;
    auto* a = m.mutable_attr();
    a->set_node(self_name_);
    a->set_name(name);
    a->set_value(value);
    Broadcast(m, now);
  }
}

void Daemon::Cleanup(const std::string& rsc, const std::string& node) {
  if (node.empty() || node == self_name_) {
    (void)executor_->ForgetResource(rsc);
    own_.Forget(self_name_, rsc);
  }
  for (const auto& n : setup_.config.nodes) {
    if (!node.empty() && n.name != node) continue;
    auto it = attrs_.transient().find(n.name);
    if (it != attrs_.transient().end()) {
      std::vector<std::string> names;
      for (const auto& [name, value] : it->second) {
        if (name.rfind("fail-count-" + rsc + "#", 0) == 0 || name.rfind("last-failure-" + rsc + "#", 0) == 0) {
          names.push_back(name);
        }
      }
      for (const auto& name : names) (void)attrs_.Delete(n.name, name, attrd::Lifetime::kReboot);
    }
  }
  controller_->OnCleanup(rsc, node);
}

// --- the controller ----------------------------------------------------------

// Fail counts the DC set: applied here, sent to every member, and the
// controller reschedules with them.
void Daemon::ApplyControllerAttributes(uint64_t now) {
  auto attrs = controller_->TakeAttrs();
  for (const auto& a : attrs) {
    if (a.remove) (void)attrs_.Delete(a.node, a.name, attrd::Lifetime::kReboot);
    else (void)attrs_.Set(a.node, a.name, a.value, attrd::Lifetime::kReboot);
    crmd::PeerMessage m;
    auto* u = m.mutable_attr();
    u->set_node(a.node);
    u->set_name(a.name);
    u->set_value(a.value);
    u->set_remove(a.remove);
    Broadcast(m, now);
  }
  if (!attrs.empty()) controller_->OnAttributesChanged();
}

void Daemon::PumpController(uint64_t now) {
  // Membership as the controller sees it: names, and the partition's DC
  // (quorate or not: without quorum the DC applies no-quorum-policy).
  std::set<std::string> members;
  for (uint32_t m : membership_->view().members) members.insert(Name(m));
  auto dc = membership::ElectDc(membership_->ReadyMembers(), true);
  std::string dc_name = dc ? Name(*dc) : "";
  auto view = std::make_tuple(members, dc_name, membership_->view().ring.seq, quorum_->quorate());
  if (!controller_view_ || *controller_view_ != view) {
    std::set<std::string> before = controller_view_ ? std::get<0>(*controller_view_) : std::set<std::string>{};
    // A new ring with the same members may mean a node restarted in
    // between: everyone re-announces its attributes.
    bool joined = !controller_view_ || std::get<2>(*controller_view_) != std::get<2>(view);
    for (const auto& m : members) joined = joined || !before.count(m);
    controller_view_ = view;
    controller_->OnView(members, dc_name, quorum_->quorate(), static_cast<int64_t>(now));
    // A node's transient attributes go with it (after the controller saw
    // whether it was shutting down cleanly).
    for (const auto& gone : before) {
      if (!members.count(gone)) attrs_.ClearTransient(gone);
    }
    if (controller_->is_dc()) controller_->OnHistory(self_name_, own_.Records(self_name_));
    if (joined) BroadcastOwnAttributes(now);
  }
  {
    std::vector<FenceDone> done;
    {
      std::lock_guard<std::mutex> lock(fence_mu_);
      done.swap(fence_done_);
    }
    for (const auto& d : done) {
      Log("fencing %s: %s\n", d.target.c_str(), d.detail.c_str());
      controller_->OnFenceResult(d.graph, d.action, d.target, d.ok);
    }
  }
  ApplyControllerAttributes(now);  // fail counts first: the schedule must see them
  controller_->OnTick(static_cast<int64_t>(now), WallSeconds());
  if (controller_->TakeHistoryQuery()) {
    crmd::PeerMessage q;
    q.mutable_history_query();
    Broadcast(q, now);
    // The DC's own history too, for the nodes that just joined.
    crmd::PeerMessage mine;
    for (const auto& r : own_.Records(self_name_)) ToProto(r, mine.mutable_history()->add_records());
    mine.mutable_history();
    Broadcast(mine, now);
  }
  for (const auto& e : controller_->TakeExec()) {
    if (e.node == self_name_) {
      RunLocal(e.graph, e.action, now);
      continue;
    }
    crmd::PeerMessage m;
    auto* o = m.mutable_op();
    o->set_graph(e.graph);
    o->set_action(e.action.id);
    o->set_rsc(e.action.rsc);
    o->set_rsc_class(e.action.rsc_class);
    o->set_provider(e.action.provider);
    o->set_type(e.action.type);
    o->set_task(e.action.task);
    o->set_interval_ms(e.action.interval_ms);
    o->set_timeout_ms(e.action.timeout_ms);
    o->mutable_params()->insert(e.action.params.begin(), e.action.params.end());
    o->mutable_meta()->insert(e.action.meta.begin(), e.action.meta.end());
    o->set_target_rc(e.action.target_rc);
    o->set_op_digest(e.action.op_digest);
    SendPeer(e.node, m, now);
  }
  for (const auto& f : controller_->TakeFence()) {
    Log("fencing %s (%s)\n", f.target.c_str(), f.action.c_str());
    StartFence(f);
  }
  ApplyControllerAttributes(now);
  for (const auto& node : controller_->TakeFencedBroadcast()) {
    crmd::PeerMessage m;
    m.mutable_fenced()->set_node(node);
    Broadcast(m, now);
  }
  for (const auto& line : controller_->TakeLog()) Log("%s\n", line.c_str());
  SyncDevices(now);
  ReapThreads();
}

// Root and haclient only, whatever the socket's mode: anyone else is told
// why in one line, and refusals are logged at most once a minute per user.
bool Daemon::ClientMayUseCluster(int fd) {
  common::PeerCredentials cred;
  bool ok = common::GetPeerCredentials(fd, &cred).ok() && common::MayUseCluster(cred.uid, cred.gid);
  if (ok) return true;
  std::string reply = service::ErrorReply(absl::PermissionDeniedError(common::NoAccessMessage(cred.uid)));
  (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  ::close(fd);
  if (auto line = refusals_.Note("control request", common::DescribeUser(cred.uid),
                                 absl::StrCat("neither root nor in haclient (pid ", cred.pid, ")"), NowMs())) {
    Log("WARNING: %s\n", line->c_str());
  }
  return false;
}

void Daemon::Control() {
  for (;;) {
    int fd = ::accept4(control_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    if (!ClientMayUseCluster(fd)) continue;
    // Short timeouts: a client that stalls must not hold the loop (and the
    // heartbeats) anywhere near a token.
    struct timeval rtv = {0, 100000}, stv = {0, 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof(rtv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stv, sizeof(stv));
    // One line, at most kMaxControlRequest bytes; a client that sends less
    // within the timeout gets an error, never stalls the loop for long.
    std::string req;
    char buf[65536];
    size_t nl = std::string::npos;
    while (nl == std::string::npos && req.size() <= service::kMaxControlRequest) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      size_t from = req.size();
      req.append(buf, static_cast<size_t>(n));
      nl = req.find('\n', from);
    }
    std::string reply;
    if (nl == std::string::npos) {
      reply = service::ErrorReply(
          absl::InvalidArgumentError("request is not one line of at most 16 MiB, sent without pause"));
    } else {
      req.resize(nl);
      if (!req.empty() && req.back() == '\r') req.pop_back();
      auto fields = service::DecodeRequest(req);
      if (fields.ok() && !fields->empty() && (*fields)[0] == "cib-replace") {
        SubmitChange(fd, *fields, NowMs());
        continue;  // answered when the change's outcome is known
      }
      if (fields.ok() && !fields->empty() && (*fields)[0] == "nodelist-remove") {
        RemoveNodeRequest(fd, *fields, NowMs());
        continue;  // answered once every member has the new nodelist
      }
      if (fields.ok() && !fields->empty() && (*fields)[0] == "report-logs") {
        std::set<std::string> members, configured;
        for (uint32_t m : membership_->view().members) members.insert(Name(m));
        for (const auto& n : setup_.config.nodes) configured.insert(n.name);
        reports_->OnControl(fd, *fields, members, configured, NowMs());
        continue;  // answered once every member did, or at the deadline
      }
      absl::StatusOr<std::string> r = fields.ok() ? Handle(*fields) : absl::StatusOr<std::string>(fields.status());
      reply = r.ok() ? *r : service::ErrorReply(r.status());
    }
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

absl::Status Daemon::Loop() {
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  // SIGTERM: a clean shutdown, as Pacemaker's — announce it (the "shutdown"
  // node attribute), let the DC stop or move what runs here, then leave; the
  // others then know this node is down, not lost. A second signal, 30 s, or
  // no peer to hand over to ends it at once.
  uint64_t shutdown_since = 0;
  for (;;) {
    if (g_stop) {
      uint64_t t = NowMs();
      if (shutdown_since == 0) {
        shutdown_since = t;
        g_stop = 0;
        Log("shutting down: handing over the resources that run here\n");
        join_->Stop();  // no joins through a node that is leaving
        std::string when = std::to_string(WallSeconds());
        (void)attrs_.Set(self_name_, "shutdown", when, attrd::Lifetime::kReboot);
        crmd::PeerMessage m;
        m.mutable_attr()->set_node(self_name_);
        m.mutable_attr()->set_name("shutdown");
        m.mutable_attr()->set_value(when);
        Broadcast(m, t);
        controller_->OnAttributesChanged();
      } else {
        break;  // a second signal
      }
    }
    if (shutdown_since != 0) {
      uint64_t t = NowMs();
      bool alone = membership_->view().members.size() < 2;
      if (alone || !own_.AnyActive(self_name_) || t - shutdown_since > 30000) {
        if (!alone && own_.AnyActive(self_name_)) {
          Log("WARNING: resources still run here after 30 s; leaving anyway\n");
        }
        break;
      }
    }
    std::vector<pollfd> fds;
    for (int fd : link_fds_) fds.push_back({fd, POLLIN, 0});
    fds.push_back({control_fd_, POLLIN, 0});
    size_t control_at = fds.size() - 1;
    std::vector<pollfd> peer_fds = transport_->PollFds(NowMs());
    fds.insert(fds.end(), peer_fds.begin(), peer_fds.end());
    ::poll(fds.data(), fds.size(), 10);
    for (size_t l = 0; l < link_fds_.size(); ++l) {
      if (fds[l].revents & POLLIN) Receive(static_cast<int>(l));
    }
    if (fds[control_at].revents & POLLIN) Control();
    std::copy(fds.begin() + static_cast<long>(control_at) + 1, fds.end(), peer_fds.begin());
    for (auto& msg : transport_->Process(peer_fds, NowMs())) HandlePeer(msg.from, msg.payload, NowMs());
    uint64_t now = NowMs();
    auto hb = membership_->Tick(now);
    if (membership_->max_seq() != persisted_seq_) {
      // Ring ids must never repeat: persist before anything carries it.
      if (auto st = WriteRingSeq(ring_file_, membership_->max_seq()); !st.ok()) return st;
      persisted_seq_ = membership_->max_seq();
    }
    if (!(membership_->view() == seen_)) {
      seen_ = membership_->view();
      quorum_->OnMembership(seen_.members, now);
      std::vector<std::string> names;
      for (uint32_t m : seen_.members) names.push_back(Name(m));
      Log("view %u.%llu: [ %s ] %s\n", seen_.ring.representative,
                   static_cast<unsigned long long>(seen_.ring.seq), absl::StrJoin(names, " ").c_str(),
                   quorum_->quorate() ? "quorate" : "NOT quorate");
      BroadcastClusterConf(now);
    }
    quorum_->OnTick(now);
    UpdateReplicaView(now);
    replica_->OnTick(static_cast<int64_t>(now));
    FlushReplication(now);
    PumpExecutor(now);
    PumpController(now);
    PumpJoins(now);
    ExpireConfChanges(now);
    if (removed_) break;
    reports_->Tick(now);
    WarnOnLinkChange(now);
    if (hb) Send(*hb);
  }
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
