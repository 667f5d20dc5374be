// Membership by proposals of mutually reachable cliques (see membership.h).
#include "crmd/membership/membership.h"

#include <algorithm>

namespace baton::membership {

Membership::Membership(Options options, uint64_t incarnation, uint64_t persisted_seq, uint64_t now_ms)
    : options_(std::move(options)), incarnation_(incarnation), next_send_ms_(now_ms),
      max_seen_seq_(persisted_seq) {
  for (NodeId n : options_.nodes) {
    if (n == options_.self) continue;
    Peer& p = peers_[n];
    p.last_heard.assign(options_.links, 0);
  }
  // Alone until it hears its peers, in a ring of its own.
  proposal_ = {options_.self};
  proposal_seq_ = ++max_seen_seq_;
  view_.members = {options_.self};
  view_.ring = {options_.self, proposal_seq_};
}

void Membership::SetNodes(const std::vector<NodeId>& nodes) {
  options_.nodes = nodes;
  std::set<NodeId> wanted(nodes.begin(), nodes.end());
  for (auto it = peers_.begin(); it != peers_.end();) {
    it = wanted.contains(it->first) ? std::next(it) : peers_.erase(it);
  }
  for (NodeId n : nodes) {
    if (n == options_.self || peers_.contains(n)) continue;
    peers_[n].last_heard.assign(options_.links, 0);
  }
  announce_ = true;
}

void Membership::OnHeartbeat(const Heartbeat& hb, uint64_t now_ms) {
  auto it = peers_.find(hb.sender);
  if (it == peers_.end() || hb.link >= options_.links) {
    ++counters_.unknown_sender;
    return;
  }
  const bool check_echo = !options_.unsafe_skip_echo_check;
  if (check_echo && hb.receiver != options_.self) {
    ++counters_.misaddressed;
    return;
  }
  Peer& p = it->second;
  if (hb.incarnation < p.incarnation) {
    ++counters_.old_incarnation;
    return;
  }
  if (hb.incarnation > p.incarnation) {
    // The peer restarted (or this node did and hears it for the first
    // time): everything it said before is void, and it must learn this
    // node's incarnation before its heartbeats count: answer at once.
    p.incarnation = hb.incarnation;
    p.seq = 0;
    p.link_seq.assign(options_.links, 0);
    p.last = Heartbeat{};
    announce_ = true;
  }
  if (check_echo && hb.receiver_incarnation != incarnation_) {
    ++counters_.unechoed;
    return;
  }
  if (p.link_seq.size() != options_.links) p.link_seq.assign(options_.links, 0);
  // The same heartbeat arrives once per link; anything not newer than what
  // this link already delivered is a replay or reordered.
  if (hb.seq <= p.link_seq[hb.link]) {
    ++counters_.stale;
    return;
  }
  ++counters_.received;
  p.link_seq[hb.link] = hb.seq;
  p.last_heard[hb.link] = now_ms == 0 ? 1 : now_ms;
  if (hb.seq > p.seq) {
    p.seq = hb.seq;
    p.last = hb;
  }
  max_seen_seq_ = std::max({max_seen_seq_, hb.proposal_seq, hb.installed.ring.seq});
}

bool Membership::Alive(const Peer& p, uint64_t now_ms) const {
  for (uint64_t t : p.last_heard) {
    if (t != 0 && now_ms < t + options_.token_ms) return true;
  }
  return false;
}

uint32_t Membership::LinksUp(NodeId peer, uint64_t now_ms) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return 0;
  uint32_t bits = 0;
  for (uint32_t i = 0; i < it->second.last_heard.size(); ++i) {
    uint64_t t = it->second.last_heard[i];
    if (t != 0 && now_ms < t + options_.token_ms) bits |= 1u << i;
  }
  return bits;
}

std::vector<bool> Membership::LinkStatus(uint64_t now_ms) const {
  std::vector<bool> up(options_.links, false);
  for (const auto& [id, p] : peers_) {
    uint32_t bits = LinksUp(id, now_ms);
    for (uint32_t i = 0; i < options_.links; ++i) {
      if (bits & (1u << i)) up[i] = true;
    }
  }
  return up;
}

