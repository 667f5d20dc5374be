// node::Node (node.h): each test pins one of the decisions the header lists
// (invariants 1-9) on two or three Nodes wired directly — heartbeats and peer
// messages moved from one Node's outputs to the addressee, a shared clock
// advanced in 10 ms ticks. Where node.h offers the simulation's mutation
// switch for a decision, the test also runs with it to show that it bites.
#include "crmd/node/node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/control/control.h"
#include "tests/support/fake_process_runner.h"

namespace baton::node {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kWall0 = 1700000000;
constexpr uint64_t kTickMs = 10;

// stonith enabled, a fencing device and one ocf resource that prefers
// `prefer` with a 1 s monitor; `options` adds crm_config nvpairs.
std::string CibText(const std::string& prefer, const std::string& options = "") {
  return absl::StrCat(R"(<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="true"/>)",
                      options, R"(
    </cluster_property_set></crm_config>
    <nodes/>
    <resources>
      <primitive id="fence" class="stonith" type="fence_test"/>
      <primitive id="vip" class="ocf" provider="baton" type="Dummy">
        <operations><op id="vip-mon" name="monitor" interval="1s" timeout="5s"/></operations>
      </primitive>
    </resources>
    <constraints><rsc_location id="vip-pref" rsc="vip" node=")",
                      prefer, R"(" score="100"/></constraints>
  </configuration>
  <status/>
</cib>
)");
}

class MemStorage : public Storage {
 public:
  absl::Status SaveRingSeq(uint64_t seq) override {
    ring_seq = seq;
    return absl::OkStatus();
  }
  absl::Status SaveAttributes(const std::string& text) override {
    attributes = text;
    return absl::OkStatus();
  }
  absl::Status SaveClusterConf(const std::string&) override { return absl::OkStatus(); }
  absl::Status SetAsideClusterConf() override { return absl::OkStatus(); }

  uint64_t ring_seq = 0;
  std::string attributes;
};

// One machine: its disks, its agents (every process a Dummy that finishes
// on the next tick, unless `fail` scripts its exit code) and its Node.
struct Host {
  cib::MemoryCibStore cib;
  MemStorage storage;
  process::FakeProcessRunner runner;
  std::set<std::string> active;     // resources the agents run here
  std::map<std::string, int> fail;  // "RSC ACTION" -> exit code
  std::unique_ptr<Node> node;
  uint64_t incarnation = 0;
  bool cut = false;      // the network reaches neither to nor from it
  std::string finished;  // why its Node ended
  std::vector<FenceOut> fences;
  std::vector<JoinAnswer> join_answers;
  std::vector<std::string> log;

  // The agent actions run here for `rsc`, in order.
  std::vector<std::string> Runs(const std::string& rsc) const {
    std::vector<std::string> out;
    for (const auto& c : runner.calls()) {
      auto it = c.spec.env.find("OCF_RESOURCE_INSTANCE");
      if (it != c.spec.env.end() && it->second == rsc && c.spec.argv.size() > 1) out.push_back(c.spec.argv[1]);
    }
    return out;
  }
};

struct Result {
  uint32_t from = 0;
  crmd::OpResult r;
};

class Cluster {
 public:
  // Nodes n1..nN (two_node for 2), each started with incarnation
  // `incarnations[i-1]` (default 1000+i: n1 has run longest).
  explicit Cluster(int n, std::string cib = CibText("n3"), std::vector<uint64_t> incarnations = {},
                   std::function<void(NodeOptions&)> tweak = {})
      : tweak_(std::move(tweak)) {
    config_.cluster_name = "test";
    config_.two_node = n == 2;
    hosts_.resize(static_cast<size_t>(n) + 1);
    for (int i = 1; i <= n; ++i) {
      config_.nodes.push_back({static_cast<uint32_t>(i), Name(i), {absl::StrCat("198.18.0.", i)}, 1});
      hosts_[static_cast<size_t>(i)] = std::make_unique<Host>();
      EXPECT_TRUE(H(i).cib.Save({{0, 1, 0}, cib, 0}).ok());
    }
    for (int i = 1; i <= n; ++i) {
      Start(i, incarnations.empty() ? 1000 + static_cast<uint64_t>(i) : incarnations[static_cast<size_t>(i) - 1]);
    }
  }

