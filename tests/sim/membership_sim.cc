// The membership simulation (see membership_sim.h).
#include "tests/sim/membership_sim.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <sstream>

#include "crmd/membership/election.h"

namespace baton::sim {
namespace {

using membership::Heartbeat;
using membership::Membership;
using membership::NodeId;
using membership::RingId;

struct Packet {
  uint64_t deliver_at;
  uint64_t order;  // tie-break, so delivery order is deterministic
  NodeId to;
  Heartbeat hb;
};

// One replayed datagram, kept to describe a failure.
struct ReplayNote {
  uint64_t at_ms;
  NodeId to;
  uint64_t to_incarnation;
  Heartbeat hb;  // without its sets: only the header is printed
  bool counted;
};

class Sim {
 public:
  explicit Sim(const SimOptions& o) : o_(o), rng_(o.seed) {
    for (int i = 1; i <= o_.nodes; ++i) ids_.push_back(static_cast<NodeId>(i));
    // link_up_[from][to][link]
    for (NodeId a : ids_) {
      for (NodeId b : ids_) link_up_[a][b].assign(o_.links, true);
    }
    for (NodeId n : ids_) Start(n);
  }

  SimResult Run() {
    uint64_t end = o_.fault_ms + o_.heal_ms;
    for (now_ = 0; now_ <= end && result_.ok; now_ += o_.step_ms) {
      if (now_ < o_.fault_ms) MaybeFault();
      if (now_ == o_.fault_ms) HealAll();
      Deliver();
      if (o_.replay > 0 && Chance(o_.replay)) Replay();
      for (NodeId n : ids_) {
        if (!up_[n]) continue;
        auto hb = nodes_[n]->Tick(now_);
        disk_[n] = nodes_[n]->max_seq();  // persisted before anything is sent
        quorum::Quorum& q = quorum_.at(n);
        if (!(nodes_[n]->view() == seen_view_[n])) {
          seen_view_[n] = nodes_[n]->view();
          CheckInstalled(n);
          q.OnMembership(seen_view_[n].members, now_);
        }
        q.OnTick(now_);
        if (hb) Send(n, *hb);
      }
      Check();
    }
    if (result_.ok) CheckConverged();
    for (NodeId n : ids_) {
      if (nodes_[n]) result_.view_changes += nodes_[n]->view_changes();
    }
    return result_;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t Uniform(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_); }

  void Start(NodeId n) {
    membership::Options mo;
    mo.self = n;
    mo.nodes = ids_;
    mo.links = static_cast<uint32_t>(o_.links);
    mo.token_ms = o_.token_ms;
    mo.heartbeat_interval_ms = o_.heartbeat_ms;
    mo.unsafe_skip_agreement = o_.break_agreement;
    mo.unsafe_skip_echo_check = o_.break_echo;
    nodes_[n] = std::make_unique<Membership>(mo, ++incarnations_[n] + now_ * 1000, disk_[n], now_);
    disk_[n] = nodes_[n]->max_seq();
    quorum::Config qc;
    for (NodeId id : ids_) qc.nodes.push_back({id, 1});
    qc.two_node = o_.two_node;
    qc.auto_tie_breaker = o_.auto_tie_breaker;
    if (o_.wait_for_all) qc.wait_for_all = true;
    auto q = quorum::Quorum::Create(qc, n);
    if (!q.ok()) {
      Fail(std::string("bad quorum configuration: ") + std::string(q.status().message()));
      return;
    }
    quorum_.erase(n);
    quorum_.emplace(n, *std::move(q));
    quorum_.at(n).OnMembership(nodes_[n]->view().members, now_);
    seen_view_[n] = nodes_[n]->view();
    up_[n] = true;
    arrived_[n].clear();  // the new life has heard nothing yet
  }

