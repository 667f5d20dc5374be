// Tests for the executor (with FakeProcessRunner and injected time) and for
// RealProcessRunner (small shell scripts in a temporary directory).
#include "crmd/executor/executor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "lib/process/process_runner.h"
#include "tests/support/fake_process_runner.h"

namespace baton::executor {
namespace {

using process::FakeProcessRunner;
using process::RealProcessRunner;
using process::RealProcessRunnerOptions;
using ::testing::Test;

ExecutorOptions FakeOptions(std::set<std::string> executables = {
                                "/usr/lib/ocf/resource.d/heartbeat/IPaddr2",
                                "/usr/lib/ocf/resource.d/pacemaker/Dummy"}) {
  ExecutorOptions o;
  o.tools_dir = "/usr/lib/baton/tools";
  o.is_executable = [executables](const std::string& p) { return executables.count(p) > 0; };
  return o;
}

OperationRequest Op(const std::string& rsc, const std::string& action, int64_t interval = 0) {
  OperationRequest r;
  r.rsc_id = rsc;
  r.provider = "pacemaker";
  r.type = "Dummy";
  r.action = action;
  r.interval_ms = interval;
  return r;
}

// ---------------------------------------------------------------- environment

TEST(ExecutorEnv, FullOcfEnvironment) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  OperationRequest req = Op("vip", "start");
  req.provider = "heartbeat";
  req.type = "IPaddr2";
  req.timeout_ms = 30000;
  req.params = {{"ip", "10.0.0.5"}, {"cidr_netmask", "24"}, {"OCF_CHECK_LEVEL", "10"}};
  req.meta = {{"on_node", "alpha"}, {"clone-max", "3"}};
  ASSERT_TRUE(ex.Submit(req, 0).ok());
  ex.OnTick(0);
  ASSERT_EQ(runner.calls().size(), 1u);
  const ProcessSpec& spec = runner.calls()[0].spec;
  EXPECT_EQ(spec.program, "/usr/lib/ocf/resource.d/heartbeat/IPaddr2");
  EXPECT_EQ(spec.argv, (std::vector<std::string>{spec.program, "start"}));
  EXPECT_EQ(spec.timeout_ms, 30000);
  EXPECT_FALSE(spec.stdin_data.has_value());
  const auto& env = spec.env;
  EXPECT_EQ(env.at("OCF_ROOT"), "/usr/lib/ocf");
  EXPECT_EQ(env.at("OCF_RA_VERSION_MAJOR"), "1");
  EXPECT_EQ(env.at("OCF_RA_VERSION_MINOR"), "1");
  EXPECT_EQ(env.at("OCF_RESOURCE_INSTANCE"), "vip");
  EXPECT_EQ(env.at("OCF_RESOURCE_TYPE"), "IPaddr2");
  EXPECT_EQ(env.at("OCF_RESOURCE_PROVIDER"), "heartbeat");
  EXPECT_EQ(env.at("OCF_RESKEY_ip"), "10.0.0.5");
  EXPECT_EQ(env.at("OCF_RESKEY_cidr_netmask"), "24");
  EXPECT_EQ(env.at("OCF_CHECK_LEVEL"), "10");
  EXPECT_EQ(env.count("OCF_RESKEY_OCF_CHECK_LEVEL"), 0u);
  EXPECT_EQ(env.at("OCF_RESKEY_CRM_meta_on_node"), "alpha");
  EXPECT_EQ(env.at("OCF_RESKEY_CRM_meta_clone_max"), "3");
  EXPECT_EQ(env.at("OCF_RESKEY_CRM_meta_timeout"), "30000");
  EXPECT_EQ(env.at("OCF_RESKEY_CRM_meta_interval"), "0");
  EXPECT_EQ(env.at("OCF_RESKEY_crm_feature_set"), "3.16.1");
  EXPECT_EQ(env.at("OCF_EXIT_REASON_PREFIX"), "ocf-exit-reason:");
  EXPECT_EQ(env.at("HA_RSCTMP"), "/run/resource-agents");
  EXPECT_EQ(env.at("OCF_TRACE_RA"), "0");
  EXPECT_EQ(env.at("PATH").rfind("/usr/lib/baton/tools:", 0), 0u) << env.at("PATH");
}

TEST(ExecutorEnv, RecurringMonitorIntervalAndDefaultTimeout) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  OperationRequest req = Op("d", "monitor", 15000);
  req.timeout_ms = 0;  // falls back to the interval
  ASSERT_TRUE(ex.Submit(req, 0).ok());
  ex.OnTick(0);
  ASSERT_EQ(runner.calls().size(), 1u);
  EXPECT_EQ(runner.calls()[0].spec.env.at("OCF_RESKEY_CRM_meta_interval"), "15000");
  EXPECT_EQ(runner.calls()[0].spec.env.at("OCF_RESKEY_CRM_meta_timeout"), "15000");
  EXPECT_EQ(runner.calls()[0].spec.timeout_ms, 15000);
}

