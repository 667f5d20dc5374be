// Quorum: whether this node's partition may run resources, by corosync's
// votequorum rules (votequorum(5)): votes per node, expected_votes, two_node,
// wait_for_all, last_man_standing and auto_tie_breaker.
//
// Core logic only: no I/O, no clock. The caller feeds each installed
// membership view, the state peers announce, and ticks with the time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace baton::quorum {

struct NodeVotes {
  uint32_t node_id = 0;
  uint32_t votes = 1;
};

// The `quorum { }` section of cluster.conf plus the votes of the nodelist.
struct Config {
  std::vector<NodeVotes> nodes = {};
  // Unset: the sum of the nodes' votes.
  std::optional<uint32_t> expected_votes = std::nullopt;
  // Quorum is 1, so each side of a split stays quorate and fencing decides.
  bool two_node = false;
  // Unset: on exactly when two_node is on (set false to override).
  std::optional<bool> wait_for_all = std::nullopt;
  bool last_man_standing = false;
  uint32_t last_man_standing_window_ms = 10000;
  // In a split into two halves of exactly expected_votes / 2 each, the half
  // that holds the lowest configured node id stays quorate.
  bool auto_tie_breaker = false;
};

// Checks what votequorum would refuse or silently disable, with a message
// that names the setting and the fix.
absl::Status Validate(const Config& config);

// One node's view of quorum; event driven.
//
// Invariants:
//  1. total_votes() is the sum of the votes of the configured nodes in the
//     current view; ids that are not configured carry no votes.
//  2. expected_votes() >= total_votes(); it only decreases when the last man
//     standing window expires, or when it is taken from a quorate peer while
//     this node is inquorate.
//  3. quorum() is expected_votes() / 2 + 1, or 1 with two_node.
//  4. quorate() implies wait_for_all_satisfied(); once satisfied, the
//     wait is over for the lifetime of the object (a restart arms it again).
//  5. Without two_node and last_man_standing, and with expected_votes not
//     below the sum of the configured votes, two disjoint views are never
//     both quorate (two_node leaves that to fencing; last man standing trades
//     it for availability, as in corosync).
// Not thread-safe: one owner drives it.
class Quorum {
 public:
  // What a node announces to the members of its view (votequorum's nodeinfo
  // message), so that a node that joins a quorate partition agrees with it.
  struct PeerState {
    bool quorate = false;
    uint32_t expected_votes = 0;
  };

  // Fails when Validate(config) fails or my_node_id is not in the nodelist.
  // Starts with a view of this node alone.
  static absl::StatusOr<Quorum> Create(Config config, uint32_t my_node_id);

  // The nodelist changed while running (crm cluster join/remove): votes and
  // expected votes follow the new configuration at once (expected votes may
  // go down here, the one exception to invariant 2); a wait_for_all already
  // satisfied stays so. Fails, changing nothing, as Create does.
  absl::Status Reconfigure(Config config);

  // A newly installed view (the members agreed by membership) at now_ms.
  // This node is always a member of its own view, listed or not; ids that
  // are not in the nodelist are ignored.
  void OnMembership(const std::set<uint32_t>& members, uint64_t now_ms);

  // The state `node_id` announced in the current view. The caller drops
  // announcements sent in an earlier view; states of non-members are ignored.
  void OnPeerState(uint32_t node_id, const PeerState& state);

  // Advances time: runs the last man standing recalculation when its window
  // has passed.
  void OnTick(uint64_t now_ms);

  // When OnTick has something to do; unset when nothing is pending.
  std::optional<uint64_t> next_tick_ms() const { return lms_deadline_ms_; }

  PeerState local_state() const { return {quorate_, expected_votes_}; }
  bool quorate() const { return quorate_; }
  uint32_t expected_votes() const { return expected_votes_; }
  uint32_t total_votes() const { return total_votes_; }
  // Votes needed for quorum (auto_tie_breaker can grant it to exactly half).
  uint32_t quorum() const { return quorum_; }
  bool wait_for_all_satisfied() const { return !waiting_for_all_; }
  const std::set<uint32_t>& members() const { return members_; }

 private:
  Quorum(Config config, uint32_t my_node_id);

  uint32_t VotesOf(const std::set<uint32_t>& nodes) const;
  bool TieBreakerPresent(const std::set<uint32_t>& nodes) const;
  bool LastManStandingArms(const std::set<uint32_t>& next) const;
  void ExpireLastManStanding(uint64_t now_ms);
  // Recomputes total votes, expected votes, quorum and quorate.
  void Recompute();
  bool Quorate() const;  // from the fields Recompute() has set

  Config config_;
  uint32_t my_node_id_;
  std::map<uint32_t, uint32_t> votes_;  // configured node id -> votes
  uint32_t lowest_node_id_;             // of the configured nodes
  std::set<uint32_t> members_;
  uint32_t total_votes_ = 0;
  uint32_t expected_votes_ = 0;
  uint32_t quorum_ = 0;
  bool quorate_ = false;
  bool waiting_for_all_ = false;
  std::optional<uint64_t> lms_deadline_ms_;
};

}  // namespace baton::quorum
