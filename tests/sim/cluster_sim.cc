// The whole-cluster simulation (cluster_sim.h).
#include "tests/sim/cluster_sim.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/cib/cib_xml.h"
#include "lib/control/control.h"

namespace baton::sim {
namespace {

constexpr int64_t kWall0 = 1700000000;  // the simulated wall clock at t=0, in seconds
constexpr uint64_t kTickMs = 20;
constexpr uint64_t kTcpGiveUpMs = 2000;  // an outage this long breaks a peer connection

std::string Config(int promoted_max) {
  return absl::StrCat(R"(<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="true"/>
      <nvpair id="o2" name="no-quorum-policy" value="stop"/>
    </cluster_property_set></crm_config>
    <nodes/>
    <resources>
      <primitive id="fence" class="stonith" type="fence_sim"/>
      <primitive id="vip" class="ocf" provider="baton" type="Dummy">
        <operations><op id="vip-mon" name="monitor" interval="1s" timeout="5s"/></operations>
      </primitive>
      <clone id="db-clone">
        <meta_attributes id="db-meta">
          <nvpair id="db-m1" name="promotable" value="true"/>
          <nvpair id="db-m2" name="promoted-max" value=")",
                      promoted_max, R"("/>
        </meta_attributes>
        <primitive id="db" class="ocf" provider="baton" type="Stateful">
          <operations>
            <op id="db-mon-p" name="monitor" interval="2s" role="Promoted" timeout="5s"/>
            <op id="db-mon-u" name="monitor" interval="3s" role="Unpromoted" timeout="5s"/>
          </operations>
        </primitive>
      </clone>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
)");
}

class MemStorage : public node::Storage {
 public:
  absl::Status SaveRingSeq(uint64_t seq) override {
    if (fail) return absl::ResourceExhaustedError("disk full");
    ring_seq = seq;
    return absl::OkStatus();
  }
  absl::Status SaveAttributes(const std::string& text) override {
    if (fail) return absl::ResourceExhaustedError("disk full");
    attributes = text;
    return absl::OkStatus();
  }
  absl::Status SaveClusterConf(const std::string& text) override {
    conf = text;
    return absl::OkStatus();
  }
  absl::Status SetAsideClusterConf() override { return absl::OkStatus(); }

  uint64_t ring_seq = 0;
  std::string attributes, conf;
  bool fail = false;
};

// A node's agents: Dummy (running or not) and Stateful (unpromoted or
// promoted), each run taking `delay` of simulated time.
class SimAgents : public process::ProcessRunner {
 public:
  explicit SimAgents(const uint64_t* now) : now_(now) {}

  Handle Start(const process::ProcessSpec& spec) override {
    Handle h = next_++;
    uint64_t delay = slow ? 1500 : 20;
    running_.push_back({h, *now_ + delay, spec});
    return h;
  }

  std::vector<std::pair<Handle, process::ProcessResult>> Collect() override {
    std::vector<std::pair<Handle, process::ProcessResult>> done;
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->done_at > *now_) {
        ++it;
        continue;
      }
      process::ProcessResult r;
      r.exit_code = Run(it->spec);
      done.push_back({it->handle, r});
      it = running_.erase(it);
    }
    return done;
  }

  // What runs here: resource instance -> promoted.
  std::map<std::string, bool> active;
  bool slow = false;
  // Promotion scores the agent sets (crm_master), applied by the simulation.
  std::vector<std::pair<std::string, std::optional<std::string>>> scores;

 private:
  struct Proc {
    Handle handle;
    uint64_t done_at;
    process::ProcessSpec spec;
  };

  int Run(const process::ProcessSpec& spec) {
    const std::string& action = spec.argv.size() > 1 ? spec.argv[1] : "";
    auto inst_it = spec.env.find("OCF_RESOURCE_INSTANCE");
    std::string inst = inst_it == spec.env.end() ? "" : inst_it->second;
    bool stateful = spec.program.size() >= 8 && spec.program.compare(spec.program.size() - 8, 8, "Stateful") == 0;
    std::string base = inst.substr(0, inst.find(':'));
    auto it = active.find(inst);
    bool on = it != active.end();
    bool promoted = on && it->second;
    if (action == "start") {
      active[inst] = false;
      if (stateful) scores.push_back({"master-" + base, "5"});
      return 0;
    }
    if (action == "stop") {
      active.erase(inst);
      if (stateful) scores.push_back({"master-" + base, std::nullopt});
      return 0;
    }
    if (action == "promote") {
      if (!on) return 7;
      active[inst] = true;
      scores.push_back({"master-" + base, "10"});
      return 0;
    }
    if (action == "demote") {
      if (!on) return 7;
      active[inst] = false;
      scores.push_back({"master-" + base, "5"});
      return 0;
    }
    if (action == "monitor") {
      if (!on) return 7;
      return promoted ? 8 : 0;
    }
    return 0;  // meta-data, validate-all ...
  }

