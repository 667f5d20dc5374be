// baton's cluster configuration, /etc/baton/cluster.conf, written in
// corosync.conf(5) syntax: totem timing, the nodelist with its ring (link)
// addresses, and votequorum options. Parsing checks everything a daemon
// relies on, so `--check-config` and startup fail with one clear line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace baton::config {

// Highest ring/link number: ring0_addr .. ring7_addr.
inline constexpr int kMaxRings = 8;

// nodelist { node { ... } }.
struct NodeEntry {
  uint32_t nodeid = 0;                  // never 0, unique
  std::string name;                     // unique
  std::vector<std::string> ring_addrs;  // index = link: ring0_addr, ring1_addr, ...; IP literals
  uint32_t votes = 1;                   // quorum_votes
};

// Invariants of a parsed ClusterConfig:
//  1. nodes is not empty; nodeids and names are unique; every node has the
//     same number of ring addresses, at least one, without gaps.
//  2. 50 <= token_ms and 0 < heartbeat_interval_ms < token_ms.
//  3. two_node implies exactly two nodes.
struct ClusterConfig {
  std::string cluster_name;              // totem.cluster_name; may be empty
  uint32_t token_ms = 500;               // totem.token
  uint32_t heartbeat_interval_ms = 100;  // totem.heartbeat_interval
  uint32_t port = 5405;                  // totem.port
  // totem.config_version: raised by every nodelist change (crm cluster
  // join/remove); members adopt a newer one from their peers.
  uint32_t config_version = 0;
  std::vector<NodeEntry> nodes;          // in file order

  // quorum { provider: votequorum ... }
  bool two_node = false;
  std::optional<bool> wait_for_all;  // unset: votequorum's default (on with two_node)
  bool last_man_standing = false;
  uint32_t last_man_standing_window_ms = 10000;
  bool auto_tie_breaker = false;
  std::optional<uint32_t> expected_votes;  // unset: the sum of the nodes' votes
};

// Parses and validates the text of cluster.conf. Errors are one line naming
// the line, what is wrong and what to do ("line 4: unknown key 'tokn' in
// totem; accepted: ..."). The sections logging, system and resources are
// accepted and ignored, as are the totem keys baton leaves to its transport
// (version, secauth, crypto_*, transport, interface { }, join, consensus...).
absl::StatusOr<ClusterConfig> ParseClusterConfig(std::string_view text);

// Reads and parses a file; the error names the file.
absl::StatusOr<ClusterConfig> ReadClusterConfig(const std::string& path);

// The configuration as cluster.conf text, with a line of comment on each
// setting, such that ParseClusterConfig(FormatClusterConfig(c)) == c.
std::string FormatClusterConfig(const ClusterConfig& c);

// With nodes added or removed: two_node follows the count (set for exactly
// two nodes, as crmsh's bootstrap does) and an explicit expected_votes is
// dropped, so that expected votes follow the nodelist.
void FitQuorumToNodelist(ClusterConfig& c);

bool operator==(const NodeEntry& a, const NodeEntry& b);
bool operator==(const ClusterConfig& a, const ClusterConfig& b);

}  // namespace baton::config
