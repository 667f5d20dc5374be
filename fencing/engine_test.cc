// FenceEngine driven directly: topology, host checks, timeouts, retries,
// delays, merging, self-fencing and manual confirmation.
#include "fencing/engine.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace baton::fencing {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine_(Options()) {}

  EngineOptions Options() {
    EngineOptions o;
    o.local_node = "n1";
    o.node_ids = {{"n1", 1}, {"n2", 2}};
    o.random = [this](int64_t n) { return std::min(random_, n - 1); };
    return o;
  }

  void Add(const std::string& id, std::map<std::string, std::string> params,
           std::set<std::string> actions = {"on", "off", "reboot", "status", "monitor"}) {
    AgentMetadata md;
    md.parameters = {"port"};
    md.actions = std::move(actions);
    auto d = ParseDevice(id, "fence_test", "/agents/fence_test", std::move(params), md);
    ASSERT_TRUE(d.ok()) << d.status();
    engine_.RegisterDevice(*d);
  }

  FenceCommand Cmd(const std::string& target, const std::string& action = "off") {
    FenceCommand c;
    c.target = target;
    c.action = action;
    c.origin = "n1";
    c.client = "test";
    return c;
  }

  AgentResult Exit(int code, std::string out = "") {
    AgentResult r;
    r.exit_code = code;
    r.stdout_text = std::move(out);
    return r;
  }

  // The single run the engine asked for, checked and returned.
  AgentRun OneRun(EngineOutput& out) {
    EXPECT_EQ(out.runs.size(), 1u);
    return out.runs.empty() ? AgentRun{} : out.runs[0];
  }

  int64_t random_ = 0;
  FenceEngine engine_;
};

TEST_F(EngineTest, StaticListDeviceFencesAndRecordsHistory) {
  Add("d1", {{"pcmk_host_list", "n2"}});
  uint64_t rid = engine_.OnRequest(Cmd("n2", "reboot"), 1000);
  EngineOutput out = engine_.TakeOutput();
  AgentRun run = OneRun(out);
  EXPECT_EQ(run.stdin_text, "action=reboot\nnodename=n2\nport=n2\n");
  EXPECT_EQ(run.timeout_ms, 60000);
  EXPECT_TRUE(out.completions.empty());
  engine_.OnAgentResult(run.run_id, Exit(0), 1500);
  out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].request_ids, std::vector<uint64_t>{rid});
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kSuccess);
  auto h = engine_.History("n2");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].devices, std::vector<std::string>{"d1"});
  EXPECT_EQ(h[0].delegate, "n1");
  EXPECT_EQ(h[0].started_ms, 1000);
  EXPECT_EQ(h[0].completed_ms, 1500);
}

TEST_F(EngineTest, DeviceNotListedCannotFence) {
  Add("d1", {{"pcmk_host_list", "n3"}});
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  EXPECT_TRUE(out.runs.empty());
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kFailed);
  EXPECT_TRUE(out.completions[0].no_device);
}

TEST_F(EngineTest, TopologyFallsBackToNextLevelAndNeedsEveryDevice) {
  for (const char* d : {"a", "b", "c"}) Add(d, {{"pcmk_host_check", "none"}, {"pcmk_off_retries", "1"}});
  ASSERT_TRUE(engine_.SetTopology({{1, "n2", "", {"a", "b"}}, {2, "", "n[0-9]", {"c"}}}).ok());
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput first = engine_.TakeOutput();
  AgentRun run = OneRun(first);
  EXPECT_EQ(run.device_id, "a");
  engine_.OnAgentResult(run.run_id, Exit(0), 10);
  EngineOutput out = engine_.TakeOutput();
  run = OneRun(out);
  EXPECT_EQ(run.device_id, "b");  // every device of the level
  engine_.OnAgentResult(run.run_id, Exit(1), 20);
  out = engine_.TakeOutput();
  run = OneRun(out);
  EXPECT_EQ(run.device_id, "c");  // level 1 failed: level 2
  EXPECT_TRUE(out.completions.empty());
  engine_.OnAgentResult(run.run_id, Exit(0), 30);
  out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kSuccess);
  // The history entry keeps why level 1 failed.
  EXPECT_EQ(out.completions[0].entry.exit_reason.rfind("after ", 0), 0u) << out.completions[0].entry.exit_reason;
  EXPECT_NE(out.completions[0].entry.exit_reason.find("'b'"), std::string::npos) << out.completions[0].entry.exit_reason;
}

TEST_F(EngineTest, AllLevelsFailingFailsWithTheLastReason) {
  Add("a", {{"pcmk_host_check", "none"}, {"pcmk_off_retries", "1"}});
  ASSERT_TRUE(engine_.SetTopology({{1, "n2", "", {"a"}}, {2, "n2", "", {"missing"}}}).ok());
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  AgentResult r = Exit(1);
  r.stderr_text = "2024-01-01 ERROR: Failed: boom\n";
  engine_.OnAgentResult(OneRun(out).run_id, r, 5);
  out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kFailed);
  EXPECT_TRUE(absl::StrContains(out.completions[0].entry.exit_reason, "'missing' is not registered"));
  EXPECT_FALSE(out.completions[0].no_device);
}