  static std::string Name(int i) { return absl::StrCat("n", i); }
  Host& H(int i) { return *hosts_[static_cast<size_t>(i)]; }
  Node& N(int i) { return *H(i).node; }
  int size() const { return static_cast<int>(hosts_.size()) - 1; }
  int64_t Wall() const { return kWall0 + static_cast<int64_t>(now / 1000); }

  // baton-crmd starts on host i with the stores its last life left.
  void Start(int i, uint64_t incarnation) {
    Host& h = H(i);
    NodeOptions o;
    o.config = config_;
    o.self = static_cast<uint32_t>(i);
    o.incarnation = incarnation;
    o.persisted_seq = h.storage.ring_seq;
    o.permanent_attributes = h.storage.attributes;
    o.executor.baton_agents_dir = "/test/agents";
    o.executor.is_executable = [](const std::string&) { return true; };
    o.controller.startup_wait_ms = 1000;
    if (tweak_) tweak_(o);
    auto n = Node::Create(std::move(o), &h.cib, &h.storage, &h.runner, now, Wall());
    ASSERT_TRUE(n.ok()) << n.status();
    h.node = *std::move(n);
    h.incarnation = incarnation;
    h.finished.clear();
  }

  // The machine stops at once (power off, or fenced): nothing runs there.
  void PowerOff(int i) {
    H(i).node.reset();
    H(i).active.clear();
  }

  // crm cluster stop: returns why the Node ended ("" = it did not in 40 s).
  std::string StopCleanly(int i) {
    N(i).BeginShutdown(now, Wall());
    RunUntil([&] { return !H(i).node; }, 40000);
    return H(i).finished;
  }

  void Run(uint64_t ms) {
    for (uint64_t until = now + ms; now < until;) Step();
  }
  bool RunUntil(const std::function<bool()>& done, uint64_t max_ms) {
    for (uint64_t until = now + max_ms; now < until;) {
      if (done()) return true;
      Step();
    }
    return done();
  }

  // Every running Node has `n` members in its view.
  bool AllSee(size_t n) {
    for (int i = 1; i <= size(); ++i) {
      if (H(i).node && N(i).membership().view().members.size() != n) return false;
    }
    return true;
  }
  // All nodes up and agreed, vip running on `where`.
  void Settle(int where = 3) {
    ASSERT_TRUE(RunUntil([&] { return AllSee(static_cast<size_t>(size())); }, 5000));
    ASSERT_TRUE(RunUntil([&] { return Where("vip") == where && H(where).Runs("vip").size() >= 4; }, 15000))
        << "vip never settled on " << Name(where);
  }
  // The host whose agents run `rsc` (0: none).
  int Where(const std::string& rsc) {
    for (int i = 1; i <= size(); ++i) {
      if (H(i).active.count(rsc)) return i;
    }
    return 0;
  }

  // A control request at node i; its reply (as the client sees it), if it
  // came at once, else Unavailable.
  absl::StatusOr<control::ControlReply> Ask(int i, const control::ControlRequest& req) {
    uint64_t client = ++client_;
    N(i).OnControl(client, req, now);
    Drain(i);
    if (!replies_.count(client)) return absl::UnavailableError("no reply yet");
    return control::ReplyStatus(replies_[client]);
  }
  // A peer message the transport authenticated as from `from`.
  void Send(int from, int to, const crmd::PeerMessage& m) {
    N(to).OnPeerMessage(static_cast<uint32_t>(from), m.SerializeAsString(), now);
  }
  // Fence requests made anywhere for `target`.
  int Fencings(const std::string& target) {
    int n = 0;
    for (int i = 1; i <= size(); ++i) {
      for (const auto& f : H(i).fences) n += f.target == target;
    }
    return n;
  }

