#include "crmd/node/nodelist_change.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace baton::node {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (!absl::ascii_isalnum(c) && ch != '-' && ch != '_' && ch != '.') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<config::ClusterConfig> AddNode(const config::ClusterConfig& c, const std::string& name,
                                              const std::vector<std::string>& ring_addrs) {
  if (!ValidName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' is not a node name: use letters, digits, '-', '_' and '.' (at most 64)"));
  }
  size_t links = c.nodes.empty() ? 1 : c.nodes.front().ring_addrs.size();
  if (ring_addrs.size() != links) {
    return absl::InvalidArgumentError(absl::StrCat("the cluster has ", links, " ring(s); ", name, " gave ",
                                                   ring_addrs.size(), " address(es) (",
                                                   absl::StrJoin(ring_addrs, ", "), ")"));
  }
  for (const auto& n : c.nodes) {
    if (n.name == name) {
      if (n.ring_addrs == ring_addrs) return c;  // a rejoin after a reinstall
      return absl::AlreadyExistsError(absl::StrCat("a node named ", name, " is already in the cluster with ",
                                                   absl::StrJoin(n.ring_addrs, ", "),
                                                   "; remove it first (crm cluster remove ", name, ")"));
    }
    for (const auto& a : ring_addrs) {
      if (std::find(n.ring_addrs.begin(), n.ring_addrs.end(), a) != n.ring_addrs.end()) {
        return absl::AlreadyExistsError(absl::StrCat("address ", a, " belongs to node ", n.name));
      }
    }
  }
  config::ClusterConfig out = c;
  uint32_t id = 0;
  for (const auto& n : c.nodes) id = std::max(id, n.nodeid);
  out.nodes.push_back({id + 1, name, ring_addrs, 1});
  ++out.config_version;
  config::FitQuorumToNodelist(out);
  return out;
}

absl::StatusOr<config::ClusterConfig> RemoveNode(const config::ClusterConfig& c, const std::string& name) {
  auto it = std::find_if(c.nodes.begin(), c.nodes.end(), [&](const auto& n) { return n.name == name; });
  if (it == c.nodes.end()) return absl::NotFoundError(absl::StrCat("no node '", name, "' in the cluster"));
  if (c.nodes.size() == 1) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is the last node; stop the cluster instead"));
  }
  config::ClusterConfig out = c;
  out.nodes.erase(out.nodes.begin() + (it - c.nodes.begin()));
  ++out.config_version;
  config::FitQuorumToNodelist(out);
  return out;
}

Adopt CompareCopies(const config::ClusterConfig& mine, const config::ClusterConfig& theirs) {
  if (mine.cluster_name != theirs.cluster_name) return Adopt::kOtherCluster;
  if (theirs.config_version > mine.config_version) return Adopt::kNewer;
  if (theirs.config_version < mine.config_version) return Adopt::kOlder;
  return mine == theirs ? Adopt::kSame : Adopt::kConflict;
}

}  // namespace baton::node