TEST_F(EngineTest, RebootOnMultiDeviceLevelIsOffThenOn) {
  for (const char* d : {"a", "b"}) Add(d, {{"pcmk_host_check", "none"}});
  ASSERT_TRUE(engine_.SetTopology({{1, "n2", "", {"a", "b"}}}).ok());
  engine_.OnRequest(Cmd("n2", "reboot"), 0);
  std::vector<std::string> seen;
  EngineOutput out = engine_.TakeOutput();
  for (int i = 0; i < 4; ++i) {
    AgentRun run = OneRun(out);
    seen.push_back(run.device_id + ":" + run.agent_action);
    engine_.OnAgentResult(run.run_id, Exit(run.agent_action == "on" ? 1 : 0), 10 * (i + 1));
    out = engine_.TakeOutput();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a:off", "b:off", "a:on", "b:on"}));
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kSuccess);  // an `on` failure is tolerated
}

TEST_F(EngineTest, HangingAgentTimesOutAndNeverSucceedsLate) {
  Add("d1", {{"pcmk_host_list", "n2"}, {"pcmk_off_timeout", "5"}});
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  AgentRun run = OneRun(out);
  EXPECT_EQ(run.timeout_ms, 5000);  // the runner kills the agent's group then
  engine_.OnTick(4999);
  EXPECT_TRUE(engine_.TakeOutput().completions.empty());
  EXPECT_EQ(engine_.NextWakeMs(), 5000);
  engine_.OnTick(5000);
  out = engine_.TakeOutput();
  EXPECT_TRUE(out.runs.empty());  // no retry after a timeout
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kTimeout);
  engine_.OnAgentResult(run.run_id, Exit(0), 5100);  // too late: ignored
  EXPECT_TRUE(engine_.TakeOutput().completions.empty());
  EXPECT_EQ(engine_.History("n2")[0].state, FenceState::kTimeout);
}

TEST_F(EngineTest, SuccessReportedAfterDeadlineIsATimeout) {
  Add("d1", {{"pcmk_host_list", "n2"}, {"pcmk_off_timeout", "5"}});
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  engine_.OnAgentResult(OneRun(out).run_id, Exit(0), 6000);
  out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kTimeout);
}

TEST_F(EngineTest, RetriesAfterAPauseWithTheRemainingTime) {
  Add("d1", {{"pcmk_host_list", "n2"}, {"pcmk_off_timeout", "20"}, {"pcmk_off_retries", "3"}});
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  engine_.OnAgentResult(OneRun(out).run_id, Exit(1), 2000);
  out = engine_.TakeOutput();
  EXPECT_TRUE(out.runs.empty());
  EXPECT_TRUE(out.completions.empty());
  engine_.OnTick(3000);  // after the 1 s pause
  out = engine_.TakeOutput();
  AgentRun second = OneRun(out);
  EXPECT_EQ(second.timeout_ms, 17000);
  engine_.OnAgentResult(second.run_id, Exit(1), 15000);  // 75 % of the timeout gone: no third try
  out = engine_.TakeOutput();
  EXPECT_TRUE(out.runs.empty());
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kFailed);
}

TEST_F(EngineTest, DelaysAddRequestedBaseAndInjectedRandom) {
  random_ = 1500;
  Add("d1", {{"pcmk_host_list", "n2"}, {"pcmk_delay_base", "1s"}, {"pcmk_delay_max", "5s"}});
  FenceCommand c = Cmd("n2");
  c.delay_ms = 1000;  // priority-fencing-delay
  engine_.OnRequest(c, 0);
  EXPECT_TRUE(engine_.TakeOutput().runs.empty());
  engine_.OnTick(3499);
  EXPECT_TRUE(engine_.TakeOutput().runs.empty());
  engine_.OnTick(3500);
  EngineOutput out = engine_.TakeOutput();
  EXPECT_EQ(OneRun(out).timeout_ms, 60000);  // the delay does not eat the action's timeout
}

TEST_F(EngineTest, MinusOneDisablesDelaysAndOnIsNeverDelayed) {
  Add("d1", {{"pcmk_host_list", "n2"}, {"pcmk_delay_base", "5s"}});
  FenceCommand c = Cmd("n2");
  c.delay_ms = -1;
  engine_.OnRequest(c, 0);
  EXPECT_EQ(engine_.TakeOutput().runs.size(), 1u);
  engine_.OnRequest(Cmd("n2", "on"), 0);
  EXPECT_EQ(engine_.TakeOutput().runs.size(), 1u);
}