  const uint64_t* now_;
  Handle next_ = 1;
  std::vector<Proc> running_;
};

class Sim {
 public:
  explicit Sim(const ClusterSimOptions& o) : o_(o), rng_(o.seed) {
    n_ = o.nodes > 0 ? o.nodes : 2 + Pick(6);
    config_.cluster_name = "sim";
    config_.two_node = n_ == 2;
    for (int i = 1; i <= n_; ++i) {
      config::NodeEntry e;
      e.nodeid = static_cast<uint32_t>(i);
      e.name = Name(i);
      e.ring_addrs = {absl::StrCat("198.18.0.", i), absl::StrCat("198.19.0.", i)};
      config_.nodes.push_back(e);
    }
    cib_text_ = Config(1);
    nodes_.resize(static_cast<size_t>(n_) + 1);
    for (int i = 1; i <= n_; ++i) {
      auto& s = nodes_[static_cast<size_t>(i)];
      s.agents = std::make_unique<SimAgents>(&now_);
      s.cib = std::make_unique<cib::MemoryCibStore>();
      s.storage = std::make_unique<MemStorage>();
    }
    // The configuration every node starts with (as if loaded once).
    for (int i = 1; i <= n_; ++i) {
      cib::StoredCib c;
      c.version = {0, 1, 0};
      c.config = cib_text_;
      (void)S(i).cib->Save(c);
    }
    for (int i = 1; i <= n_; ++i) Start(i);
  }

  ClusterSimResult Random() {
    for (int step = 0; step < o_.steps && result_.ok; ++step) {
      int r = Pick(1000);
      int i = 1 + Pick(n_);
      if (!o_.faults) {
        // no faults: time only
      } else if (r < 15) {
        PowerOff(i, "fault");
      } else if (r < 40) {
        if (!S(i).powered) PowerOn(i, Pick(4) == 0);
      } else if (r < 48) {
        if (S(i).node && S(i).node->finished().empty()) Stop(i);
      } else if (r < 56) {
        if (S(i).powered && !S(i).node) StartDaemon(i);
      } else if (r < 66) {
        for (int k = 1; k <= n_; ++k) S(k).group = Pick(2);
        Trace("partition");
      } else if (r < 80) {
        for (int k = 1; k <= n_; ++k) S(k).group = 0;
        cut_.clear();
        Trace("heal");
      } else if (r < 88) {
        int j = 1 + Pick(n_);
        if (j != i) {
          cut_.insert({std::min(i, j), std::max(i, j), Pick(2)});
          ++topology_;
          Trace(absl::StrCat("cut ring", 0, " between ", Name(i), " and ", Name(j)));
        }
      } else if (r < 94) {
        S(i).agents->slow = !S(i).agents->slow;
      } else if (r < 110) {
        ChangeConfig(i);
      } else if (r < 130) {
        SetAttribute(i, 1 + Pick(n_));
      } else if (r < 134) {
        OperatorFence(i, 1 + Pick(n_), static_cast<uint64_t>(Pick(300)), static_cast<uint64_t>(Pick(2500)));
      }
      Run(static_cast<uint64_t>(50 + Pick(300)));
    }
    return Settle();
  }

  // A node leaves cleanly, then every other node's baton-crmd restarts,
  // one after the other (a rolling restart): in the end the DC is a node
  // that learnt of the clean leave only from the others.
  ClusterSimResult CleanLeaveThenDcRestarts() {
    Run(15000);
    Stop(n_);
    Run(8000);
    Expect(!S(n_).node && S(n_).clean, Name(n_) + " stopped cleanly");
    for (int i = 1; i < n_ && result_.ok; ++i) {
      Stop(i);  // systemctl restart baton-crmd: a clean stop, then a start
      Run(6000);
      Expect(!S(i).node, Name(i) + " stopped");
      StartDaemon(i);
      Run(6000);
    }
    Run(15000);
    return result_;
  }

