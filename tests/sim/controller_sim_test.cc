// Seeded simulation of the controllers (crmd/transition/controller.h) of a
// 3-node cluster running a floating resource with a fencing device: nodes
// lose power and come back, partitions come and go, messages are delayed
// and reordered. Executors and the fencer are simulated: a start makes the
// resource run on that node, power-off (fencing or fault) ends everything
// on it. After every step: the resource never runs on two powered nodes at
// once — so recovery never started before the old node was fenced — and at
// the end, healed and quiet, it runs on exactly one node.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crmd/attrd/attrd.h"
#include "crmd/cib/cib_xml.h"
#include "crmd/transition/controller.h"

namespace baton::transition {
namespace {

constexpr char kConfig[] = R"(<cib admin_epoch="0" epoch="3" num_updates="0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="true"/>
      <nvpair id="o2" name="no-quorum-policy" value="stop"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"/></nodes>
    <resources>
      <primitive id="fence" class="stonith" type="fence_sim"/>
      <primitive id="vip" class="ocf" provider="baton" type="Dummy">
        <operations><op id="vip-mon" name="monitor" interval="1s" timeout="5s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
)";

struct SimOptions {
  uint64_t seed = 1;
  int steps = 2500;
  bool lying_fencer = false;  // mutation: reports success without powering off
};

struct SimResult {
  bool ok = true;
  std::string failure;
  int fencings = 0;
  int starts = 0;
};

class Sim {
 public:
  explicit Sim(const SimOptions& o) : o_(o), rng_(o.seed), config_(*cib::ParseCibXml(kConfig)) {
    for (int i = 1; i <= 3; ++i) {
      std::string n = "n" + std::to_string(i);
      names_.push_back(n);
      group_[n] = 0;
      PowerOn(n);
    }
    NewViews();
  }

  SimResult Run() {
    for (int step = 0; step < o_.steps && result_.ok; ++step) {
      int r = Pick(100);
      if (r < 2) {
        PowerOff(names_[static_cast<size_t>(Pick(3))], "fault");
      } else if (r < 4) {
        std::string n = names_[static_cast<size_t>(Pick(3))];
        if (!powered_[n]) {
          PowerOn(n);
          NewViews();
        }
      } else if (r < 6) {
        for (auto& [n, g] : group_) g = Pick(2);
        NewViews();
      } else if (r < 9) {
        for (auto& [n, g] : group_) g = 0;
        NewViews();
      } else if (r < 60) {
        Tick();
      } else {
        DeliverOne();
      }
      Check();
    }
    if (!result_.ok) return result_;
    // Heal, power everything on, settle.
    for (auto& [n, g] : group_) g = 0;
    for (const auto& n : names_) {
      if (!powered_[n]) PowerOn(n);
    }
    NewViews();
    for (int i = 0; i < 20000 && result_.ok; ++i) {
      if (events_.empty()) Tick();
      else DeliverOne();
      Check();
    }
    int running = 0;
    for (const auto& n : names_) running += powered_[n] && vip_on_[n] ? 1 : 0;
    if (result_.ok && running != 1) Fail("after healing, vip runs on " + std::to_string(running) + " nodes");
    return result_;
  }

 private:
  // A message or a completion in flight, delivered in (mostly) random order.
  struct Event {
    enum Kind { kExec, kDone, kPending, kResult, kFenceDone, kHistoryQuery, kHistory, kFenced };
    Kind kind = kExec;
    std::string from, to;  // nodes; for kFenceDone `to` is the DC, `target` the victim
    uint64_t graph = 0;
    int action = 0;
    GraphAction op;
    OpResultRecord result;
    std::vector<OpResultRecord> history;
    std::string target;
    bool ok = false;
    int boot = 0;  // the receiver's boot count when sent: a rebooted node never gets it
  };

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  static Event Make(Event::Kind kind, const std::string& from, const std::string& to) {
    Event e;
    e.kind = kind;
    e.from = from;
    e.to = to;
    return e;
  }

  void Fail(const std::string& why) {
    if (!result_.ok) return;
    result_.ok = false;
    std::ostringstream o;
    o << "seed " << o_.seed << " (rerun with BATON_SIM_SEED=" << o_.seed << "), t=" << now_ << " ms: " << why
      << "\nlast events:\n";
    size_t from = trace_.size() > 40 ? trace_.size() - 40 : 0;
    for (size_t i = from; i < trace_.size(); ++i) o << "  " << trace_[i] << "\n";
    result_.failure = o.str();
  }
  void Trace(const std::string& line) { trace_.push_back("t=" + std::to_string(now_) + " " + line); }