  void MaybeFault() {
    if (!Chance(0.01)) return;  // about one fault per second
    NodeId a = ids_[Uniform(0, ids_.size() - 1)];
    NodeId b = ids_[Uniform(0, ids_.size() - 1)];
    switch (Uniform(0, 6)) {
      case 0:  // crash
        if (up_[a]) Note("crash", a, 0), up_[a] = false;
        break;
      case 1:  // restart
        if (!up_[a]) Note("restart", a, 0), Start(a);
        break;
      case 2:  // cut one link both ways
        if (a != b) {
          int l = static_cast<int>(Uniform(0, o_.links - 1));
          link_up_[a][b][l] = link_up_[b][a][l] = false;
          Note("cut link", a, b);
        }
        break;
      case 3:  // asymmetric: a no longer hears b on any link
        if (a != b) {
          link_up_[b][a].assign(o_.links, false);
          Note("one-way cut", a, b);
        }
        break;
      case 4: {  // full partition into two random halves
        std::vector<NodeId> shuffled = ids_;
        std::shuffle(shuffled.begin(), shuffled.end(), rng_);
        size_t cut = Uniform(1, shuffled.size() - 1);
        std::set<NodeId> side(shuffled.begin(), shuffled.begin() + static_cast<long>(cut));
        for (NodeId x : ids_) {
          for (NodeId y : ids_) {
            if (side.count(x) != side.count(y)) link_up_[x][y].assign(o_.links, false);
          }
        }
        Note("partition", 0, 0);
        break;
      }
      default:
        HealAll();
        Note("heal", 0, 0);
    }
  }

  void HealAll() {
    for (NodeId a : ids_) {
      for (NodeId b : ids_) link_up_[a][b].assign(o_.links, true);
      if (!up_[a]) Start(a);
    }
  }

  void Note(const char* what, NodeId a, NodeId b) {
    std::ostringstream s;
    s << now_ << "ms " << what;
    if (a) s << " n" << a;
    if (b) s << " n" << b;
    events_.push_back(s.str());
  }

  void Send(NodeId from, Heartbeat hb) {
    for (int l = 0; l < o_.links; ++l) {
      hb.link = static_cast<uint32_t>(l);
      for (NodeId to : ids_) {
        if (to == from || !link_up_[from][to][l] || Chance(o_.loss)) continue;
        int copies = Chance(o_.duplicate) ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
          in_flight_.push_back(
              Packet{now_ + Uniform(0, o_.max_delay_ms), order_++, to, nodes_[from]->AddressedTo(hb, to)});
          ++result_.messages;
        }
      }
    }
  }

  void Deliver() {
    std::vector<Packet> due;
    std::vector<Packet> later;
    for (auto& p : in_flight_) (p.deliver_at <= now_ ? due : later).push_back(std::move(p));
    in_flight_ = std::move(later);
    std::sort(due.begin(), due.end(), [](const Packet& a, const Packet& b) {
      return a.deliver_at != b.deliver_at ? a.deliver_at < b.deliver_at : a.order < b.order;
    });
    for (Packet& p : due) {
      if (up_[p.to]) {
        std::vector<std::optional<uint64_t>>& at = arrived_[p.to][p.hb.sender];
        at.resize(static_cast<size_t>(o_.links));
        at[p.hb.link] = now_;
        nodes_[p.to]->OnHeartbeat(p.hb, now_);
      }
      if (o_.replay > 0) Record(std::move(p));
    }
  }

  // The attacker's copy: the latest datagrams in a ring; those that leave
  // it are sampled uniformly (reservoir) into the archive, so heartbeats
  // from lives long gone stay available for replay.
  void Record(Packet p) {
    if (recent_.size() < o_.replay_recent) {
      recent_.push_back(std::move(p));
      return;
    }
    if (!recent_.empty()) {
      std::swap(recent_[recent_next_], p);  // p is now the evicted one
      recent_next_ = (recent_next_ + 1) % recent_.size();
    }
    ++evicted_;
    if (archive_.size() < o_.replay_archive) {
      archive_.push_back(std::move(p));
    } else if (uint64_t j = Uniform(0, evicted_ - 1); j < archive_.size()) {
      archive_[j] = std::move(p);
    }
  }