  ClusterSimResult OperatorFence() {
    Run(15000);
    // The DC's peer fenced from a third node; the agent confirms 1.5 s
    // after the power went off, long after the membership noticed.
    OperatorFence(3, 2, 200, 1700);
    Run(20000);
    if (result_.ok) PowerOn(2, false);
    Run(15000);
    return result_;
  }

 private:
  struct SimNode {
    bool powered = false;
    int boot = 0;
    int group = 0;
    bool clean = false;  // its daemon stopped after a clean leave, nothing runs
    uint64_t clean_at = 0;
    uint64_t stop_topology = 0;  // the network's shape when the clean stop began
    uint64_t incarnation = 0;    // of its running baton-crmd
    std::unique_ptr<node::Node> node;
    std::unique_ptr<SimAgents> agents;
    std::unique_ptr<cib::MemoryCibStore> cib;
    std::unique_ptr<MemStorage> storage;
    std::deque<std::string> control;  // replies to the operator, by arrival
  };
  struct Msg {
    uint64_t incarnation = 0;  // the sender's (the transport delivers only the live one's)
    uint64_t sent = 0;
    uint64_t at = 0;
    int from = 0, to = 0;
    int from_boot = 0, to_boot = 0;
    bool heartbeat = false;
    uint32_t link = 0;
    membership::Heartbeat hb;
    std::string payload;
  };
  struct Fence {
    uint64_t requested = 0;
    uint64_t at = 0;
    int by = 0, by_boot = 0;
    uint64_t id = 0;
    std::string target, action;
  };
  struct OperatorFencing {
    uint64_t off_at = 0, done_at = 0;
    int by = 0, by_boot = 0, target = 0;
    uint64_t life = 0;
    bool off = false;
  };
  struct FenceRecord {
    uint64_t at = 0;
    int by = 0;
    int target_boot = 0;
  };

  static std::string Name(int i) { return absl::StrCat("n", i); }
  SimNode& S(int i) { return nodes_[static_cast<size_t>(i)]; }
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  int IndexOf(const std::string& name) {
    int i = 0;
    return absl::SimpleAtoi(name.substr(1), &i) ? i : 0;
  }

  void Fail(const std::string& why) {
    if (!result_.ok) return;
    result_.ok = false;
    std::ostringstream out;
    out << "seed " << o_.seed << " (" << n_ << " nodes; rerun with BATON_SIM_SEED=" << o_.seed << "), t=" << now_
        << " ms: " << why << "\nlast events:\n";
    // BATON_SIM_TRACE sets how many of the last events to show (default 60).
    const char* lines_env = std::getenv("BATON_SIM_TRACE");
    size_t lines = lines_env ? std::strtoul(lines_env, nullptr, 10) : 60;
    size_t from = trace_.size() > lines ? trace_.size() - lines : 0;
    for (size_t i = from; i < trace_.size(); ++i) out << "  " << trace_[i] << "\n";
    result_.failure = out.str();
  }
  void Expect(bool ok, const std::string& what) {
    if (!ok) Fail("expected: " + what);
  }
  void Trace(const std::string& line) {
    trace_.push_back(absl::StrCat("t=", now_, " ", line));
    if (trace_.size() > 2000) trace_.erase(trace_.begin(), trace_.begin() + 1000);
  }

  // --- nodes ---------------------------------------------------------------

  void PowerOn(int i, bool lose_disk) {
    SimNode& s = S(i);
    if (s.powered) return;
    if (lose_disk) {
      // A disk that held the only copy of the newest committed change takes
      // it along: that is two faults, not a lost commit.
      int elsewhere = 0;
      for (int k = 1; k <= n_; ++k) {
        if (k == i) continue;
        auto stored = S(k).cib->Load();
        if (stored.ok() && *stored) elsewhere = std::max(elsewhere, Marker((*stored)->config));
      }
      if (elsewhere < committed_) {
        Trace(absl::StrCat("the only copy of sim-marker=", committed_, " was on ", Name(i), "'s disk"));
        committed_ = elsewhere;
      }
      s.cib = std::make_unique<cib::MemoryCibStore>();
      s.storage = std::make_unique<MemStorage>();
    }
    Trace(absl::StrCat("power on ", Name(i), lose_disk ? " (disk lost)" : ""));
    s.powered = true;
    ++s.boot;
    s.agents = std::make_unique<SimAgents>(&now_);
    StartDaemon(i);
  }