TEST(ExecutorEnv, MetaDataUsesTypeAsInstanceAndNoToolsDirMeansPlainPath) {
  FakeProcessRunner runner;
  ExecutorOptions o = FakeOptions();
  o.tools_dir = "";
  Executor ex(o, &runner);
  runner.Script(FakeProcessRunner::Exit(0, "", "<resource-agent/>"));
  ASSERT_TRUE(ex.Submit(Op("d", "meta-data"), 0).ok());
  ex.OnTick(0);
  auto reports = ex.OnTick(1);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].output, "<resource-agent/>");
  EXPECT_EQ(runner.calls()[0].spec.env.at("OCF_RESOURCE_INSTANCE"), "Dummy");
  EXPECT_EQ(runner.calls()[0].spec.env.at("PATH"), o.base_path);
}

// ---------------------------------------------------------------- agent lookup

TEST(ExecutorAgents, BatonDirFirstThenResourceDirsInOrder) {
  ExecutorOptions o = FakeOptions({"/opt/baton/agents/IPaddr", "/b/baton/Stateful",
                                   "/a/pacemaker/Dummy", "/b/pacemaker/Dummy"});
  o.baton_agents_dir = "/opt/baton/agents";
  o.resource_dirs = {"/a", "/b"};
  FakeProcessRunner runner;
  Executor ex(o, &runner);
  EXPECT_EQ(ex.FindAgent("baton", "IPaddr"), "/opt/baton/agents/IPaddr");
  EXPECT_EQ(ex.FindAgent("baton", "Stateful"), "/b/baton/Stateful");
  EXPECT_EQ(ex.FindAgent("pacemaker", "Dummy"), "/a/pacemaker/Dummy");
  EXPECT_EQ(ex.FindAgent("pacemaker", "Nope"), std::nullopt);
  EXPECT_EQ(ex.FindAgent("..", "Dummy"), std::nullopt);
  EXPECT_EQ(ex.FindAgent("pacemaker", "../pacemaker/Dummy"), std::nullopt);
}

TEST(ExecutorAgents, MissingAgentIsNotInstalledWithoutRunningAnything) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  OperationRequest req = Op("x", "monitor");
  req.type = "Missing";
  ASSERT_TRUE(ex.Submit(req, 0).ok());
  auto reports = ex.OnTick(5);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rc, 5);
  EXPECT_EQ(reports[0].status, ExecStatus::kNotInstalled);
  EXPECT_EQ(reports[0].exit_reason, "Agent ocf:pacemaker:Missing is not installed");
  EXPECT_TRUE(runner.calls().empty());
}

