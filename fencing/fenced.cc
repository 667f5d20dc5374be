// baton-fenced wiring: configuration, devices, history, the pump thread and
// the gRPC server.
#include "fencing/fenced.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "fencing/devices_file.h"
#include "lib/common/access.h"
#include "lib/common/files.h"
#include "lib/common/log.h"
#include "lib/config/auth_key.h"

extern char** environ;

namespace baton::fencing {
namespace {

constexpr int64_t kPumpIntervalMs = 10;
constexpr int64_t kMetadataTimeoutMs = 10000;
constexpr int64_t kPeerQueryTimeoutMs = 5000;

// As baton-crmd's lines: the time to the millisecond (crm report picks lines
// by it), and the syslog priority first under systemd.
void Log(const std::string& line) {
  common::WriteLogLine("baton-fenced", line);
}

bool ValidAgentName(const std::string& a) {
  if (a.rfind("fence_", 0) != 0 || a.size() > 64) return false;
  for (char c : a) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

AgentResult ToAgentResult(const process::ProcessResult& r) {
  AgentResult a;
  a.exit_code = r.exit_code.value_or(-1);
  a.timed_out = r.timed_out;
  a.stdout_text = r.stdout_data;
  a.stderr_text = r.spawn_error.empty() ? r.stderr_data : r.spawn_error;
  return a;
}

std::string PeerAddress(const std::string& addr, int port) {
  return addr.find(':') != std::string::npos ? absl::StrCat("[", addr, "]:", port) : absl::StrCat(addr, ":", port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Fenced>> Fenced::Create(const FencedOptions& o) {
  auto config = config::ReadClusterConfig(o.config_path);
  if (!config.ok()) return config.status();
  std::string key_path = o.authkey_path.empty()
                             ? (std::filesystem::path(o.config_path).parent_path() / "authkey").string()
                             : o.authkey_path;
  auto key = config::ReadAuthKey(key_path);
  if (!key.ok()) return key.status();
  // As baton-crmd: the node one of whose ring addresses is local, else the
  // node named as the short host name.
  std::string self = o.node_name;
  if (self.empty()) {
    std::set<std::string> local = common::LocalAddresses();
    for (const auto& n : config->nodes) {
      for (const auto& a : n.ring_addrs) {
        if (local.count(a)) self = n.name;
      }
    }
  }
  if (self.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    self = std::string(host).substr(0, std::string(host).find('.'));
  }
  bool known = false;
  for (const auto& n : config->nodes) known = known || n.name == self;
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat("node '", self, "' is not in the nodelist of ", o.config_path,
                                                   "; pass --node NAME"));
  }
  struct stat conf_st;
  int64_t conf_mtime = ::stat(o.config_path.c_str(), &conf_st) == 0
                           ? static_cast<int64_t>(conf_st.st_mtim.tv_sec) * 1000000000 + conf_st.st_mtim.tv_nsec
                           : 0;
  std::unique_ptr<Fenced> f(new Fenced(o, *std::move(config), *std::move(key), self));
  f->config_mtime_ns_ = conf_mtime;  // the file just read: later rewrites are reloaded
  if (!o.devices_path.empty()) {
    auto file = ReadDevicesFile(o.devices_path);
    if (!file.ok()) return file.status();
    for (const auto& d : file->devices) {
      auto dev = f->LoadDevice(d);
      if (!dev.ok()) return absl::InvalidArgumentError(absl::StrCat(o.devices_path, ": ", dev.status().message()));
      f->engine_.RegisterDevice(*std::move(dev));
    }
    if (auto st = f->engine_.SetTopology(file->levels); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(o.devices_path, ": ", st.message()));
    }
  }
  if (o.check_config) return f;
  std::filesystem::create_directories(o.state_dir);
  auto store = HistoryStore::OpenRocksDb(o.state_dir + "/fence-history");
  if (!store.ok()) return store.status();
  f->store_ = *std::move(store);
  auto entries = f->store_->LoadAll();
  if (!entries.ok()) return entries.status();
  std::lock_guard<std::mutex> lock(f->mu_);
  f->engine_.LoadHistory(*std::move(entries), WallMs());
  f->DispatchLocked();
  return f;
}

Fenced::Fenced(FencedOptions options, config::ClusterConfig config, std::string authkey, std::string self)
    : options_(std::move(options)),
      config_(std::move(config)),
      authkey_(std::move(authkey)),
      self_(std::move(self)),
      auth_(authkey_, self_),
      engine_([&] {
        EngineOptions e;
        e.local_node = self_;
        for (const auto& n : config_.nodes) e.node_ids[n.name] = n.nodeid;
        auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
        e.random = [rng](int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>((*rng)() % static_cast<uint64_t>(n)); };
        return e;
      }()) {
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) agent_env_[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  agent_env_["PCMK_service"] = "pacemaker-fenced";  // fence-agents then leave timeouts to us
  agent_env_["PCMK_logfacility"] = "daemon";
}

Fenced::~Fenced() {
  Shutdown();
  if (pump_.joinable()) pump_.join();
}

absl::StatusOr<std::string> Fenced::ResolveAgent(const std::string& agent) const {
  if (!ValidAgentName(agent)) {
    return absl::InvalidArgumentError(absl::StrCat("agent '", agent, "' is not a fence agent name (fence_*)"));
  }
  for (const auto& dir : options_.agents_dirs) {
    std::string path = dir + "/" + agent;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0) return path;
  }
  return absl::NotFoundError(absl::StrCat("fence agent '", agent, "' not found in the agents directories"));
}

absl::StatusOr<Device> Fenced::LoadDevice(const DeviceConfig& c) {
  auto path = ResolveAgent(c.agent);
  if (!path.ok()) return absl::Status(path.status().code(), absl::StrCat("device '", c.id, "': ", path.status().message()));
  process::ProcessSpec spec;
  spec.program = *path;
  spec.argv = {*path};
  spec.env = agent_env_;
  spec.stdin_data = "action=metadata\n";
  spec.timeout_ms = kMetadataTimeoutMs;
  process::ProcessResult r = runner_.RunBlocking(spec);
  if (r.exit_code != 0) {
    return absl::FailedPreconditionError(absl::StrCat("device '", c.id, "': ", *path, " action=metadata failed",
                                                      r.spawn_error.empty() ? "" : ": ", r.spawn_error));
  }
  auto md = ParseAgentMetadata(r.stdout_data);
  if (!md.ok()) return absl::InvalidArgumentError(absl::StrCat("device '", c.id, "': ", md.status().message()));
  return ParseDevice(c.id, c.agent, *path, c.params, *std::move(md));
}

void Fenced::DispatchLocked() {
  EngineOutput out = engine_.TakeOutput();
  for (const auto& run : out.runs) {
    process::ProcessSpec spec;
    spec.program = run.agent_path;
    spec.argv = {run.agent_path};
    spec.env = agent_env_;
    spec.stdin_data = run.stdin_text;
    spec.timeout_ms = run.timeout_ms;
    runs_[runner_.Start(spec)] = run.run_id;
    Log(absl::StrCat("running ", run.agent_path, " action=", run.agent_action, " for device '", run.device_id,
                     "' (timeout ", run.timeout_ms, " ms)"));
  }
  if (store_) {
    for (const auto& e : out.history_updates) {
      if (auto st = store_->Put(e); !st.ok()) Log(std::string(st.message()));
    }
    for (const auto& id : out.history_removed) {
      if (auto st = store_->Remove(id); !st.ok()) Log(std::string(st.message()));
    }
  }
  for (const auto& c : out.completions) {
    Log(absl::StrCat(c.entry.action, " of ", c.entry.target, ": ", std::string(FenceStateName(c.entry.state)),
                     c.entry.exit_reason.empty() ? "" : " (", c.entry.exit_reason,
                     c.entry.exit_reason.empty() ? "" : ")"));
    for (uint64_t rid : c.request_ids) {
      results_[rid] = c.entry;
      no_device_[rid] = c.no_device;
    }
  }
  if (!out.completions.empty()) cv_.notify_all();
}

void Fenced::PumpLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(kPumpIntervalMs));
    int64_t now = WallMs();
    for (auto& [handle, result] : runner_.Collect()) {
      auto it = runs_.find(handle);
      if (it == runs_.end()) continue;
      engine_.OnAgentResult(it->second, ToAgentResult(result), now);
      runs_.erase(it);
    }
    engine_.OnTick(now);
    DispatchLocked();
    ReloadConfigLocked(now);
  }
}