  uint64_t now = 0;
  std::vector<Result> results;  // every OpResult a node sent, in order (one per addressee)

 private:
  struct Mail {
    int from = 0, to = 0;
    uint64_t incarnation = 0;  // the sender's
    bool heartbeat = false;
    membership::Heartbeat hb;
    std::string payload;
  };

  void Step() {
    now += kTickMs;
    for (int i = 1; i <= size(); ++i) {
      if (!H(i).node) continue;
      N(i).Tick(now, Wall());
      FinishAgents(H(i));
      Drain(i);
    }
    std::vector<Mail> mail;
    mail.swap(mail_);
    for (const auto& m : mail) Deliver(m);
  }

  void FinishAgents(Host& h) {
    for (auto handle : h.runner.running()) {
      for (const auto& c : h.runner.calls()) {
        if (c.handle == handle) h.runner.Complete(handle, process::FakeProcessRunner::Exit(Agent(h, c.spec)));
      }
    }
  }

  static int Agent(Host& h, const process::ProcessSpec& spec) {
    std::string action = spec.argv.size() > 1 ? spec.argv[1] : "";
    auto it = spec.env.find("OCF_RESOURCE_INSTANCE");
    std::string rsc = it == spec.env.end() ? "" : it->second;
    if (auto f = h.fail.find(rsc + " " + action); f != h.fail.end()) return f->second;
    if (action == "start") h.active.insert(rsc);
    if (action == "stop") h.active.erase(rsc);
    if (action == "monitor") return h.active.count(rsc) ? 0 : 7;
    return 0;
  }

  void Drain(int i) {
    Host& h = H(i);
    if (!h.node) return;
    Outputs out = h.node->TakeOutputs();
    for (const auto& hb : out.heartbeats) mail_.push_back({i, static_cast<int>(hb.receiver), 0, true, hb, ""});
    for (auto& p : out.peers) {
      crmd::PeerMessage m;
      if (m.ParseFromString(p.payload) && m.has_result()) results.push_back({static_cast<uint32_t>(i), m.result()});
      mail_.push_back({i, static_cast<int>(p.to), h.incarnation, false, {}, std::move(p.payload)});
    }
    for (auto& f : out.fences) h.fences.push_back(std::move(f));
    for (auto& r : out.replies) replies_[r.client] = r.reply;
    for (auto& a : out.join_answers) h.join_answers.push_back(std::move(a));
    for (auto& l : out.log) h.log.push_back(absl::StrCat("t=", now, " ", l));
    if (!h.node->finished().empty()) {
      h.finished = h.node->finished();
      h.node.reset();
    }
  }

  void Deliver(const Mail& m) {
    Host& to = H(m.to);
    if (!to.node || to.cut || H(m.from).cut) return;
    if (m.heartbeat) {
      to.node->OnHeartbeat(m.hb, Name(m.from), now);
      return;
    }
    // The transport accepts a peer message only from the sender's live life.
    if (to.node->membership().PeerIncarnation(static_cast<uint32_t>(m.from)) != m.incarnation) return;
    to.node->OnPeerMessage(static_cast<uint32_t>(m.from), m.payload, now);
  }

  config::ClusterConfig config_;
  std::function<void(NodeOptions&)> tweak_;
  std::vector<std::unique_ptr<Host>> hosts_;  // [0] unused
  std::vector<Mail> mail_;
  std::map<uint64_t, control::ControlReply> replies_;
  uint64_t client_ = 0;
};

// --- 1. election ---------------------------------------------------------------

TEST(NodeElection, LongestRunningMemberIsDcEverywhereNotTheLowestId) {
  Cluster c(3, CibText("n3"), {3000, 1000, 2000});
  ASSERT_TRUE(c.RunUntil([&] { return c.AllSee(3); }, 5000));
  c.Run(1000);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(c.N(i).dc(), 2u) << "on n" << i;
    EXPECT_EQ(c.N(i).controller().dc(), "n2") << "on n" << i;
  }
}