TEST(ExecutorSubmit, RejectsBadRequests) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  EXPECT_EQ(ex.Submit(Op("d", "migrate_sideways"), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ex.Submit(Op("", "start"), 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ex.Submit(Op("d", "promote", 1000), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  OperationRequest no_type = Op("d", "start");
  no_type.type = "";
  EXPECT_FALSE(ex.Submit(no_type, 0).ok());
  ASSERT_TRUE(ex.Submit(Op("d", "monitor", 1000), 0).ok());
  EXPECT_EQ(ex.Submit(Op("d", "monitor", 1000), 0).status().code(),
            absl::StatusCode::kAlreadyExists);
  // start never carries an interval.
  ASSERT_TRUE(ex.Submit(Op("e", "start", 5000), 0).ok());
  ex.OnTick(0);
  EXPECT_EQ(runner.calls().back().spec.env.at("OCF_RESKEY_CRM_meta_interval"), "0");
}

// ---------------------------------------------------------------- exit codes

TEST(ExitCodes, ValidCodesAreKept) {
  for (int rc : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191}) {
    MappedResult m = MapProcessResult(FakeProcessRunner::Exit(rc), 20000);
    EXPECT_EQ(m.rc, rc);
    EXPECT_EQ(m.status, ExecStatus::kDone);
  }
}

TEST(ExitCodes, OutOfRangeAndGarbageBecomeGenericError) {
  for (int rc : {10, 99, 126, 127, 189, 192, 255, -1, -255, 100000, INT32_MIN, INT32_MAX}) {
    MappedResult m = MapProcessResult(FakeProcessRunner::Exit(rc), 20000);
    EXPECT_EQ(m.rc, 1) << rc;
    EXPECT_EQ(m.status, ExecStatus::kDone) << rc;
  }
  ProcessResult nothing;  // neither exit code nor signal
  MappedResult m = MapProcessResult(nothing, 20000);
  EXPECT_EQ(m.rc, 1);
  EXPECT_EQ(m.status, ExecStatus::kError);
  EXPECT_FALSE(m.exit_reason.empty());
}

TEST(ExitCodes, SignalTimeoutAndSpawnFailure) {
  ProcessResult sig;
  sig.term_signal = SIGTERM;
  MappedResult m = MapProcessResult(sig, 20000);
  EXPECT_EQ(m.rc, 1);
  EXPECT_EQ(m.status, ExecStatus::kError);
  EXPECT_EQ(m.exit_reason, "Resource agent interrupted by Terminated signal");

  ProcessResult weird;
  weird.term_signal = 1000;
  EXPECT_EQ(MapProcessResult(weird, 1).rc, 1);

  ProcessResult to;
  to.timed_out = true;
  to.term_signal = SIGKILL;
  m = MapProcessResult(to, 20000);
  EXPECT_EQ(m.rc, 1);
  EXPECT_EQ(m.status, ExecStatus::kTimedOut);
  EXPECT_EQ(m.exit_reason, "Resource agent did not complete within 20s");
  EXPECT_EQ(MapProcessResult(to, 1500).exit_reason,
            "Resource agent did not complete within 1500ms");

  ProcessResult spawn;
  spawn.spawn_error = "exec /x: Permission denied";
  m = MapProcessResult(spawn, 20000);
  EXPECT_EQ(m.rc, 1);
  EXPECT_EQ(m.status, ExecStatus::kError);
  EXPECT_EQ(m.exit_reason, "Failed to execute agent: exec /x: Permission denied");
}

TEST(ExitCodes, TextsMatchPacemaker) {
  EXPECT_STREQ(OcfRcText(7), "not running");
  EXPECT_STREQ(OcfRcText(190), "OCF_DEGRADED");
  EXPECT_STREQ(OcfRcText(42), "unknown");
  EXPECT_STREQ(ExecStatusText(ExecStatus::kTimedOut), "Timed Out");
}

TEST(ExitCodes, ThroughTheExecutor) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  runner.Script(FakeProcessRunner::Exit(300, "ocf-exit-reason:odd\n"));
  ASSERT_TRUE(ex.Submit(Op("d", "start"), 0).ok());
  ex.OnTick(0);
  auto reports = ex.OnTick(7);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rc, 1);
  EXPECT_EQ(reports[0].exit_reason, "odd");
  EXPECT_EQ(reports[0].started_ms, 0);
  EXPECT_EQ(reports[0].finished_ms, 7);
}

// ---------------------------------------------------------------- exit reason

TEST(ExitReason, LastOneWinsTrimmedAndCapped) {
  EXPECT_EQ(ParseExitReason(""), "");
  EXPECT_EQ(ParseExitReason("some noise\nmore\n"), "");
  EXPECT_EQ(ParseExitReason("ocf-exit-reason:IP address (the ip parameter) is mandatory\n"),
            "IP address (the ip parameter) is mandatory");
  EXPECT_EQ(ParseExitReason("ocf-exit-reason:first\nlog line\nocf-exit-reason:  second \r\n"
                            "trailing log\n"),
            "second");
  EXPECT_EQ(ParseExitReason("Nov 26 ERROR: x\nocf-exit-reason:no newline"), "no newline");
  EXPECT_EQ(ParseExitReason("ocf-exit-reason:real\nocf-exit-reason:   \n"), "");
  std::string long_reason(500, 'x');
  EXPECT_EQ(ParseExitReason("ocf-exit-reason:" + long_reason + "\n"),
            std::string(kMaxExitReasonLength, 'x'));
}