std::set<NodeId> Membership::Candidate(uint64_t now_ms) const {
  const NodeId self = options_.self;
  // Mutually reachable neighbours: I hear them, and they say they hear me.
  std::set<NodeId> near = {self};
  for (const auto& [id, p] : peers_) {
    if (Alive(p, now_ms) && p.last.reachable.count(self)) near.insert(id);
  }
  auto mutual = [&](NodeId a, NodeId b) {
    if (a == self || b == self) return true;  // both are in `near`
    const Heartbeat& ha = peers_.at(a).last;
    const Heartbeat& hb = peers_.at(b).last;
    return ha.reachable.count(b) && hb.reachable.count(a);
  };
  // Deterministic partition into cliques: lowest id first, then every node
  // (in id order) that is mutual with all chosen so far. Nodes that see the
  // same reachability compute the same cliques.
  std::set<NodeId> left = near;
  std::set<NodeId> mine;
  while (!left.empty()) {
    std::set<NodeId> clique = {*left.begin()};
    for (NodeId n : left) {
      if (clique.count(n)) continue;
      bool ok = true;
      for (NodeId c : clique) ok = ok && mutual(n, c);
      if (ok) clique.insert(n);
    }
    for (NodeId n : clique) left.erase(n);
    if (clique.count(self)) {
      mine = clique;
      break;
    }
  }
  // A member that proposes a different group (one with a node outside mine)
  // without me has chosen elsewhere: leave it out.
  std::set<NodeId> out = mine;
  for (NodeId m : mine) {
    if (m == self) continue;
    const std::set<NodeId>& theirs = peers_.at(m).last.proposal;
    if (theirs.empty() || theirs.count(self)) continue;
    bool elsewhere = false;
    for (NodeId x : theirs) elsewhere = elsewhere || !mine.count(x);
    if (elsewhere) out.erase(m);
  }
  return out;
}

void Membership::UpdateProposal(uint64_t now_ms) {
  std::set<NodeId> cand = Candidate(now_ms);
  if (cand != proposal_) {
    proposal_ = cand;
    announce_ = true;
    if (cand == view_.members) {
      proposal_seq_ = view_.ring.seq;
    } else {
      proposal_seq_ = max_seen_seq_ + 1;
      max_seen_seq_ = proposal_seq_;
    }
    return;
  }
  // Converge on the highest sequence proposed for the same members.
  for (NodeId m : proposal_) {
    if (m == options_.self) continue;
    const Heartbeat& hb = peers_.at(m).last;
    if (hb.proposal == proposal_ && hb.proposal_seq > proposal_seq_) {
      proposal_seq_ = hb.proposal_seq;
      announce_ = true;
    }
  }
}

void Membership::MaybeInstall(uint64_t now_ms) {
  for (NodeId m : proposal_) {
    if (options_.unsafe_skip_agreement) break;
    if (m == options_.self) continue;
    const Peer& p = peers_.at(m);
    if (!Alive(p, now_ms) || p.last.proposal != proposal_ || p.last.proposal_seq != proposal_seq_) return;
  }
  View next;
  next.members = proposal_;
  next.ring = {*proposal_.begin(), proposal_seq_};
  if (next == view_) return;
  view_ = next;
  // The life of each member that agreed to this view: the election decides
  // from these, so a member heard restarting later does not make two
  // members of one view pick different DCs.
  view_incarnations_.clear();
  for (NodeId m : view_.members) {
    view_incarnations_[m] = m == options_.self ? incarnation_ : peers_.at(m).incarnation;
  }
  ++view_changes_;
  announce_ = true;
}

std::optional<Heartbeat> Membership::Tick(uint64_t now_ms) {
  UpdateProposal(now_ms);
  MaybeInstall(now_ms);
  // A new proposal or view goes out at once rather than at the next
  // interval: agreement takes a round of heartbeats, and every round waited
  // for is added to the failover. At most one early send per quarter interval.
  bool early = announce_ && now_ms >= last_send_ms_ + std::max<uint64_t>(1, options_.heartbeat_interval_ms / 4);
  if (now_ms < next_send_ms_ && !early) return std::nullopt;
  next_send_ms_ = now_ms + options_.heartbeat_interval_ms;
  last_send_ms_ = now_ms;
  announce_ = false;
  Heartbeat hb;
  hb.sender = options_.self;
  hb.incarnation = incarnation_;
  hb.seq = ++seq_;
  for (const auto& [id, p] : peers_) {
    if (Alive(p, now_ms)) hb.reachable.insert(id);
  }
  hb.proposal = proposal_;
  hb.proposal_seq = proposal_seq_;
  hb.installed = view_;
  return hb;
}

std::map<NodeId, uint64_t> Membership::ReadyCandidates() const {
  std::map<NodeId, uint64_t> out;
  for (NodeId m : ReadyMembers()) {
    auto it = view_incarnations_.find(m);
    out[m] = it != view_incarnations_.end() ? it->second : (m == options_.self ? incarnation_ : 0);
  }
  return out;
}

std::set<NodeId> Membership::ReadyMembers() const {
  std::set<NodeId> out;
  for (NodeId m : view_.members) {
    if (m == options_.self) {
      out.insert(m);
      continue;
    }
    auto it = peers_.find(m);
    if (it != peers_.end() && it->second.last.ready) out.insert(m);
  }
  return out;
}

}  // namespace baton::membership