  void Start(int i) {
    S(i).powered = true;
    ++S(i).boot;
    StartDaemon(i);
  }

  void StartDaemon(int i) {
    SimNode& s = S(i);
    node::NodeOptions no;
    no.config = config_;
    no.self = static_cast<uint32_t>(i);
    no.incarnation = ++incarnations_;
    s.incarnation = no.incarnation;
    no.persisted_seq = s.storage->ring_seq;
    no.permanent_attributes = s.storage->attributes;
    no.executor.baton_agents_dir = "/sim/agents";
    no.executor.is_executable = [](const std::string&) { return true; };
    no.controller.startup_wait_ms = 10000;
    no.unsafe_skip_fencing = o_.unsafe_skip_fencing;
    no.unsafe_drop_attribute_updates = o_.unsafe_drop_attribute_updates;
    no.unsafe_writer_without_quorum = o_.unsafe_dc_without_quorum;
    no.unsafe_forget_lives = o_.unsafe_forget_lives;
    no.unsafe_ignore_fenced_lives = o_.unsafe_ignore_fenced_lives;
    auto n = node::Node::Create(std::move(no), s.cib.get(), s.storage.get(), s.agents.get(), now_,
                                kWall0 + static_cast<int64_t>(now_ / 1000));
    if (!n.ok()) {
      Fail(absl::StrCat(Name(i), " does not start: ", n.status().message()));
      return;
    }
    s.node = *std::move(n);
    s.clean = false;
    Trace("start " + Name(i));
  }

  void PowerOff(int i, const std::string& why) {
    SimNode& s = S(i);
    if (!s.powered) return;
    Trace(absl::StrCat("power off ", Name(i), " (", why, ")"));
    s.powered = false;
    s.node.reset();
    s.agents->active.clear();
    s.clean = false;
  }

  // kill -9 of baton-crmd: what runs keeps running (KillMode=process).
  void KillDaemon(int i) {
    Trace("kill -9 baton-crmd on " + Name(i));
    S(i).node.reset();
  }

  void Stop(int i) {
    if (!S(i).node) return;
    Trace("crm cluster stop on " + Name(i));
    // Clean only if every running member can hear it leave.
    bool heard = true;
    for (int k = 1; k <= n_; ++k) heard = heard && (!S(k).node || Connected(i, k));
    S(i).stop_topology = heard ? topology_ : UINT64_MAX;
    S(i).node->BeginShutdown(now_, Wall());
  }

  int64_t Wall() const { return kWall0 + static_cast<int64_t>(now_ / 1000); }

  // --- the operator -----------------------------------------------------------

  // A request at node i; its reply if it came at once (errors included).
  std::optional<control::ControlReply> Ask(int i, const control::ControlRequest& req) {
    if (!S(i).node) return std::nullopt;
    uint64_t client = ++client_;
    asking_ = client;
    S(i).node->OnControl(client, req, now_);
    Collect(i);
    auto it = replies_.find(client);
    if (it == replies_.end()) return std::nullopt;
    control::ControlReply r = std::move(it->second);
    replies_.erase(it);
    return r;
  }

  void ChangeConfig(int i) {
    auto reply = Ask(i, control::request::Cib(/*configuration_only=*/true));
    if (!reply || reply->code() != 0) return;
    auto c = cib::ParseCibXml(reply->text());
    if (!c.ok()) return;
    int marker = ++marker_;
    bool set = false;
    for (auto& s : c->configuration.crm_config) {
      for (auto& p : s.pairs) {
        if (p.name == "sim-marker") {
          p.value = std::to_string(marker);
          set = true;
        }
      }
    }
    if (!set && !c->configuration.crm_config.empty()) {
      c->configuration.crm_config.front().pairs.push_back({"o-marker", "sim-marker", std::to_string(marker)});
    }
    uint64_t client = ++client_;
    pending_markers_[client] = marker;
    Trace(absl::StrCat("operator on ", Name(i), ": sim-marker=", marker));
    S(i).node->OnControl(client,
                         control::request::CibReplace(c->version.admin_epoch, c->version.epoch,
                                                      c->version.num_updates, cib::WriteCibXml(*c)),
                         now_);
  }