  void Replay() {
    int burst = static_cast<int>(Uniform(1, static_cast<uint64_t>(std::max(1, o_.replay_burst))));
    for (int i = 0; i < burst; ++i) {
      bool old = !archive_.empty() && (recent_.empty() || Chance(0.5));
      const std::vector<Packet>& from = old ? archive_ : recent_;
      if (from.empty()) return;
      const Packet& p = from[Uniform(0, from.size() - 1)];
      NodeId to = Chance(0.5) ? p.to : ids_[Uniform(0, ids_.size() - 1)];
      if (!up_[to]) continue;
      Membership& m = *nodes_[to];
      uint64_t before = m.counters().received;
      m.OnHeartbeat(p.hb, now_);
      bool counted = m.counters().received != before;
      ++result_.replays;
      if (!counted) ++result_.replays_refused;
      ReplayNote note{now_, to, m.incarnation(), p.hb, counted};
      note.hb.reachable.clear();
      note.hb.proposal.clear();
      note.hb.installed.members.clear();
      replay_log_[replay_log_next_++ % replay_log_.size()] = std::move(note);
    }
  }


  void Fail(const std::string& what) {
    std::ostringstream s;
    s << "seed " << o_.seed << " at " << now_ << "ms: " << what
      << " (" << o_.nodes << " nodes; rerun: BATON_SIM_SEED=" << o_.seed
      << " build/bin/membership_sim_test --gtest_filter='*Seeded*')\nevents:";
    for (const auto& e : events_) s << "\n  " << e;
    if (result_.replays > 0) {
      s << "\nlast replays (" << result_.replays << " in all, " << result_.replays - result_.replays_refused
        << " counted):";
      for (size_t i = 0; i < replay_log_.size(); ++i) {
        const auto& r = replay_log_[(replay_log_next_ + i) % replay_log_.size()];
        if (!r) continue;
        s << "\n  " << r->at_ms << "ms to n" << r->to << "#" << r->to_incarnation << ": n" << r->hb.sender << "#"
          << r->hb.incarnation << " seq " << r->hb.seq << " link " << r->hb.link << " for n" << r->hb.receiver
          << "#" << r->hb.receiver_incarnation << (r->counted ? " COUNTED" : " refused");
      }
    }
    result_.ok = false;
    result_.failure = s.str();
  }

  // When `n`'s copy of a datagram from `peer` last arrived on `link` in n's
  // current life (replays excluded).
  std::optional<uint64_t> Arrived(NodeId n, NodeId peer, uint32_t link) const {
    auto a = arrived_.find(n);
    if (a == arrived_.end()) return std::nullopt;
    auto b = a->second.find(peer);
    if (b == a->second.end() || link >= b->second.size()) return std::nullopt;
    return b->second[link];
  }
  bool WithinToken(std::optional<uint64_t> at) const { return at && now_ <= *at + o_.token_ms; }

  // 5. Only what was really sent makes a peer count: a node counts a peer
  // up on a link only if a datagram the peer sent there reached this life
  // of the node within token. Replays (to the wrong node, to an earlier
  // life, from a crashed peer, over a cut link) must never keep a peer up.
  bool CheckLinksAreReal(NodeId n) {
    for (NodeId peer : ids_) {
      if (peer == n) continue;
      uint32_t up = nodes_[n]->LinksUp(peer, now_);
      for (uint32_t l = 0; up != 0 && l < static_cast<uint32_t>(o_.links); ++l) {
        if (!(up & (1u << l))) continue;
        auto at = Arrived(n, peer, l);
        if (WithinToken(at)) continue;
        std::ostringstream s;
        s << "n" << n << " counts n" << peer << (up_[peer] ? "" : " (down)") << " up on link " << l
          << " but nothing it sent arrived there ";
        if (at) {
          s << "for " << now_ - *at << "ms";
        } else {
          s << "in this life of n" << n;
        }
        Fail(s.str());
        return false;
      }
    }
    return true;
  }

  // 6. A view is installed only with members really heard within token,
  // so no replay can bring a crashed node (or an earlier life) into one.
  void CheckInstalled(NodeId n) {
    for (NodeId m : nodes_[n]->view().members) {
      if (m == n) continue;
      bool heard = false;
      for (uint32_t l = 0; l < static_cast<uint32_t>(o_.links); ++l) heard = heard || WithinToken(Arrived(n, m, l));
      if (heard) continue;
      std::ostringstream s;
      s << "n" << n << " installed a view with n" << m << (up_[m] ? "" : " (down)")
        << " without having heard it within token";
      Fail(s.str());
      return;
    }
  }