TEST(NodeElection, DcThatRestartsDoesNotTakeTheRoleBack) {
  Cluster c(3);
  c.Settle();
  ASSERT_EQ(c.N(2).dc(), 1u);
  ASSERT_EQ(c.StopCleanly(1), "shutdown complete");
  ASSERT_TRUE(c.RunUntil([&] { return c.AllSee(2); }, 5000));
  c.Run(500);
  EXPECT_EQ(c.N(2).dc(), 2u);
  c.Start(1, 5000);  // a later start: a newer incarnation
  ASSERT_TRUE(c.RunUntil([&] { return c.AllSee(3); }, 5000));
  c.Run(3000);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(c.N(i).dc(), 2u) << "on n" << i;
    EXPECT_EQ(c.N(i).controller().dc(), "n2") << "on n" << i;
  }
}

// Whether the DC, cut off alone (no quorum), still serves the CIB.
bool IsolatedDcServesCib(bool unsafe_writer_without_quorum) {
  Cluster c(3, CibText("n3"), {},
            [&](NodeOptions& o) { o.unsafe_writer_without_quorum = unsafe_writer_without_quorum; });
  c.Settle();
  EXPECT_TRUE(c.N(1).replica().serving());
  EXPECT_FALSE(c.N(2).replica().serving());
  EXPECT_FALSE(c.N(3).replica().serving());
  c.H(1).cut = true;
  EXPECT_TRUE(c.RunUntil([&] { return c.N(1).membership().view().members.size() == 1 && c.N(2).replica().serving(); },
                         5000));
  c.Run(2000);
  EXPECT_EQ(c.N(1).dc(), 1u) << "the controller's DC of its own partition, quorate or not";
  EXPECT_FALSE(c.N(1).quorum().quorate());
  EXPECT_TRUE(c.N(2).replica().serving()) << "the quorate partition's DC writes";
  return c.N(1).replica().serving();
}

TEST(NodeElection, CibWriterOnlyInAQuorateView) {
  EXPECT_FALSE(IsolatedDcServesCib(false));
  EXPECT_TRUE(IsolatedDcServesCib(true)) << "the check bites: the mutation serves without quorum";
}

// --- 2. who may run and report what ------------------------------------------------

crmd::PeerMessage ProbeRequest(const std::string& rsc) {
  crmd::PeerMessage m;
  auto* o = m.mutable_op();
  o->set_graph(99);
  o->set_action(0);
  o->set_rsc(rsc);
  o->set_rsc_class("ocf");
  o->set_provider("baton");
  o->set_type("Dummy");
  o->set_task("monitor");
  o->set_timeout_ms(5000);
  o->set_target_rc(7);
  return m;
}

TEST(NodeOperations, OpRequestFromANodeThatIsNotTheDcIsDropped) {
  Cluster c(3);
  c.Settle();
  ASSERT_EQ(c.N(3).controller().dc(), "n1");
  uint64_t dropped = c.N(3).dropped();
  c.Send(2, 3, ProbeRequest("extra"));
  EXPECT_EQ(c.N(3).dropped(), dropped + 1);
  c.Run(200);
  EXPECT_TRUE(c.H(3).Runs("extra").empty()) << "an agent ran for a non-DC's request";
  // The same request from the DC runs.
  c.Send(1, 3, ProbeRequest("extra"));
  c.Run(200);
  EXPECT_EQ(c.H(3).Runs("extra"), std::vector<std::string>{"monitor"});
}

TEST(NodeOperations, OpResultForAnotherNodeIsDropped) {
  Cluster c(3);
  c.Settle();
  crmd::PeerMessage m;
  auto* r = m.mutable_result();
  r->set_action(-1);
  r->set_node("n3");
  r->set_rsc("ghost");
  r->set_rsc_class("ocf");
  r->set_provider("baton");
  r->set_type("Dummy");
  r->set_task("start");
  r->set_call_id(1);
  auto has_ghost = [&] {
    for (const auto& rec : c.N(1).controller().table().Records("n3")) {
      if (rec.rsc == "ghost") return true;
    }
    return false;
  };
  uint64_t dropped = c.N(1).dropped();
  c.Send(2, 1, m);  // n2 reports n3's result
  EXPECT_EQ(c.N(1).dropped(), dropped + 1);
  EXPECT_FALSE(has_ghost());
  c.Send(3, 1, m);  // n3 its own
  EXPECT_EQ(c.N(1).dropped(), dropped + 1);
  EXPECT_TRUE(has_ghost());
}