  // crm_attribute -l reboot for a member (a transient attribute of a node
  // that is down goes when it joins, in Pacemaker as here: not exercised).
  void SetAttribute(int i, int about) {
    if (!S(i).node || !S(i).node->membership().view().members.count(static_cast<uint32_t>(about))) return;
    std::string value = std::to_string(Pick(100));
    Trace(absl::StrCat("operator on ", Name(i), ": attr sim-", about % 2, " of ", Name(about), " = ", value));
    (void)Ask(i, control::request::AttrSet(Name(about), absl::StrCat("sim-", about % 2), value, control::REBOOT));
  }

  // crm node fence TARGET on node i: announce it, and let the agent power
  // the target off after `off_ms` and report success after `done_ms` (a
  // real agent confirms the power state, which can take longer than the
  // membership needs to notice the node gone).
  void OperatorFence(int i, int target, uint64_t off_ms, uint64_t done_ms) {
    if (i == target || !S(i).node) return;
    auto inc = Ask(i, control::request::FenceBegin(Name(target), 5000));
    if (!inc || inc->code() != 0) return;
    Trace(absl::StrCat("operator on ", Name(i), ": crm node fence ", Name(target)));
    operator_fences_.push_back(
        {now_ + off_ms, now_ + std::max(off_ms, done_ms), i, S(i).boot, target, inc->incarnation(), false});
  }

  void PumpOperatorFences() {
    for (auto it = operator_fences_.begin(); it != operator_fences_.end();) {
      if (!it->off && now_ >= it->off_at) {
        ExecuteFence(it->by, Name(it->target), "reboot", now_, /*by_operator=*/true);
        it->off = true;
      }
      if (now_ < it->done_at) {
        ++it;
        continue;
      }
      // The CLI reports to its own node's baton-crmd, if it still runs.
      if (it->life != 0 && S(it->by).boot == it->by_boot) {
        (void)Ask(it->by, control::request::FenceEnd(Name(it->target), it->life, /*fenced=*/true));
      }
      it = operator_fences_.erase(it);
    }
  }

  // A fencing that completes: checks invariants 5 and 6, powers the target off.
  void ExecuteFence(int by, const std::string& target_name, const std::string& action, uint64_t requested,
                    bool by_operator) {
    int t = IndexOf(target_name);
    if (t < 1 || t > n_) return;
    ++result_.fencings;
    SimNode& target = S(t);
    if (target.clean && target.powered && !by_operator && requested > target.clean_at) {
      Fail(absl::StrCat(Name(by), " fenced ", target_name, ", which had left the cluster cleanly"));
      return;
    }
    auto last = fenced_.find(t);
    if (last != fenced_.end() && !by_operator && !target.powered && last->second.target_boot == target.boot &&
        Connected(by, last->second.by) && ConnectedSince(by, last->second.by) + 3000 <= last->second.at &&
        requested > last->second.at + 300) {
      Fail(absl::StrCat(Name(by), " fenced ", target_name, " again for the loss that ", Name(last->second.by),
                        " fenced at t=", last->second.at));
      return;
    }
    Trace(absl::StrCat(Name(by), " fences ", target_name, " (", action, ")"));
    PowerOff(t, "fenced by " + Name(by));
    fenced_[t] = {now_, by, target.boot};
  }

  // --- the network --------------------------------------------------------------

  bool Connected(int a, int b) {
    if (a == b) return true;
    return S(a).powered && S(b).powered && S(a).group == S(b).group;
  }
  uint64_t ConnectedSince(int a, int b) {
    if (a == b) return 0;
    auto it = connected_since_.find({std::min(a, b), std::max(a, b)});
    return it == connected_since_.end() ? UINT64_MAX - 10000 : it->second;
  }
  bool LinkUp(int a, int b, uint32_t link) {
    if (!Connected(a, b)) return false;
    return !cut_.count({std::min(a, b), std::max(a, b), static_cast<int>(link)});
  }