void Fenced::ReloadConfigLocked(int64_t now_ms) {
  if (now_ms < next_config_check_ms_) return;
  next_config_check_ms_ = now_ms + 1000;
  struct stat st;
  if (::stat(options_.config_path.c_str(), &st) != 0) return;
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (mtime == config_mtime_ns_) return;
  config_mtime_ns_ = mtime;
  auto next = config::ReadClusterConfig(options_.config_path);
  if (!next.ok()) {
    Log(absl::StrCat("WARNING: ", options_.config_path, " changed but does not parse; keeping the nodelist: ",
                     next.status().message()));
    return;
  }
  bool listed = false;
  std::map<std::string, uint32_t> ids;
  for (const auto& n : next->nodes) {
    ids[n.name] = n.nodeid;
    listed = listed || n.name == self_;
  }
  if (!listed) return;  // this node was removed: baton-crmd stops the node
  config_ = *std::move(next);
  engine_.SetNodeIds(std::move(ids));
  Log(absl::StrCat("nodelist reloaded from ", options_.config_path, " (config_version ", config_.config_version,
                   ", ", config_.nodes.size(), " nodes)"));
}

FenceEvent Fenced::Fence(FenceCommand cmd, bool from_peer) {
  if (cmd.origin.empty()) cmd.origin = self_;
  FenceCommand copy = cmd;
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t rid = engine_.OnRequest(std::move(cmd), WallMs());
  DispatchLocked();
  cv_.wait(lock, [&] { return results_.count(rid) > 0 || stopping_; });
  if (!results_.count(rid)) {
    FenceEvent e;
    e.target = copy.target;
    e.action = copy.action;
    e.state = FenceState::kFailed;
    e.exit_reason = "baton-fenced is shutting down";
    return e;
  }
  FenceEvent result = results_[rid];
  bool no_device = no_device_[rid];
  results_.erase(rid);
  no_device_.erase(rid);
  lock.unlock();
  if (no_device && !from_peer) {
    if (auto remote = DelegateToPeers(copy)) {
      lock.lock();
      engine_.RecordHistory(*remote);
      DispatchLocked();
      return *remote;
    }
  }
  return result;
}