  void PowerOn(const std::string& n) {
    Trace("power on " + n);
    powered_[n] = true;
    ++boot_[n];
    vip_on_[n] = false;
    fence_running_[n] = false;
    own_[n] = StatusTable();
    ControllerOptions co;
    co.self = n;
    co.nodes = {{"1", "n1"}, {"2", "n2"}, {"3", "n3"}};
    co.startup_wait_ms = 0;
    controllers_[n] = std::make_unique<Controller>(co, &attrs_, now_);
    controllers_[n]->OnConfig(config_);
  }

  void PowerOff(const std::string& n, const std::string& why) {
    if (!powered_[n]) return;
    Trace("power off " + n + " (" + why + ")");
    powered_[n] = false;
    vip_on_[n] = false;
    controllers_[n].reset();
    NewViews();
  }

  void NewViews() {
    std::map<int, std::set<std::string>> groups;
    for (const auto& n : names_) {
      if (powered_[n]) groups[group_[n]].insert(n);
    }
    for (const auto& [g, members] : groups) {
      bool quorate = members.size() * 2 > names_.size();
      std::string list;
      for (const auto& m : members) list += m + " ";
      Trace("view [ " + list + "]" + (quorate ? " quorate" : ""));
      for (const auto& m : members) controllers_[m]->OnView(members, *members.begin(), quorate, now_);
    }
  }

  bool Connected(const std::string& a, const std::string& b) {
    return powered_[a] && powered_[b] && group_[a] == group_[b];
  }

  void Send(Event e) {
    e.boot = boot_[e.to];
    events_.push_back(std::move(e));
  }

  void Tick() {
    now_ += 20;
    for (const auto& n : names_) {
      if (!powered_[n]) continue;
      Controller& c = *controllers_[n];
      c.OnTick(now_, 1700000000 + now_ / 1000);
      for (auto& x : c.TakeExec()) {
        Event e = Make(Event::kExec, n, x.node);
        e.graph = x.graph;
        e.op = x.action;
        Send(std::move(e));
      }
      for (const auto& line : c.TakeLog()) Trace(n + ": " + line);
      for (auto& f : c.TakeFence()) {
        Event e = Make(Event::kFenceDone, n, n);
        e.graph = f.graph;
        e.action = f.action_id;
        e.target = f.target;
        Send(std::move(e));
      }
      for (auto& a : c.TakeAttrs()) {
        if (a.remove) (void)attrs_.Delete(a.node, a.name, attrd::Lifetime::kReboot);
        else (void)attrs_.Set(a.node, a.name, a.value, attrd::Lifetime::kReboot);
      }
      if (c.TakeHistoryQuery()) {
        for (const auto& m : names_) {
          if (m != n && Connected(n, m)) Send(Make(Event::kHistoryQuery, n, m));
        }
        c.OnHistory(n, own_[n].Records(n));
      }
      for (auto& target : c.TakeFencedBroadcast()) {
        for (const auto& m : names_) {
          if (m == n || !Connected(n, m)) continue;
          Event e = Make(Event::kFenced, n, m);
          e.target = target;
          Send(std::move(e));
        }
      }
    }
  }

  // The node's executor runs the action at once, as the agent would.
  OpResultRecord ResultOf(const std::string& node, const GraphAction& a) {
    OpResultRecord r;
    r.node = node;
    r.rsc = a.rsc;
    r.rsc_class = a.rsc_class;
    r.provider = a.provider;
    r.type = a.type;
    r.task = a.task;
    r.interval_ms = a.interval_ms;
    r.target_rc = a.target_rc;
    r.transition_key = "sim";
    return r;
  }

  void Execute(const std::string& node, uint64_t graph, const GraphAction& a) {
    Trace("exec on " + node + ": " + a.description + " (graph " + std::to_string(graph) + ")");
    OpResultRecord r;
    r.node = node;
    r.rsc = a.rsc;
    r.rsc_class = a.rsc_class;
    r.provider = a.provider;
    r.type = a.type;
    r.task = a.task;
    r.interval_ms = a.interval_ms;
    r.call_id = ++calls_;
    r.target_rc = a.target_rc;
    r.transition_key = "sim";
    bool* running = a.rsc == "vip" ? &vip_on_[node] : &fence_running_[node];
    if (a.task == "start" || a.task == "promote") {
      *running = true;
      if (a.rsc == "vip") ++result_.starts;
    } else if (a.task == "stop" || a.task == "demote") {
      *running = a.task == "demote" && *running;
    } else if (a.task == "monitor") {
      r.rc = *running ? 0 : 7;
    }
    own_[node].Record(r);
    controllers_[node]->OnOpResult(graph, a.id, r);
    for (const auto& m : names_) {
      if (m == node || !Connected(node, m)) continue;
      Event e = Make(Event::kResult, node, m);
      e.graph = graph;
      e.action = a.id;
      e.result = r;
      Send(std::move(e));
    }
  }