TEST(NodeOperations, OperationInFlightIsReportedPendingBeforeItsResult) {
  Cluster c(3);
  c.Settle();
  int pending = -1, done = -1;
  for (size_t k = 0; k < c.results.size(); ++k) {
    const auto& r = c.results[k].r;
    if (c.results[k].from != 3 || r.rsc() != "vip" || r.task() != "start") continue;
    if (r.action() == -2 && pending < 0) pending = static_cast<int>(k);
    if (r.action() >= 0 && done < 0) done = static_cast<int>(k);
  }
  ASSERT_GE(pending, 0) << "no pending report of vip's start";
  ASSERT_GE(done, 0);
  EXPECT_LT(pending, done);
}

// --- 3. recurring monitors ------------------------------------------------------

TEST(NodeOperations, StopCancelsTheRecurringMonitor) {
  Cluster c(3);
  c.Settle();
  EXPECT_TRUE(c.Ask(1, control::request::AttrSet("n3", "standby", "on", control::FOREVER)).ok());
  ASSERT_TRUE(c.RunUntil([&] { return c.Where("vip") != 0 && c.Where("vip") != 3; }, 10000)) << "vip did not move";
  std::vector<std::string> runs = c.H(3).Runs("vip");
  size_t stop = runs.size();
  for (size_t k = 0; k < runs.size(); ++k) {
    if (runs[k] == "stop") stop = k;
  }
  ASSERT_LT(stop, runs.size()) << "vip was not stopped on n3";
  c.Run(5000);  // five monitor intervals
  runs = c.H(3).Runs("vip");
  EXPECT_EQ(runs.size(), stop + 1) << "n3 ran vip's " << runs.back() << " after its stop";
}

// --- 4. fencing devices and the two-node race ---------------------------------------

TEST(NodeFencing, StonithResourcesRunNoAgentAndReportTheirRole) {
  Cluster c(3);
  c.Settle();
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(c.H(i).Runs("fence").empty()) << "an agent ran for fence on n" << i;
  // Every node probed it (not running: 7); one started it (0).
  std::map<uint32_t, std::vector<std::pair<std::string, int>>> seen;  // node -> (task, rc) in order
  for (const auto& [from, r] : c.results) {
    if (r.rsc() != "fence" || r.action() == -2) continue;
    auto& v = seen[from];
    std::pair<std::string, int> op{r.task() + "_" + std::to_string(r.interval_ms()), r.rc()};
    if (v.empty() || v.back() != op) v.push_back(op);
  }
  int started = 0;
  for (uint32_t n = 1; n <= 3; ++n) {
    ASSERT_FALSE(seen[n].empty()) << "no probe of fence on n" << n;
    EXPECT_EQ(seen[n].front(), (std::pair<std::string, int>{"monitor_0", 7})) << "on n" << n;
    for (const auto& op : seen[n]) {
      if (op.first == "start_0") {
        EXPECT_EQ(op.second, 0);
        ++started;
      }
    }
  }
  EXPECT_EQ(started, 1);
}

// Two nodes split: the delay each side's fencing of the other asks for.
std::map<std::string, FenceOut> SplitFences(const std::string& options) {
  Cluster c(2, CibText("n2", options));
  c.Settle(2);
  c.H(2).cut = true;
  EXPECT_TRUE(c.RunUntil([&] { return !c.H(1).fences.empty() && !c.H(2).fences.empty(); }, 10000));
  std::map<std::string, FenceOut> fences;
  for (int i = 1; i <= 2; ++i) {
    for (const auto& f : c.H(i).fences) fences[f.target] = f;
  }
  return fences;
}