  void NoteConnectivity() {
    for (int a = 1; a <= n_; ++a) {
      for (int b = a + 1; b <= n_; ++b) {
        bool c = Connected(a, b);
        auto key = std::make_pair(a, b);
        bool was = was_connected_[key];
        if (c && !was) connected_since_[key] = now_;
        if (!c) connected_since_[key] = UINT64_MAX - 10000;
        if (c != was) ++topology_;
        was_connected_[key] = c;
      }
    }
  }

  // Takes node i's outputs into the network, fencer and operator.
  void Collect(int i) {
    SimNode& s = S(i);
    if (!s.node) return;
    node::Outputs out = s.node->TakeOutputs();
    for (const auto& line : out.log) Trace(Name(i) + ": " + line);
    for (const auto& hb : out.heartbeats) {
      int to = static_cast<int>(hb.receiver);
      for (uint32_t l = 0; l < 2; ++l) {
        Msg m;
        m.at = now_ + 1 + static_cast<uint64_t>(Pick(8));
        m.from = i;
        m.to = to;
        m.from_boot = s.boot;
        m.to_boot = S(to).boot;
        m.heartbeat = true;
        m.link = l;
        m.hb = hb;
        m.hb.link = l;
        if (Pick(100) < 2) continue;  // lost
        net_.push_back(std::move(m));
      }
    }
    for (auto& p : out.peers) {
      Msg m;
      int to = static_cast<int>(p.to);
      m.sent = now_;
      m.incarnation = s.incarnation;
      auto& last = last_peer_at_[{i, to}];
      m.at = std::max(last, now_ + 1 + static_cast<uint64_t>(Pick(20)));
      last = m.at;
      m.from = i;
      m.to = to;
      m.from_boot = s.boot;
      m.to_boot = S(to).boot;
      m.payload = std::move(p.payload);
      net_.push_back(std::move(m));
    }
    for (const auto& f : out.fences) {
      fences_.push_back({now_, now_ + static_cast<uint64_t>(f.delay_ms) + 100 + static_cast<uint64_t>(Pick(200)), i,
                         s.boot, f.id, f.target, f.action});
    }
    for (const auto& r : out.replies) {
      auto marker = pending_markers_.find(r.client);
      if (marker != pending_markers_.end()) {
        if (r.reply.code() == 0) {
          committed_ = std::max(committed_, marker->second);
          ++result_.commits;
          const auto& v = r.reply.version();
          Trace(absl::StrCat("committed sim-marker=", marker->second, " (", v.admin_epoch(), ".", v.epoch(), ".",
                             v.num_updates(), ")"));
        }
        pending_markers_.erase(marker);
        continue;
      }
      if (r.client == asking_) replies_[r.client] = r.reply;
    }
    // Promotion scores the agents set through crm_master.
    for (auto& [name, value] : s.agents->scores) {
      control::ControlRequest req = value ? control::request::AttrSet(Name(i), name, *value, control::REBOOT)
                                          : control::request::AttrDelete(Name(i), name, control::REBOOT);
      uint64_t client = ++client_;
      s.node->OnControl(client, req, now_);
    }
    s.agents->scores.clear();
    if (!s.node->finished().empty()) {
      Trace(absl::StrCat(Name(i), " baton-crmd ends: ", s.node->finished()));
      // A clean leave that every member saw: nothing ran any more, and the
      // network did not change while it left.
      bool clean = s.node->finished() == "shutdown complete" && s.agents->active.empty() &&
                   s.stop_topology == topology_;
      s.node.reset();
      s.clean = clean;
      s.clean_at = now_;
    }
  }

  // Heartbeats are datagrams: lost when the link is down. Peer messages go
  // over TCP: a short outage delays them (retransmission); one that lasts
  // breaks the connection and loses what was in flight, as does a restart
  // of either end.
  void Deliver(Msg& m) {
    SimNode& to = S(m.to);
    if (!to.node || to.boot != m.to_boot || S(m.from).boot != m.from_boot) return;
    if (m.heartbeat) {
      if (!LinkUp(m.from, m.to, m.link)) return;
      to.node->OnHeartbeat(m.hb, Name(m.from), now_);
    } else if (Connected(m.from, m.to)) {
      if (to.node->membership().PeerIncarnation(static_cast<uint32_t>(m.from)) != m.incarnation) return;
      to.node->OnPeerMessage(static_cast<uint32_t>(m.from), m.payload, now_);
    } else if (now_ < m.sent + kTcpGiveUpMs) {
      // Retransmitted later; what the sender queued behind it stays behind.
      m.at = now_ + 50;
      for (auto& other : net_) {
        if (!other.heartbeat && other.from == m.from && other.to == m.to) other.at = std::max(other.at, m.at);
      }
      auto& last = last_peer_at_[{m.from, m.to}];
      last = std::max(last, m.at);
      requeued_.push_back(std::move(m));
    }
  }

