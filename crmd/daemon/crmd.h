// baton-crmd's shell: it loads the configuration and key, opens the UDP
// links, the peer transport, the join listener and the local control
// socket, and runs the loop that feeds one node::Node (crmd/node/node.h),
// which makes every decision, and sends what the Node returns. crmd/daemon/
// holds only this I/O and wiring.
//
// The control socket speaks a line protocol (lib/control/control.h).
// Single-threaded: everything happens on the loop, except blocking calls to
// baton-fenced, which run on their own threads and hand results back
// through a locked queue.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "lib/config/cluster_config.h"

namespace baton::crmd {

struct Options {
  std::string config_path = "/etc/baton/cluster.conf";
  std::string authkey_path;  // default: "authkey" beside the config
  std::string state_dir = "/var/lib/baton";
  std::string socket_path;   // default: <state_dir>/crmd.sock
  std::string node_name;     // default: the node whose ring address is local
  std::string fenced_socket; // default: <state_dir>/fenced.sock
  std::string agents_dir;    // baton's OCF agents (provider "baton"); default: found beside the binary
  std::string tools_dir;     // the agents' private tools (crm_attribute ...); default: found beside the binary
  std::string rsctmp = "/run/resource-agents";  // HA_RSCTMP (and HA_VARRUN) for agents
  bool check_config = false;
};

// Loads and validates the configuration and key; finds which node this is.
struct Setup {
  config::ClusterConfig config;
  std::string authkey;
  uint32_t self = 0;
};
absl::StatusOr<Setup> LoadSetup(const Options& options);

// Runs until SIGTERM/SIGINT. Returns the reason it stopped.
absl::Status Run(const Options& options, Setup setup);

}  // namespace baton::crmd