TEST(NodeFencing, TwoNodeSplitDelaysFencingOfTheLowerId) {
  auto fences = SplitFences("");
  EXPECT_EQ(fences["n1"].delay_ms, 2000);
  EXPECT_EQ(fences["n2"].delay_ms, 0);
  EXPECT_EQ(fences["n1"].timeout_ms, 60000);  // stonith-timeout's default
  fences = SplitFences(R"(<nvpair id="o2" name="priority-fencing-delay" value="5s"/>)"
                       R"(<nvpair id="o3" name="stonith-timeout" value="90s"/>)");
  EXPECT_EQ(fences["n1"].delay_ms, 5000);
  EXPECT_EQ(fences["n2"].delay_ms, 0);
  EXPECT_EQ(fences["n1"].timeout_ms, 90000);
  EXPECT_EQ(fences["n2"].timeout_ms, 90000);
}

// --- 5. attributes -------------------------------------------------------------

TEST(NodeAttributes, TransientAttributeReachesEveryMemberAndLeavesWithItsNode) {
  for (bool unsafe : {false, true}) {
    SCOPED_TRACE(unsafe ? "unsafe_drop_attribute_updates" : "safe");
    Cluster c(3, CibText("n3"), {}, [&](NodeOptions& o) { o.unsafe_drop_attribute_updates = unsafe; });
    c.Settle();
    EXPECT_TRUE(c.Ask(1, control::request::AttrSet("n2", "color", "blue", control::REBOOT)).ok());
    c.Run(500);
    auto color = [&](int i) { return c.N(i).attributes().Get("n2", "color", attrd::Lifetime::kReboot); };
    if (unsafe) {  // the check bites: without the updates n3 never hears of it
      EXPECT_EQ(color(3), std::nullopt);
      continue;
    }
    EXPECT_EQ(color(2), "blue");
    EXPECT_EQ(color(3), "blue");
    c.H(2).cut = true;
    ASSERT_TRUE(c.RunUntil([&] { return c.N(1).MemberNames() == std::set<std::string>{"n1", "n3"} &&
                                        c.N(3).MemberNames() == std::set<std::string>{"n1", "n3"}; },
                           5000));
    c.Run(100);
    EXPECT_EQ(color(1), std::nullopt);
    EXPECT_EQ(color(3), std::nullopt);
    EXPECT_EQ(c.N(1).attributes().transient().count("n2"), 0u);
    EXPECT_EQ(c.N(3).attributes().transient().count("n2"), 0u);
  }
}

// --- 6. one loss, one fencing ----------------------------------------------------------

// vip's monitor and then its stop fail on n3: the DC fences n3 while it is
// still a member; the fencing succeeds, n3 leaves. Fence requests for n3
// after that.
int RefencingsAfterAFencedMemberLeft(bool unsafe_ignore_fenced_lives) {
  Cluster c(3, CibText("n3"), {}, [&](NodeOptions& o) { o.unsafe_ignore_fenced_lives = unsafe_ignore_fenced_lives; });
  c.Settle();
  c.H(3).fail["vip monitor"] = 1;
  c.H(3).fail["vip stop"] = 1;
  EXPECT_TRUE(c.RunUntil([&] { return c.Fencings("n3") > 0; }, 15000)) << "the failed stop was not fenced";
  EXPECT_EQ(c.H(1).fences.size(), 1u);
  if (c.H(1).fences.empty()) return -1;
  EXPECT_EQ(c.N(1).membership().view().members.size(), 3u) << "n3 is fenced as a member";
  c.PowerOff(3);
  c.N(1).OnFenceResult(c.H(1).fences.front().id, true, "ok", c.now);
  c.H(1).fences.clear();
  EXPECT_TRUE(c.RunUntil([&] { return c.AllSee(2); }, 5000));
  c.Run(5000);
  return c.Fencings("n3");
}

