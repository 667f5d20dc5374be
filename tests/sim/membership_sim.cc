// The membership simulation (see membership_sim.h).
#include "tests/sim/membership_sim.h"

#include <algorithm>
#include <map>
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
      for (NodeId n : ids_) {
        if (!up_[n]) continue;
        auto hb = nodes_[n]->Tick(now_);
        disk_[n] = nodes_[n]->max_seq();  // persisted before anything is sent
        quorum::Quorum& q = quorum_.at(n);
        if (!(nodes_[n]->view() == seen_view_[n])) {
          seen_view_[n] = nodes_[n]->view();
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
    for (const Packet& p : due) {
      if (up_[p.to]) nodes_[p.to]->OnHeartbeat(p.hb, now_);
    }
  }


  void Fail(const std::string& what) {
    std::ostringstream s;
    s << "seed " << o_.seed << " at " << now_ << "ms: " << what
      << " (" << o_.nodes << " nodes; rerun: BATON_SIM_SEED=" << o_.seed
      << " build/bin/membership_sim_test --gtest_filter='*Seeded*')\nevents:";
    for (const auto& e : events_) s << "\n  " << e;
    result_.ok = false;
    result_.failure = s.str();
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
      bool q = o_.break_quorum || quorum_.at(n).quorate();
      if (q) quorate.push_back(v.members);
      // 3. At most one DC per quorate view.
      auto dc = membership::ElectDc(nodes_[n]->ReadyMembers(), q);
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