  void Run(uint64_t ms) {
    uint64_t until = now_ + ms;
    while (now_ < until && result_.ok) {
      now_ += kTickMs;
      NoteConnectivity();
      // Peer connections break with a partition: what was in flight is lost.
      std::stable_sort(net_.begin(), net_.end(), [](const Msg& a, const Msg& b) { return a.at < b.at; });
      std::vector<Msg> due;
      while (!net_.empty() && net_.front().at <= now_) {
        due.push_back(std::move(net_.front()));
        net_.pop_front();
      }
      for (auto& m : due) Deliver(m);
      // Before what the same pair sent later (the sort below is stable).
      net_.insert(net_.begin(), std::make_move_iterator(requeued_.begin()), std::make_move_iterator(requeued_.end()));
      requeued_.clear();
      for (auto it = fences_.begin(); it != fences_.end();) {
        if (it->at > now_) {
          ++it;
          continue;
        }
        Fence f = *it;
        it = fences_.erase(it);
        if (!S(f.by).node || S(f.by).boot != f.by_boot) continue;  // the fencing node died meanwhile
        ExecuteFence(f.by, f.target, f.action, f.requested, /*by_operator=*/false);
        if (S(f.by).node) S(f.by).node->OnFenceResult(f.id, true, "success", now_);
      }
      PumpOperatorFences();
      for (int i = 1; i <= n_; ++i) {
        if (!S(i).node) continue;
        S(i).node->Tick(now_, Wall());
        Collect(i);
      }
      Check();
    }
  }

  // --- invariants -----------------------------------------------------------------

  void Check() {
    if (!result_.ok) return;
    std::map<std::string, int> active;
    int promoted = 0;
    for (int i = 1; i <= n_; ++i) {
      if (!S(i).powered) continue;
      for (const auto& [inst, p] : S(i).agents->active) {
        if (inst != "db") ++active[inst];  // db is a clone (its instances run as "db")
        promoted += p ? 1 : 0;
      }
    }
    for (const auto& [rsc, count] : active) {
      if (count > 1) return Fail(absl::StrCat(rsc, " active on ", count, " powered nodes"));
    }
    if (promoted > 1) return Fail(absl::StrCat(promoted, " promoted instances"));
    // Invariant 3: a serving DC holds the newest committed change.
    for (int i = 1; i <= n_; ++i) {
      if (!S(i).node || !S(i).node->replica().serving()) continue;
      int have = Marker(S(i).node->replica().current().config);
      if (have < committed_) {
        return Fail(absl::StrCat(Name(i), " serves the CIB without the committed sim-marker=", committed_,
                                 " (it has ", have, ")"));
      }
    }
  }

  static int Marker(const std::string& config) {
    auto at = config.find("name=\"sim-marker\" value=\"");
    if (at == std::string::npos) return 0;
    int v = 0;
    std::string rest = config.substr(at + 25);
    (void)absl::SimpleAtoi(rest.substr(0, rest.find('"')), &v);
    return v;
  }