TEST(NodeFencing, FencedMemberThatLeavesIsNotFencedAgain) {
  EXPECT_EQ(RefencingsAfterAFencedMemberLeft(false), 0);
  EXPECT_GT(RefencingsAfterAFencedMemberLeft(true), 0) << "the check bites";
}

// crm node fence n3 on n2: fence_begin, the fencing, fence_end — while n3 is
// still a member. Fence requests for n3 once it has left.
int FencingsAfterOperatorFence(bool unsafe_ignore_fenced_lives) {
  Cluster c(3, CibText("n3"), {}, [&](NodeOptions& o) { o.unsafe_ignore_fenced_lives = unsafe_ignore_fenced_lives; });
  c.Settle();
  auto life = c.Ask(2, control::request::FenceBegin("n3", 0));
  EXPECT_TRUE(life.ok()) << life.status();
  uint64_t incarnation = life.ok() ? life->incarnation() : 0;
  EXPECT_EQ(incarnation, c.H(3).incarnation);
  c.PowerOff(3);
  EXPECT_TRUE(c.Ask(2, control::request::FenceEnd("n3", incarnation, /*fenced=*/true)).ok());
  EXPECT_TRUE(c.RunUntil([&] { return c.AllSee(2); }, 5000));
  c.Run(5000);
  return c.Fencings("n3");
}

TEST(NodeFencing, OperatorFencingOfAMemberCountsAsItsFencing) {
  EXPECT_EQ(FencingsAfterOperatorFence(false), 0);
  EXPECT_GT(FencingsAfterOperatorFence(true), 0) << "the check bites";
}

TEST(NodeFencing, NodeFencedWithABadIncarnationIsRefused) {
  Cluster c(3);
  c.Settle();
  auto reply = c.Ask(2, control::request::FenceEnd("n3", 0, /*fenced=*/true));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("fence_begin")) << "says where the incarnation comes from";
  reply = c.Ask(2, control::request::FenceEnd("n9", 5, /*fenced=*/true));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("n9"));
  c.PowerOff(3);  // refused reports count for nothing: n3's loss is fenced
  EXPECT_TRUE(c.RunUntil([&] { return c.Fencings("n3") > 0; }, 10000));
}

// --- 7. a clean leave is known to every later DC ----------------------------------------

// n3 leaves cleanly; then n1 and n2 restart one after the other, so the
// last DC (n1) learnt of n3's leave only from n2. Every fence request made.
int FencingsAfterCleanLeaveAndRollingRestart(bool unsafe_forget_lives) {
  Cluster c(3, CibText("n3"), {}, [&](NodeOptions& o) { o.unsafe_forget_lives = unsafe_forget_lives; });
  c.Settle();
  EXPECT_EQ(c.StopCleanly(3), "shutdown complete");
  c.Run(2000);
  EXPECT_EQ(c.StopCleanly(1), "shutdown complete");
  c.Start(1, 5001);
  EXPECT_TRUE(c.RunUntil([&] { return c.AllSee(2); }, 5000));
  c.Run(4000);
  EXPECT_EQ(c.N(1).dc(), 2u);
  EXPECT_EQ(c.StopCleanly(2), "shutdown complete");
  c.Start(2, 5002);
  EXPECT_TRUE(c.RunUntil([&] { return c.AllSee(2); }, 5000));
  c.Run(8000);
  EXPECT_EQ(c.N(2).dc(), 1u);
  EXPECT_TRUE(c.N(1).quorum().quorate());
  return c.Fencings("n1") + c.Fencings("n2") + c.Fencings("n3");
}

TEST(NodeFencing, CleanLeaveIsNotFencedEvenByARestartedDc) {
  EXPECT_EQ(FencingsAfterCleanLeaveAndRollingRestart(false), 0);
  EXPECT_GT(FencingsAfterCleanLeaveAndRollingRestart(true), 0) << "the check bites";
}

// --- 8. shutdown ------------------------------------------------------------------