// ---------------------------------------------------------------- serialisation

TEST(ExecutorQueue, OneOperationAtATimePerResource) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  int a1 = *ex.Submit(Op("a", "start"), 0);
  int a2 = *ex.Submit(Op("a", "monitor"), 0);
  int a3 = *ex.Submit(Op("a", "stop"), 0);
  int b1 = *ex.Submit(Op("b", "start"), 0);
  EXPECT_LT(a1, a2);
  EXPECT_LT(a2, a3);
  ex.OnTick(0);
  ASSERT_EQ(runner.running().size(), 2u);  // a's start and b's start, in parallel
  EXPECT_EQ(runner.calls()[0].spec.argv[1], "start");
  EXPECT_EQ(runner.calls()[0].spec.env.at("OCF_RESOURCE_INSTANCE"), "a");
  EXPECT_EQ(runner.calls()[1].spec.env.at("OCF_RESOURCE_INSTANCE"), "b");
  EXPECT_TRUE(ex.OnTick(100).empty());  // nothing more starts while a runs
  EXPECT_EQ(runner.calls().size(), 2u);

  ASSERT_TRUE(runner.Complete(runner.calls()[0].handle, FakeProcessRunner::Exit(0)));
  auto reports = ex.OnTick(200);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].call_id, a1);
  EXPECT_EQ(reports[0].queue_time_ms(), 0);
  ASSERT_EQ(runner.calls().size(), 3u);
  EXPECT_EQ(runner.calls()[2].spec.argv[1], "monitor");
  EXPECT_EQ(runner.running().size(), 2u);

  ASSERT_TRUE(runner.Complete(runner.calls()[2].handle, FakeProcessRunner::Exit(0)));
  reports = ex.OnTick(300);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].call_id, a2);
  EXPECT_EQ(reports[0].queue_time_ms(), 200);
  EXPECT_EQ(runner.calls()[3].spec.argv[1], "stop");

  ASSERT_TRUE(runner.Complete(runner.calls()[1].handle, FakeProcessRunner::Exit(0)));
  ASSERT_TRUE(runner.Complete(runner.calls()[3].handle, FakeProcessRunner::Exit(0)));
  reports = ex.OnTick(400);
  ASSERT_EQ(reports.size(), 2u);
  std::set<int> ids = {reports[0].call_id, reports[1].call_id};
  EXPECT_EQ(ids, (std::set<int>{a3, b1}));
  EXPECT_FALSE(ex.Busy("a"));
}

// ---------------------------------------------------------------- recurring

TEST(ExecutorRecurring, RunsByIntervalAndReportsOnlyChanges) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  int id = *ex.Submit(Op("d", "monitor", 10000), 0);
  runner.Script(FakeProcessRunner::Exit(0));
  EXPECT_TRUE(ex.OnTick(0).empty());  // started
  auto reports = ex.OnTick(50);
  ASSERT_EQ(reports.size(), 1u);  // first result is always reported
  EXPECT_EQ(reports[0].call_id, id);
  EXPECT_EQ(reports[0].rc, 0);
  EXPECT_EQ(ex.NextWakeupMs(), 10050);

  EXPECT_TRUE(ex.OnTick(5000).empty());
  EXPECT_EQ(runner.calls().size(), 1u);  // not due yet

  runner.Script(FakeProcessRunner::Exit(0));
  ex.OnTick(10050);
  EXPECT_EQ(runner.calls().size(), 2u);
  EXPECT_EQ(ex.NextWakeupMs(), std::nullopt);  // in flight
  EXPECT_TRUE(ex.OnTick(10060).empty());       // same result: not reported
  auto hist = ex.History("d");
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].started_ms, 10050);  // but the history moved on
  EXPECT_EQ(hist[0].last_rc_change_ms, 50);

  runner.Script(FakeProcessRunner::Exit(7, "ocf-exit-reason:gone\n"));
  ex.OnTick(20060);
  reports = ex.OnTick(20070);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rc, 7);
  EXPECT_EQ(reports[0].call_id, id);  // a recurring op keeps its call id
  EXPECT_EQ(reports[0].exit_reason, "gone");
  EXPECT_EQ(ex.History("d")[0].last_rc_change_ms, 20070);

  runner.Script(FakeProcessRunner::Exit(7));
  ex.OnTick(30070);
  EXPECT_TRUE(ex.OnTick(30080).empty());

  ProcessResult timeout;
  timeout.timed_out = true;
  timeout.term_signal = SIGKILL;
  runner.Script(timeout);  // rc 7 -> rc 1 with status Timed Out: a change
  ex.OnTick(40080);
  reports = ex.OnTick(40090);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status, ExecStatus::kTimedOut);
  EXPECT_EQ(runner.calls().size(), 5u);
}