TEST_F(EngineTest, ConcurrentRequestsForTheSameTargetMerge) {
  Add("d1", {{"pcmk_host_list", "n2"}});
  uint64_t r1 = engine_.OnRequest(Cmd("n2", "reboot"), 0);
  uint64_t r2 = engine_.OnRequest(Cmd("n2", "reboot"), 10);
  uint64_t r3 = engine_.OnRequest(Cmd("n2", "off"), 10);  // another action: its own operation
  EngineOutput out = engine_.TakeOutput();
  ASSERT_EQ(out.runs.size(), 2u);
  engine_.OnAgentResult(out.runs[0].run_id, Exit(0), 20);
  out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].request_ids, (std::vector<uint64_t>{r1, r2}));
  EXPECT_NE(r3, r1);
}

TEST_F(EngineTest, SelfFencingOnlyWhenAllowed) {
  Add("d1", {{"pcmk_host_list", "n1 n2"}});
  engine_.OnRequest(Cmd("n1"), 0);
  EngineOutput out = engine_.TakeOutput();
  EXPECT_TRUE(out.runs.empty());
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kFailed);
  EXPECT_TRUE(out.completions[0].no_device);
  EXPECT_TRUE(absl::StrContains(out.completions[0].entry.exit_reason, "refusing to fence the local node"));
  EXPECT_TRUE(engine_.Query("n1", false).empty());
  FenceCommand c = Cmd("n1");
  c.allow_self = true;
  engine_.OnRequest(c, 0);
  EXPECT_EQ(engine_.TakeOutput().runs.size(), 1u);
}

TEST_F(EngineTest, ConfirmCompletesPendingOperationsAndIsRecorded) {
  Add("d1", {{"pcmk_host_list", "n2"}});
  uint64_t rid = engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput first = engine_.TakeOutput();
  AgentRun run = OneRun(first);
  FenceEvent e = engine_.Confirm("n2", "operator", 100);
  EXPECT_EQ(e.delegate, "manual");
  EXPECT_EQ(e.state, FenceState::kSuccess);
  EngineOutput out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_EQ(out.completions[0].request_ids, std::vector<uint64_t>{rid});
  EXPECT_EQ(out.completions[0].entry.state, FenceState::kSuccess);
  engine_.OnAgentResult(run.run_id, Exit(1), 200);  // late result of the abandoned run
  EXPECT_TRUE(engine_.TakeOutput().completions.empty());
  EXPECT_EQ(engine_.History("n2").size(), 2u);
}

TEST_F(EngineTest, DynamicListIsRunCachedAndMatchedByAlias) {
  Add("d1", {{"pcmk_host_map", "n2:plug2"}, {"pcmk_host_check", "dynamic-list"}},
      {"on", "off", "reboot", "status", "list"});
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  AgentRun list = OneRun(out);
  EXPECT_EQ(list.stdin_text, "action=list\n");
  engine_.OnAgentResult(list.run_id, Exit(0, "plug1,alias1\nplug2,alias2\n"), 10);
  out = engine_.TakeOutput();
  AgentRun off = OneRun(out);
  EXPECT_EQ(off.stdin_text, "action=off\nnodename=n2\nport=plug2\n");
  engine_.OnAgentResult(off.run_id, Exit(0), 20);
  engine_.TakeOutput();
  engine_.OnRequest(Cmd("n2", "on"), 30000);  // list still cached
  out = engine_.TakeOutput();
  EXPECT_EQ(OneRun(out).agent_action, "on");
}

TEST_F(EngineTest, StatusCheckDecidesEligibility) {
  Add("d1", {});  // no list: default check is status
  engine_.OnRequest(Cmd("n2"), 0);
  EngineOutput out = engine_.TakeOutput();
  AgentRun status = OneRun(out);
  EXPECT_EQ(status.agent_action, "status");
  engine_.OnAgentResult(status.run_id, Exit(2), 10);  // 2 = off: the device reaches it
  out = engine_.TakeOutput();
  EXPECT_EQ(OneRun(out).agent_action, "off");

  engine_.OnRequest(Cmd("n3"), 100);
  out = engine_.TakeOutput();
  engine_.OnAgentResult(OneRun(out).run_id, Exit(1), 110);  // 1: cannot fence n3
  out = engine_.TakeOutput();
  ASSERT_EQ(out.completions.size(), 1u);
  EXPECT_TRUE(out.completions[0].no_device);
}

TEST_F(EngineTest, HistoryIsTrimmedToHalfWhenFull) {
  EngineOptions o = Options();
  o.max_history = 4;
  FenceEngine small(o);
  for (int i = 0; i < 5; ++i) small.Confirm("n" + std::to_string(i), "op", i);
  EngineOutput out = small.TakeOutput();
  EXPECT_EQ(out.history_removed.size(), 2u);
  EXPECT_EQ(small.History("").size(), 3u);
}

TEST_F(EngineTest, PendingHistoryFromAPreviousRunBecomesFailed) {
  FenceEvent e;
  e.id = "0000000000001-n1-000001";
  e.target = "n2";
  e.action = "off";
  engine_.LoadHistory({e}, 50);
  auto h = engine_.History("");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].state, FenceState::kFailed);
  EXPECT_EQ(engine_.TakeOutput().history_updates.size(), 1u);
}

}  // namespace
}  // namespace baton::fencing