TEST(NodeShutdown, EndsOnceNothingRunsHere) {
  Cluster c(3);
  c.Settle();
  uint64_t begun = c.now;
  c.N(3).BeginShutdown(c.now, c.Wall());
  c.Run(kTickMs);
  EXPECT_TRUE(c.H(3).node) << "ended while vip still ran here: " << c.H(3).finished;
  ASSERT_TRUE(c.RunUntil([&] { return !c.H(3).node; }, 40000));
  EXPECT_EQ(c.H(3).finished, "shutdown complete");
  EXPECT_LT(c.now - begun, 30000u) << "waited out the 30 s instead of the handover";
  EXPECT_TRUE(c.H(3).active.empty()) << "ended with vip still running here";
  EXPECT_TRUE(c.RunUntil([&] { return c.Where("vip") != 0; }, 5000)) << "vip was not moved";
}

TEST(NodeShutdown, SecondShutdownEndsAtOnce) {
  Cluster c(3);
  c.Settle();
  c.N(3).BeginShutdown(c.now, c.Wall());
  EXPECT_EQ(c.N(3).finished(), "");
  c.N(3).BeginShutdown(c.now, c.Wall());
  EXPECT_NE(c.N(3).finished(), "");
  EXPECT_NE(c.N(3).finished(), "shutdown complete");
  EXPECT_FALSE(c.N(3).failed());
  EXPECT_TRUE(c.H(3).active.count("vip")) << "it did not wait for the handover";
}

// --- 9. nodelist changes ---------------------------------------------------------------

TEST(NodeNodelist, JoinRequestAtANonDcIsRefusedNamingTheDc) {
  Cluster c(3);
  c.Settle();
  c.N(2).OnJoinRequest({7, "n4", {"198.18.0.4"}, "198.18.0.4"}, c.now);
  c.Run(kTickMs);
  ASSERT_EQ(c.H(2).join_answers.size(), 1u);
  const JoinAnswer& a = c.H(2).join_answers.front();
  EXPECT_EQ(a.id, 7u);
  EXPECT_THAT(a.body.error(), HasSubstr("DC (n1)"));
  EXPECT_TRUE(a.body.cluster_conf().empty());
  EXPECT_EQ(c.N(2).config().nodes.size(), 3u);
}

TEST(NodeNodelist, RemovingAnOnlineNodeIsRefused) {
  Cluster c(3);
  c.Settle();
  auto reply = c.Ask(1, control::request::NodelistRemove("n3"));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("n3 is online"));
  c.Run(500);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(c.N(i).config().nodes.size(), 3u) << "on n" << i;
}

// --- control requests ---------------------------------------------------------------

TEST(NodeControl, StatusNamesTheDc) {
  Cluster c(3);
  c.Settle();
  EXPECT_THAT(control::ReplyText(c.Ask(2, control::request::Status(false))).value_or(""),
              HasSubstr("Current DC: n1 (version 0.1.0) - partition with quorum"));
}

TEST(NodeControl, RequestsTheDaemonAnswersOrEmptyOnesGetAnErrorReply) {
  Cluster c(2, CibText("n2"));
  for (const auto& req : {control::ControlRequest(), control::request::JoinToken(60)}) {
    auto reply = c.Ask(1, req);
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(reply.status().message()), HasSubstr("not one this node answers"));
  }
}

TEST(NodeControl, AttributesOfAnUnknownNodeAreNotFound) {
  Cluster c(2, CibText("n2"));
  c.Settle(2);
  auto reply = c.Ask(1, control::request::AttrGet("n9", "color", control::REBOOT));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kNotFound);
  reply = c.Ask(1, control::request::AttrSet("n2", "color", "blue", control::FOREVER));
  EXPECT_TRUE(reply.ok()) << reply.status();
  c.Run(500);
  reply = c.Ask(2, control::request::AttrGet("n2", "color", control::FOREVER));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "blue");
  reply = c.Ask(2, control::request::AttrDelete("n2", "color", control::FOREVER));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->existed());
}

}  // namespace
}  // namespace baton::node