TEST(ExecutorRecurring, QueuesBehindOtherOperationsOfTheResource) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  ASSERT_TRUE(ex.Submit(Op("d", "start"), 0).ok());
  ex.OnTick(0);
  ASSERT_TRUE(ex.Submit(Op("d", "monitor", 1000), 0).ok());
  ex.OnTick(2000);
  EXPECT_EQ(runner.calls().size(), 1u);  // the start still runs
  runner.Complete(runner.calls()[0].handle, FakeProcessRunner::Exit(0));
  ex.OnTick(2500);
  ASSERT_EQ(runner.calls().size(), 2u);
  EXPECT_EQ(runner.calls()[1].spec.argv[1], "monitor");
}

TEST(ExecutorRecurring, CancelWhileRunningAndWhileIdle) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  int id = *ex.Submit(Op("d", "monitor", 1000), 0);
  ex.OnTick(0);
  ASSERT_TRUE(ex.Cancel("d", "monitor", 1000).ok());
  EXPECT_EQ(ex.Cancel("d", "monitor", 1000).code(), absl::StatusCode::kNotFound);
  runner.Complete(runner.calls()[0].handle, FakeProcessRunner::Exit(0));
  auto reports = ex.OnTick(10);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].call_id, id);
  EXPECT_EQ(reports[0].status, ExecStatus::kCancelled);
  EXPECT_TRUE(ex.History("d").empty());
  EXPECT_TRUE(ex.OnTick(100000).empty());
  EXPECT_EQ(runner.calls().size(), 1u);

  runner.Script(FakeProcessRunner::Exit(0));
  id = *ex.Submit(Op("d", "monitor", 1000), 200000);
  ex.OnTick(200000);
  ASSERT_EQ(ex.OnTick(200001).size(), 1u);
  ASSERT_TRUE(ex.Cancel("d", "monitor", 1000).ok());
  reports = ex.OnTick(200002);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status, ExecStatus::kCancelled);
  EXPECT_EQ(ex.NextWakeupMs(), std::nullopt);
  EXPECT_TRUE(ex.ForgetResource("d").ok());
}

TEST(ExecutorHistory, OneEntryPerOpKeyOrderedByCallId) {
  FakeProcessRunner runner;
  Executor ex(FakeOptions(), &runner);
  runner.Script(FakeProcessRunner::Exit(7));
  runner.Script(FakeProcessRunner::Exit(1, "ocf-exit-reason:boom\n"));
  ASSERT_TRUE(ex.Submit(Op("d", "monitor"), 0).ok());
  ASSERT_TRUE(ex.Submit(Op("d", "start"), 0).ok());
  for (int t = 0; t < 5; ++t) ex.OnTick(t);
  auto hist = ex.History("d");
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0].OpKey(), "d_monitor_0");
  EXPECT_EQ(hist[0].rc, 7);
  EXPECT_EQ(hist[1].OpKey(), "d_start_0");
  EXPECT_EQ(hist[1].rc, 1);
  EXPECT_EQ(hist[1].exit_reason, "boom");
  EXPECT_TRUE(hist[1].output.empty());
  EXPECT_TRUE(ex.History("nope").empty());
}

// ---------------------------------------------------------------- real runner