  ClusterSimResult Settle() {
    if (!result_.ok) return result_;
    Trace("heal: every node powered on and connected");
    cut_.clear();
    for (int i = 1; i <= n_; ++i) {
      S(i).group = 0;
      S(i).agents->slow = false;
      if (!S(i).powered) PowerOn(i, false);
      else if (!S(i).node) StartDaemon(i);
    }
    // Shutdowns under way end (30 s at most) and late fencings happen;
    // what is down then comes back, as a rebooted node does.
    Run(2000);
    for (int round = 0; round < 4 && result_.ok; ++round) {
      bool all_up = true;
      for (int i = 1; i <= n_; ++i) all_up = all_up && S(i).node && S(i).node->finished().empty();
      if (all_up && round > 0) break;
      Run(31000);  // a clean stop under way ends within 30 s
      for (int i = 1; i <= n_; ++i) {
        if (!S(i).powered) PowerOn(i, false);
        else if (!S(i).node) StartDaemon(i);
      }
    }
    Run(25000);
    if (!result_.ok) return result_;
    for (int i = 1; i <= n_; ++i) {
      if (!S(i).node) return Fail(absl::StrCat(Name(i), " is not running after healing")), result_;
      if (S(i).node->membership().view().members.size() != static_cast<size_t>(n_)) {
        return Fail(absl::StrCat(Name(i), " sees ", S(i).node->membership().view().members.size(), " members")), result_;
      }
      int have = Marker(S(i).node->replica().current().config);
      if (have < committed_) {
        return Fail(absl::StrCat(Name(i), " lost the committed sim-marker=", committed_, " (has ", have, ")")),
               result_;
      }
    }
    int vip = 0, db = 0, promoted = 0;
    for (int i = 1; i <= n_; ++i) {
      for (const auto& [inst, p] : S(i).agents->active) {
        vip += inst == "vip";
        db += inst.rfind("db", 0) == 0;
        promoted += p;
      }
    }
    if (vip != 1) return Fail(absl::StrCat("after healing vip runs on ", vip, " nodes")), result_;
    if (db != n_ || promoted != 1) {
      return Fail(absl::StrCat("after healing db runs ", db, " times (", n_, " wanted), ", promoted, " promoted")),
             result_;
    }
    // Invariant 4: the members agree on the transient attributes.
    const auto& first = S(1).node->attributes().transient();
    for (int i = 2; i <= n_; ++i) {
      if (S(i).node->attributes().transient() != first) {
        auto show = [](const attrd::AttributeStore::Table& t) {
          std::string out;
          for (const auto& [node, attrs] : t) {
            for (const auto& [k, v] : attrs) absl::StrAppend(&out, " ", node, ":", k, "=", v);
          }
          return out;
        };
        return Fail(absl::StrCat(Name(i), " and n1 disagree on the transient attributes:\n  ", Name(i), ":",
                                 show(S(i).node->attributes().transient()), "\n  n1:", show(first))),
               result_;
      }
    }
    return result_;
  }

  ClusterSimOptions o_;
  std::mt19937_64 rng_;
  int n_ = 3;
  config::ClusterConfig config_;
  std::string cib_text_;
  std::vector<SimNode> nodes_;
  uint64_t now_ = 0;
  uint64_t incarnations_ = 1000;
  std::deque<Msg> net_;
  std::vector<Msg> requeued_;
  std::map<std::pair<int, int>, uint64_t> last_peer_at_;
  std::set<std::tuple<int, int, int>> cut_;  // (a, b, link)
  std::vector<Fence> fences_;
  std::vector<OperatorFencing> operator_fences_;
  std::map<int, FenceRecord> fenced_;
  std::map<std::pair<int, int>, uint64_t> connected_since_;
  std::map<std::pair<int, int>, bool> was_connected_;
  std::map<uint64_t, control::ControlReply> replies_;
  std::map<uint64_t, int> pending_markers_;
  uint64_t client_ = 0;
  uint64_t asking_ = 0;  // the operator's request waiting for its reply
  uint64_t topology_ = 0;  // raised by every change of who reaches whom
  int marker_ = 0;
  int committed_ = 0;
  std::vector<std::string> trace_;
  ClusterSimResult result_;

 public:
  int nodes() const { return n_; }
};

}  // namespace

ClusterSimResult RunClusterSim(const ClusterSimOptions& options) {
  Sim s(options);
  ClusterSimResult r = s.Random();
  r.nodes = s.nodes();
  return r;
}

ClusterSimResult RunCleanLeaveThenDcRestarts(const ClusterSimOptions& options) {
  ClusterSimOptions o = options;
  o.nodes = 5;
  Sim s(o);
  return s.CleanLeaveThenDcRestarts();
}

ClusterSimResult RunOperatorFence(const ClusterSimOptions& options) {
  ClusterSimOptions o = options;
  o.nodes = 3;
  Sim s(o);
  return s.OperatorFence();
}

}  // namespace baton::sim