  void DeliverOne() {
    if (events_.empty()) return;
    size_t i = static_cast<size_t>(Pick(static_cast<int>(std::min<size_t>(events_.size(), 3))));
    Event e = events_[i];
    events_.erase(events_.begin() + static_cast<long>(i));
    if (!powered_[e.to] || boot_[e.to] != e.boot) return;  // the receiver died or rebooted
    switch (e.kind) {
      case Event::kExec: {
        // As baton-crmd: only the partition's DC runs actions here. The
        // agent then runs for a while; meanwhile the operation is pending.
        if (!Connected(e.from, e.to) || controllers_[e.to]->dc() != e.from) return;
        OpResultRecord p = ResultOf(e.to, e.op);
        p.op_status = -1;
        own_[e.to].Record(p);
        controllers_[e.to]->OnPending(p);
        for (const auto& m : names_) {
          if (m == e.to || !Connected(e.to, m)) continue;
          Event pe = Make(Event::kPending, e.to, m);
          pe.result = p;
          Send(std::move(pe));
        }
        Event done = Make(Event::kDone, e.to, e.to);
        done.graph = e.graph;
        done.op = e.op;
        Send(std::move(done));
        return;
      }
      case Event::kDone:
        Execute(e.to, e.graph, e.op);
        return;
      case Event::kPending:
        if (Connected(e.from, e.to)) controllers_[e.to]->OnPending(e.result);
        return;
      case Event::kResult:
        if (Connected(e.from, e.to)) controllers_[e.to]->OnOpResult(e.graph, e.action, e.result);
        return;
      case Event::kHistoryQuery: {
        if (!Connected(e.from, e.to)) return;
        Event reply = Make(Event::kHistory, e.to, e.from);
        reply.history = own_[e.to].Records(e.to);
        Send(std::move(reply));
        return;
      }
      case Event::kHistory:
        if (Connected(e.from, e.to)) controllers_[e.to]->OnHistory(e.from, e.history);
        return;
      case Event::kFenced:
        if (Connected(e.from, e.to)) controllers_[e.to]->OnNodeFenced(e.target);
        return;
      case Event::kFenceDone: {
        // The fencer reaches the power switch whatever the partition.
        ++result_.fencings;
        Trace("fenced " + e.target + " for " + e.to);
        if (!o_.lying_fencer) {
          PowerOff(e.target, "fenced");
          if (!powered_[e.to]) return;  // the DC fenced itself
        }
        controllers_[e.to]->OnFenceResult(e.graph, e.action, e.target, true);
        return;
      }
    }
  }

  void Check() {
    std::vector<std::string> on;
    for (const auto& n : names_) {
      if (powered_[n] && vip_on_[n]) on.push_back(n);
    }
    if (on.size() > 1) Fail("vip runs on " + on[0] + " and " + on[1] + " at once");
  }

  SimOptions o_;
  std::mt19937_64 rng_;
  cib::Cib config_;
  attrd::AttributeStore attrs_;
  std::vector<std::string> names_;
  std::map<std::string, int> group_;
  std::map<std::string, bool> powered_, vip_on_, fence_running_;
  std::map<std::string, int> boot_;
  std::map<std::string, std::unique_ptr<Controller>> controllers_;
  std::map<std::string, StatusTable> own_;
  std::vector<Event> events_;
  int64_t now_ = 0;
  int calls_ = 0;
  std::vector<std::string> trace_;
  SimResult result_;
};

int SeedCount(int fallback) {
  const char* env = std::getenv("BATON_SIM_SEEDS");
  return env ? std::atoi(env) / 10 : fallback;
}

// 1,000 schedules by default (a tenth of BATON_SIM_SEEDS; BATON_SIM_SEED=N reruns one).
TEST(ControllerSim, NeverActiveOnTwoNodesAndRecoversAfterFencing) {
  int seeds = SeedCount(1000);
  int first = 1;
  if (const char* one = std::getenv("BATON_SIM_SEED")) first = seeds = std::atoi(one);
  int fencings = 0, starts = 0;
  for (int s = first; s <= seeds; ++s) {
    SimOptions o;
    o.seed = static_cast<uint64_t>(s);
    SimResult r = Sim(o).Run();
    ASSERT_TRUE(r.ok) << r.failure;
    fencings += r.fencings;
    starts += r.starts;
  }
  EXPECT_GT(fencings, seeds - first + 1);  // faults really led to fencing
  EXPECT_GT(starts, seeds - first + 1);
}

TEST(ControllerSim, CatchesAFencerThatLies) {
  int caught = 0;
  for (int s = 1; s <= 200 && caught == 0; ++s) {
    SimOptions o;
    o.seed = static_cast<uint64_t>(s);
    o.lying_fencer = true;
    if (!Sim(o).Run().ok) ++caught;
  }
  EXPECT_GT(caught, 0) << "the invariant missed recovery on top of a node that was never powered off";
}

}  // namespace
}  // namespace baton::transition