bool ProcessGone(pid_t pid) {
  // Gone, or a zombie waiting for init to reap it: either way not running.
  for (int i = 0; i < 300; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool NoChildrenLeft() {
  errno = 0;
  return waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

class RealRunnerTest : public Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "executor_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (pid_t pid : to_kill_) kill(pid, SIGKILL);
    std::filesystem::remove_all(dir_);
  }
  std::string Script(const std::string& name, const std::string& body) {
    std::filesystem::path p = std::filesystem::path(dir_) / name;
    std::filesystem::create_directories(p.parent_path());
    {
      std::ofstream f(p);
      f << "#!/bin/sh\n" << body;
    }
    chmod(p.c_str(), 0755);
    return p.string();
  }
  ProcessSpec Spec(const std::string& path, int64_t timeout_ms = 10000) {
    ProcessSpec s;
    s.program = path;
    s.argv = {path};
    s.env = {{"PATH", "/usr/bin:/bin"}};
    s.timeout_ms = timeout_ms;
    return s;
  }

  std::string dir_;
  std::vector<pid_t> to_kill_;  // background processes a test script started
};

TEST_F(RealRunnerTest, NormalExitWithOutputEnvAndStdin) {
  RealProcessRunner runner;
  ProcessSpec s = Spec(Script("a.sh",
                              "echo \"hello $GREETING $1\"\n"
                              "read line; echo \"in:$line\"\n"
                              "echo oops >&2\nexit 3\n"));
  s.argv.push_back("start");
  s.env["GREETING"] = "world";
  s.stdin_data = "fed\n";
  ProcessResult r = runner.RunBlocking(s);
  EXPECT_TRUE(r.spawn_error.empty()) << r.spawn_error;
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 3);
  EXPECT_FALSE(r.term_signal.has_value());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stdout_data, "hello world start\nin:fed\n");
  EXPECT_EQ(r.stderr_data, "oops\n");
  EXPECT_LT(r.duration_ms, 5000);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, ChildThatIgnoresStdinDoesNotKillUs) {
  RealProcessRunner runner;
  ProcessSpec s = Spec(Script("noread.sh", "exec 0<&-\nexit 0\n"));
  s.stdin_data = std::string(1 << 20, 'x');  // more than a pipe holds
  ProcessResult r = runner.RunBlocking(s);
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0);
  EXPECT_TRUE(NoChildrenLeft());
}