  void Check() {
    std::vector<std::set<NodeId>> quorate;
    std::map<RingId, NodeId> dc_now;
    for (NodeId n : ids_) {
      if (!up_[n]) continue;
      const auto& v = nodes_[n]->view();
      // 1. One ring id, one member set, ever.
      auto [it, inserted] = rings_.emplace(v.ring, v.members);
      if (!inserted && it->second != v.members) {
        std::ostringstream s;
        s << "ring (" << v.ring.representative << "," << v.ring.seq << ") installed with two member sets";
        Fail(s.str());
        return;
      }
      if (!v.members.count(n)) {
        Fail("a node installed a view without itself");
        return;
      }
      if (!CheckLinksAreReal(n)) return;
      bool q = o_.break_quorum || quorum_.at(n).quorate();
      if (q) quorate.push_back(v.members);
      // 3. At most one DC per quorate view.
      auto dc = q ? membership::ElectDc(*nodes_[n]) : std::nullopt;
      if (dc) {
        auto [d, fresh] = dc_now.emplace(v.ring, *dc);
        if (!fresh && d->second != *dc) {
          Fail("two DCs in one view");
          return;
        }
      }
    }
    // 2. No two quorate views with disjoint members at the same time.
    if (o_.two_node) return;
    for (size_t i = 0; i < quorate.size(); ++i) {
      for (size_t j = i + 1; j < quorate.size(); ++j) {
        std::vector<NodeId> common;
        std::set_intersection(quorate[i].begin(), quorate[i].end(), quorate[j].begin(), quorate[j].end(),
                              std::back_inserter(common));
        if (common.empty()) {
          Fail("two quorate views with disjoint members");
          return;
        }
      }
    }
  }

  // 4. After healing, one view with every node.
  void CheckConverged() {
    std::set<NodeId> all(ids_.begin(), ids_.end());
    for (NodeId n : ids_) {
      if (nodes_[n]->view().members != all) {
        std::ostringstream s;
        s << "no single view " << o_.heal_ms << "ms after healing (n" << n << " has "
          << nodes_[n]->view().members.size() << " members)";
        Fail(s.str());
        return;
      }
    }
    RingId ring = nodes_[ids_[0]]->view().ring;
    for (NodeId n : ids_) {
      if (nodes_[n]->view().ring != ring) {
        Fail("healed nodes disagree on the ring id");
        return;
      }
    }
  }

  SimOptions o_;
  std::mt19937_64 rng_;
  std::vector<NodeId> ids_;
  std::map<NodeId, std::unique_ptr<Membership>> nodes_;
  std::map<NodeId, bool> up_;
  std::map<NodeId, uint64_t> incarnations_;
  std::map<NodeId, uint64_t> disk_;  // each node's persisted ring sequence
  std::map<NodeId, quorum::Quorum> quorum_;
  std::map<NodeId, membership::View> seen_view_;
  std::map<NodeId, std::map<NodeId, std::vector<bool>>> link_up_;
  std::vector<Packet> in_flight_;
  // arrived_[to][from][link]: last arrival of a real datagram in to's life.
  std::map<NodeId, std::map<NodeId, std::vector<std::optional<uint64_t>>>> arrived_;
  std::vector<Packet> recent_;  // what the attacker recorded
  size_t recent_next_ = 0;
  std::vector<Packet> archive_;
  uint64_t evicted_ = 0;
  std::array<std::optional<ReplayNote>, 8> replay_log_;
  size_t replay_log_next_ = 0;
  std::map<RingId, std::set<NodeId>> rings_;
  std::vector<std::string> events_;
  uint64_t now_ = 0;
  uint64_t order_ = 0;
  SimResult result_;
};

}  // namespace

SimResult RunMembershipSim(const SimOptions& options) {
  Sim sim(options);
  return sim.Run();
}

}  // namespace baton::sim