std::optional<FenceEvent> Fenced::DelegateToPeers(const FenceCommand& cmd) {
  std::vector<config::NodeEntry> nodes;
  int port = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    nodes = config_.nodes;
    port = options_.port > 0 ? options_.port : static_cast<int>(config_.port) + 10;
  }
  for (const auto& n : nodes) {
    if (n.name == self_ || n.ring_addrs.empty()) continue;
    auto channel = grpc::CreateChannel(PeerAddress(n.ring_addrs[0], port), grpc::InsecureChannelCredentials());
    PeerClient peer(channel, authkey_, self_, n.name);
    QueryRequest q;
    q.set_target(cmd.target);
    QueryReply qr;
    if (!peer.Query(q, &qr, kPeerQueryTimeoutMs).ok() || qr.devices().empty()) continue;
    FenceRequest req;
    req.set_target(cmd.target);
    req.set_action(cmd.action);
    req.set_timeout_ms(cmd.timeout_ms);
    req.set_allow_self(cmd.allow_self);
    req.set_delay_ms(cmd.delay_ms);
    req.set_client(cmd.client);
    req.set_from_peer(true);
    FenceReply reply;
    // Pacemaker gives remote operations 1.2 x the device timeouts.
    grpc::Status st = peer.Fence(req, &reply, cmd.timeout_ms * 12 / 10 + std::max<int64_t>(cmd.delay_ms, 0));
    if (!st.ok()) {
      Log(absl::StrCat("peer ", n.name, " could not fence ", cmd.target, ": ", st.error_message()));
      continue;
    }
    FenceEvent e = FromProto(reply.entry());
    e.origin = self_;
    e.client = cmd.client;
    if (e.id.empty() || e.state != FenceState::kSuccess) {
      Log(absl::StrCat("peer ", n.name, ": ", e.exit_reason));
      if (e.state != FenceState::kSuccess) continue;
    }
    return e;
  }
  return std::nullopt;
}