size_t OpenFdCount() {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

TEST_F(RealRunnerTest, NoFileDescriptorsLeak) {
  RealProcessRunner runner;
  std::string ok = Script("ok.sh", "echo x\n");
  runner.RunBlocking(Spec(ok));  // let lazily opened runtime fds settle
  size_t before = OpenFdCount();
  for (int i = 0; i < 5; ++i) {
    ProcessSpec s = Spec(ok);
    if (i % 2 == 0) s.stdin_data = "in";
    runner.RunBlocking(s);
    runner.RunBlocking(Spec(dir_ + "/missing"));
  }
  EXPECT_EQ(OpenFdCount(), before);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, MissingProgramIsASpawnError) {
  RealProcessRunner runner;
  ProcessResult r = runner.RunBlocking(Spec(dir_ + "/does-not-exist"));
  EXPECT_NE(r.spawn_error.find("No such file"), std::string::npos) << r.spawn_error;
  EXPECT_FALSE(r.exit_code.has_value());
  EXPECT_EQ(MapProcessResult(r, 1000).rc, 1);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, HangingScriptIsKilledWithItsChildAtTheTimeout) {
  RealProcessRunner runner(RealProcessRunnerOptions{64 * 1024, 200});
  // The child ignores SIGTERM, as pacemaker's Dummy does: SIGKILL must follow.
  std::string pidfile = dir_ + "/child.pid";
  ProcessSpec s = Spec(Script("hang.sh",
                              "trap '' TERM\n"
                              "sleep 60 &\n"
                              "echo $! > " + pidfile + "\n"
                              "echo started\n"
                              "while :; do sleep 1; done\n"),
                       300);
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = runner.RunBlocking(s);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  ASSERT_TRUE(r.term_signal.has_value());
  EXPECT_EQ(*r.term_signal, SIGKILL);
  EXPECT_EQ(r.stdout_data, "started\n");
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  std::ifstream f(pidfile);
  pid_t child = 0;
  ASSERT_TRUE(f >> child);
  ASSERT_GT(child, 0);
  if (!ProcessGone(child)) to_kill_.push_back(child);
  EXPECT_TRUE(ProcessGone(child)) << "child " << child << " survived the timeout";
  EXPECT_EQ(MapProcessResult(r, 300).status, ExecStatus::kTimedOut);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, ScriptThatHonoursSigtermEndsWithinTheGrace) {
  RealProcessRunner runner(RealProcessRunnerOptions{64 * 1024, 5000});
  ProcessResult r = runner.RunBlocking(Spec(Script("t.sh", "exec sleep 60\n"), 200));
  EXPECT_TRUE(r.timed_out);
  ASSERT_TRUE(r.term_signal.has_value());
  EXPECT_EQ(*r.term_signal, SIGTERM);
  EXPECT_LT(r.duration_ms, 4000);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, BackgroundGrandchildHoldingStdoutDoesNotHangUs) {
  RealProcessRunner runner;
  ProcessResult r = runner.RunBlocking(
      Spec(Script("bg.sh", "sleep 30 &\necho $!\necho bye >&2\nexit 0\n"), 20000));
  EXPECT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0);
  EXPECT_LT(r.duration_ms, 3000);
  EXPECT_EQ(r.stderr_data, "bye\n");
  pid_t grandchild = static_cast<pid_t>(atoi(r.stdout_data.c_str()));
  ASSERT_GT(grandchild, 0) << r.stdout_data;
  to_kill_.push_back(grandchild);  // it is not ours to wait for; clean it up
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, LargeOutputIsCappedAndDoesNotBlockTheChild) {
  RealProcessRunner runner;
  ProcessResult r = runner.RunBlocking(Spec(
      Script("big.sh", "head -c 1000000 /dev/zero\nhead -c 300000 /dev/zero >&2\nexit 0\n")));
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0);
  EXPECT_EQ(r.stdout_data.size(), 64u * 1024);
  EXPECT_EQ(r.stderr_data.size(), 64u * 1024);
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_TRUE(r.stderr_truncated);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST_F(RealRunnerTest, SignalledChildReportsTheSignal) {
  RealProcessRunner runner;
  ProcessResult r = runner.RunBlocking(Spec(Script("s.sh", "kill -TERM $$\nsleep 5\n")));
  ASSERT_TRUE(r.term_signal.has_value());
  EXPECT_EQ(*r.term_signal, SIGTERM);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(MapProcessResult(r, 1000).exit_reason,
            "Resource agent interrupted by Terminated signal");
}

TEST_F(RealRunnerTest, ExecutorRunsRealAgentsAsynchronously) {
  Script("resource.d/test/Echo",
         "echo \"$OCF_RESOURCE_INSTANCE $OCF_RESKEY_msg $1\"\n"
         "echo ocf-exit-reason:from the agent >&2\n"
         "exit 7\n");
  ExecutorOptions o;
  o.resource_dirs = {dir_ + "/resource.d"};
  o.baton_agents_dir = "";
  RealProcessRunner runner;
  std::vector<OperationResult> reports;
  {
    Executor ex(o, &runner);
    OperationRequest req;
    req.rsc_id = "r1";
    req.provider = "test";
    req.type = "Echo";
    req.action = "meta-data";
    req.params = {{"msg", "hi"}};
    ASSERT_TRUE(ex.Submit(req, 0).ok());
    req.rsc_id = "r2";
    req.action = "monitor";
    ASSERT_TRUE(ex.Submit(req, 0).ok());
    for (int i = 0; i < 500 && reports.size() < 2; ++i) {
      for (auto& r : ex.OnTick(i * 10)) reports.push_back(std::move(r));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_EQ(reports.size(), 2u);
  std::sort(reports.begin(), reports.end(),
            [](const auto& a, const auto& b) { return a.rsc_id < b.rsc_id; });
  EXPECT_EQ(reports[0].output, "Echo hi meta-data\n");
  EXPECT_EQ(reports[1].rc, 7);
  EXPECT_EQ(reports[1].status, ExecStatus::kDone);
  EXPECT_EQ(reports[1].exit_reason, "from the agent");
  EXPECT_TRUE(NoChildrenLeft());
}

}  // namespace
}  // namespace baton::executor
