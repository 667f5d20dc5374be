// Nodelist changes made by `crm cluster join` and `crm cluster remove`, and
// which of two copies of cluster.conf a node keeps. I/O-free; baton-crmd
// writes and applies what these return.
//
// Invariants:
//  1. Every change raises config_version by one; node ids are never
//     reused for another name while the change is in one copy (a new node
//     gets the highest id + 1).
//  2. Quorum follows the nodelist: two_node exactly with two nodes, no
//     explicit expected_votes (crmsh's bootstrap does the same).
//  3. A copy is adopted only if its version is higher; the same version
//     with other contents is a conflict, reported, and nothing changes.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/config/cluster_config.h"

namespace baton::node {

// `name` with `ring_addrs` added. Rejoining with the same name and
// addresses returns the configuration unchanged (version too).
absl::StatusOr<config::ClusterConfig> AddNode(const config::ClusterConfig& c, const std::string& name,
                                              const std::vector<std::string>& ring_addrs);

// `name` removed; never the last node.
absl::StatusOr<config::ClusterConfig> RemoveNode(const config::ClusterConfig& c, const std::string& name);

enum class Adopt { kNewer, kSame, kOlder, kConflict, kOtherCluster };
Adopt CompareCopies(const config::ClusterConfig& mine, const config::ClusterConfig& theirs);

}  // namespace baton::node
