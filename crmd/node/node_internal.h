// Private to crmd/node: what node.cc, node_control.cc and node_nodelist.cc
// share.
#pragma once

#include <cstdint>

#include "crmd/quorum/quorum.h"
#include "lib/config/cluster_config.h"

namespace baton::node::internal {

inline constexpr uint64_t kChangeWaitMs = 30000;      // a client's CIB change
inline constexpr uint64_t kConfChangeWaitMs = 10000;  // members' acks of a nodelist change

// The quorum { } section and the nodelist's votes, as votequorum reads them.
quorum::Config QuorumConfig(const config::ClusterConfig& c);

}  // namespace baton::node::internal
