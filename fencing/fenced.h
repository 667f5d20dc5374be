// baton-fenced's wiring object: loads cluster.conf, the authkey and the
// devices file, opens the RocksDB history, drives the FenceEngine from a
// pump thread (agent results, ticks) and serves the Fencer gRPC service on
// the local unix socket and, for peers, on the node's ring0 address.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "fencing/engine.h"
#include "fencing/history_store.h"
#include "fencing/service.h"
#include "lib/config/cluster_config.h"
#include "lib/process/process_runner.h"

namespace baton::fencing {

struct FencedOptions {
  std::string config_path = "/etc/baton/cluster.conf";
  std::string authkey_path;  // default: "authkey" beside the configuration
  std::string state_dir = "/var/lib/baton";
  std::string socket_path;   // default: <state_dir>/fenced.sock
  std::string node_name;     // default: the host name
  std::string devices_path;  // optional CIB XML with stonith primitives and topology
  std::vector<std::string> agents_dirs = {"/usr/sbin"};
  int port = -1;             // peer port; -1: totem port + 10; 0: any free port
  int64_t default_timeout_ms = 60000;
  bool check_config = false;
};

// Invariants:
//  1. The engine, the run map and the results are touched only under mu_.
//  2. Every history change the engine reports is written to the store
//     before the requester is answered.
//  3. Agents run with the daemon's environment plus PCMK_service=pacemaker-fenced.
// Thread-safety: the FencerBackend methods are called from gRPC threads.
class Fenced : public FencerBackend {
 public:
  static absl::StatusOr<std::unique_ptr<Fenced>> Create(const FencedOptions& options);
  ~Fenced() override;

  // Serves until Shutdown(). Returns why it stopped.
  absl::Status Serve();
  void Shutdown();

  FenceEvent Fence(FenceCommand cmd, bool from_peer) override;
  std::vector<std::string> Query(const std::string& target) override;
  std::vector<FenceEvent> History(const std::string& target) override;
  absl::Status RegisterDevice(const DeviceConfig& device) override;
  absl::Status UnregisterDevice(const std::string& id) override;
  std::vector<DeviceConfig> ListDevices() override;
  FenceEvent Confirm(const std::string& target, const std::string& client) override;

  const std::string& node() const { return self_; }

 private:
  Fenced(FencedOptions options, config::ClusterConfig config, std::string authkey, std::string self);
  absl::StatusOr<std::string> ResolveAgent(const std::string& agent) const;
  absl::StatusOr<Device> LoadDevice(const DeviceConfig& config);
  void PumpLoop();
  void DispatchLocked();
  std::optional<FenceEvent> DelegateToPeers(const FenceCommand& cmd);
  // Re-reads cluster.conf when it changed (crm cluster join/remove rewrite
  // it while running): the peers and node ids follow the new nodelist.
  void ReloadConfigLocked(int64_t now_ms);

  const FencedOptions options_;
  config::ClusterConfig config_;  // guarded by mu_ once serving (follows cluster.conf)
  const std::string authkey_;
  const std::string self_;
  std::map<std::string, std::string> agent_env_;
  std::unique_ptr<HistoryStore> store_;
  process::RealProcessRunner runner_;
  PeerAuthenticator auth_;

  std::mutex mu_;
  std::condition_variable cv_;
  FenceEngine engine_;                                   // guarded by mu_
  std::map<process::ProcessRunner::Handle, uint64_t> runs_;  // guarded by mu_: handle -> run id
  std::map<uint64_t, FenceEvent> results_;               // guarded by mu_: request id -> result
  std::map<uint64_t, bool> no_device_;                   // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  int64_t next_config_check_ms_ = 0;                     // guarded by mu_
  int64_t config_mtime_ns_ = 0;                          // guarded by mu_
  std::thread pump_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace baton::fencing