std::vector<std::string> Fenced::Query(const std::string& target) {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_.Query(target, /*allow_self=*/false);
}

std::vector<FenceEvent> Fenced::History(const std::string& target) {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_.History(target);
}

absl::Status Fenced::RegisterDevice(const DeviceConfig& device) {
  auto dev = LoadDevice(device);  // runs the agent's metadata: outside mu_
  if (!dev.ok()) return dev.status();
  std::lock_guard<std::mutex> lock(mu_);
  engine_.RegisterDevice(*std::move(dev));
  Log(absl::StrCat("registered device '", device.id, "' (", device.agent, ")"));
  return absl::OkStatus();
}

absl::Status Fenced::UnregisterDevice(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!engine_.UnregisterDevice(id)) return absl::NotFoundError(absl::StrCat("no device '", id, "' is registered"));
  return absl::OkStatus();
}

std::vector<DeviceConfig> Fenced::ListDevices() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DeviceConfig> out;
  for (const auto& [id, d] : engine_.devices()) out.push_back({d.id, d.agent, d.params});
  return out;
}

FenceEvent Fenced::Confirm(const std::string& target, const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  FenceEvent e = engine_.Confirm(target, client, WallMs());
  DispatchLocked();
  return e;
}

absl::Status Fenced::Serve() {
  std::string socket = options_.socket_path.empty() ? options_.state_dir + "/fenced.sock" : options_.socket_path;
  if (auto st = common::MakeSocketDirectory(std::filesystem::path(socket).parent_path().string()); !st.ok()) return st;
  unlink(socket.c_str());
  FencerService service(this, &auth_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  std::string ring0;
  for (const auto& n : config_.nodes) {
    if (n.name == self_ && !n.ring_addrs.empty()) ring0 = n.ring_addrs[0];
  }
  int port = options_.port >= 0 ? options_.port : static_cast<int>(config_.port) + 10;
  int selected = 0;
  builder.AddListeningPort(PeerAddress(ring0, port), grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(&service);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::OkStatus();
    server_ = builder.BuildAndStart();
    if (!server_) {
      return absl::UnavailableError(absl::StrCat("cannot listen on unix:", socket, " and ", PeerAddress(ring0, port)));
    }
  }
  // Root and the haclient group, as the crmd's control socket.
  if (auto st = common::RestrictClusterSocket(socket); !st.ok()) {
    server_->Shutdown();
    return st;
  }
  pump_ = std::thread([this] { PumpLoop(); });
  Log(absl::StrCat("node ", self_, ": serving on unix:", socket, " and ", PeerAddress(ring0, selected), ", ",
                   ListDevices().size(), " devices"));
  server_->Wait();
  return absl::OkStatus();
}

void Fenced::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return;
  stopping_ = true;
  cv_.notify_all();
  grpc::Server* server = server_.get();
  lock.unlock();
  if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

}  // namespace baton::fencing
