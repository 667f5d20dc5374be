// Membership: which nodes form the cluster right now. Each node sends a
// heartbeat on every link every heartbeat_interval; a peer not heard on any
// link for `token` ms is lost. Nodes agree on a view (members + ring id) by
// proposing the same member set: a view is installed when every proposed
// member proposes exactly it.
//
// Core logic only: no I/O, no clock. The caller feeds received heartbeats
// and ticks (with the time) and sends what Tick() returns on every link.
//
// Invariants (checked by tests/sim after every step):
//  1. Two nodes that installed the same ring id installed the same members.
//  2. A proposal contains only nodes that all hear each other (a clique of
//     mutual reachability), so an asymmetric failure ends in disjoint views.
//  3. Ring sequence numbers only grow on a node, across restarts too (the
//     caller persists max_seq()).
//  4. A heartbeat counts (for liveness, reachability, proposals and views)
//     only at the receiver it was addressed to, in the life of it that the
//     sender knew: each heartbeat names its receiver and echoes the
//     receiver's incarnation as the sender last heard it, and the receiver
//     counts it only if both are its own. A recorded heartbeat replayed to
//     another node, or to its receiver after the receiver restarted (and
//     forgot the sequence numbers it had seen), changes nothing. One that
//     does not echo the receiver's incarnation only teaches it the
//     sender's (never lowering it); the receiver then answers at once, so
//     after a restart the peers count each other within about a quarter
//     heartbeat interval.
// Not thread-safe: one owner drives it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace baton::membership {

using NodeId = uint32_t;

struct RingId {
  NodeId representative = 0;
  uint64_t seq = 0;
  auto operator<=>(const RingId&) const = default;
};

struct View {
  RingId ring;
  std::set<NodeId> members;
  bool operator==(const View&) const = default;
};

// What a heartbeat carries (the wire form adds authentication).
struct Heartbeat {
  NodeId sender = 0;
  uint64_t incarnation = 0;  // changes at every start of the sender
  uint64_t seq = 0;          // per incarnation, strictly increasing
  uint32_t link = 0;
  std::set<NodeId> reachable;  // peers the sender currently hears
  std::set<NodeId> proposal;   // members it proposes
  uint64_t proposal_seq = 0;
  View installed;              // its current view
  bool ready = true;           // its crmd can be DC
  NodeId receiver = 0;               // the one node this copy is for
  uint64_t receiver_incarnation = 0; // the receiver's, as the sender last heard it
};

struct Options {
  NodeId self = 0;
  std::vector<NodeId> nodes;  // configured nodes
  uint32_t links = 1;
  uint64_t token_ms = 500;
  uint64_t heartbeat_interval_ms = 100;
  // Tests only: install the own proposal without waiting for agreement, to
  // prove the simulation's invariant checks catch a broken protocol.
  bool unsafe_skip_agreement = false;
  // Tests only: count heartbeats addressed to another node or to another
  // life of this one (drops invariant 4's echo check), to prove the
  // simulation's replay fault catches a receiver that trusts replays.
  bool unsafe_skip_echo_check = false;
};

struct Counters {
  uint64_t received = 0;
  uint64_t stale = 0;           // replayed or reordered (old seq)
  uint64_t old_incarnation = 0;
  uint64_t unknown_sender = 0;
  uint64_t misaddressed = 0;    // for another node (replayed to the wrong one)
  uint64_t unechoed = 0;        // not for this life of the node (or the sender has not heard it yet)
};

class Membership {
 public:
  // `persisted_seq` is the highest ring sequence this node used before it
  // (re)started, kept on disk by the caller (like corosync's ringid file):
  // ring ids must never repeat across restarts.
  Membership(Options options, uint64_t incarnation, uint64_t persisted_seq, uint64_t now_ms);

  // The configured nodes changed (crm cluster join/remove, applied live):
  // new ids start unheard; removed ones are forgotten, so the next Tick
  // proposes and installs a view without them.
  void SetNodes(const std::vector<NodeId>& nodes);

  // A heartbeat that passed authentication. Old or replayed ones are
  // dropped and counted.
  void OnHeartbeat(const Heartbeat& hb, uint64_t now_ms);

  // Advances time: expires peers, updates the proposal, may install a view.
  // Returns the heartbeat to send on every link when one is due; each peer
  // gets its own copy, AddressedTo it.
  std::optional<Heartbeat> Tick(uint64_t now_ms);
  Heartbeat AddressedTo(Heartbeat hb, NodeId peer) const {
    hb.receiver = peer;
    auto it = peers_.find(peer);
    hb.receiver_incarnation = it == peers_.end() ? 0 : it->second.incarnation;
    return hb;
  }
  uint64_t incarnation() const { return incarnation_; }

  const View& view() const { return view_; }
  // The incarnation of `peer` as its latest authentic heartbeat gave it;
  // nullopt if never heard.
  std::optional<uint64_t> PeerIncarnation(NodeId peer) const {
    auto it = peers_.find(peer);
    if (it == peers_.end() || it->second.incarnation == 0) return std::nullopt;
    return it->second.incarnation;
  }
  // Links of a peer heard within token (bit i = link i).
  uint32_t LinksUp(NodeId peer, uint64_t now_ms) const;
  // Per link: whether any peer was heard on it within token.
  std::vector<bool> LinkStatus(uint64_t now_ms) const;
  const Counters& counters() const { return counters_; }
  // Members of the view whose crmd reports ready.
  std::set<NodeId> ReadyMembers() const;
  // The same, each with the incarnation it had when it agreed to the view
  // (this node's own included): what the election (election.h) decides
  // from, the same on every member of the view.
  std::map<NodeId, uint64_t> ReadyCandidates() const;
  uint64_t view_changes() const { return view_changes_; }
  // The highest ring sequence used or seen: persist it before sending what
  // Tick() returns.
  uint64_t max_seq() const { return max_seen_seq_; }

 private:
  struct Peer {
    uint64_t incarnation = 0;
    uint64_t seq = 0;
    std::vector<uint64_t> last_heard;  // per link, 0 = never
    std::vector<uint64_t> link_seq;    // per link, newest seq delivered
    Heartbeat last;
  };

  bool Alive(const Peer& p, uint64_t now_ms) const;
  std::set<NodeId> Candidate(uint64_t now_ms) const;
  void UpdateProposal(uint64_t now_ms);
  void MaybeInstall(uint64_t now_ms);

  Options options_;
  uint64_t incarnation_;
  uint64_t seq_ = 0;
  uint64_t next_send_ms_ = 0;
  uint64_t last_send_ms_ = 0;
  bool announce_ = false;  // a new proposal or view not sent yet
  std::map<NodeId, Peer> peers_;
  std::set<NodeId> proposal_;
  uint64_t proposal_seq_ = 0;
  uint64_t max_seen_seq_ = 0;
  View view_;
  std::map<NodeId, uint64_t> view_incarnations_;  // of view_'s members, as they agreed to it
  Counters counters_;
  uint64_t view_changes_ = 0;
};

}  // namespace baton::membership
