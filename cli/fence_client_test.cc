// crm's fencing commands: argument parsing, the socket choice, history
// lines, exit codes against a fake fencer, and one run against the real
// baton-fenced with Debian's fence_dummy (skipped without it).
#include "cli/fence_client.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/temp_dir.h"

extern "C" char** environ;

namespace baton::cli {
namespace {

using fencing::ConfirmReply;
using fencing::ConfirmRequest;
using fencing::FenceReply;
using fencing::FenceRequest;
using fencing::HistoryEntry;
using fencing::HistoryReply;
using fencing::HistoryRequest;

// 2026-11-26 01:00:00 UTC
constexpr int64_t kT0 = 1795654800000;

HistoryEntry Entry(const std::string& action, const std::string& target, const std::string& state,
                   int64_t completed_ms, const std::string& reason = "") {
  HistoryEntry e;
  e.set_id(std::to_string(completed_ms));
  e.set_action(action);
  e.set_target(target);
  e.set_state(state);
  e.set_delegate(state == "pending" ? "" : "n1");
  e.set_origin("n3");
  e.set_client("crm.42");
  e.add_devices("netns");
  e.set_started_ms(completed_ms > 0 ? completed_ms - 250 : kT0);
  e.set_completed_ms(completed_ms);
  e.set_exit_reason(reason);
  return e;
}

std::string Utc(int64_t ms) { return FormatFenceTime(ms, 0); }

// Answers from canned replies and records what it was asked.
struct FakeFencer {
  absl::StatusOr<FenceReply> fence_reply = absl::UnavailableError("unset");
  absl::StatusOr<ConfirmReply> confirm_reply = absl::UnavailableError("unset");
  absl::StatusOr<HistoryReply> history_reply = absl::UnavailableError("unset");
  std::vector<FenceRequest> fences;
  std::vector<ConfirmRequest> confirms;
  std::vector<HistoryRequest> histories;
  std::vector<std::string> sockets;
  int64_t last_deadline_ms = 0;
};

class FakeConnection : public FencerConnection {
 public:
  explicit FakeConnection(FakeFencer* f) : f_(f) {}
  absl::StatusOr<FenceReply> Fence(const FenceRequest& req, int64_t deadline_ms) override {
    f_->fences.push_back(req);
    f_->last_deadline_ms = deadline_ms;
    return f_->fence_reply;
  }
  absl::StatusOr<ConfirmReply> Confirm(const ConfirmRequest& req, int64_t) override {
    f_->confirms.push_back(req);
    return f_->confirm_reply;
  }
  absl::StatusOr<HistoryReply> History(const HistoryRequest& req, int64_t) override {
    f_->histories.push_back(req);
    return f_->history_reply;
  }

 private:
  FakeFencer* f_;
};

class FenceCliTest : public ::testing::Test {
 protected:
  FenceCliContext Context() {
    FenceCliContext ctx;
    ctx.env = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    ctx.connect = [this](const std::string& socket) {
      fake_.sockets.push_back(socket);
      return std::make_unique<FakeConnection>(&fake_);
    };
    ctx.format_time = Utc;
    ctx.client = "crm.42";
    ctx.out = &out_;
    ctx.err = &err_;
    return ctx;
  }
  int Fence(const std::vector<std::string>& args) {
    auto ctx = Context();
    return RunNodeFence(args, ctx);
  }

  std::map<std::string, std::string> env_;
  FakeFencer fake_;
  std::ostringstream out_, err_;
};

TEST(ParseNodeFenceArgs, DefaultsToRebootAndTheFencersTimeout) {
  auto p = ParseNodeFenceArgs({"n2"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->node, "n2");
  EXPECT_EQ(p->action, "reboot");
  EXPECT_EQ(p->timeout_ms, 0);
  EXPECT_EQ(p->socket, "");
}

TEST(ParseNodeFenceArgs, TakesActionTimeoutAndSocketInEitherForm) {
  auto p = ParseNodeFenceArgs({"--action", "off", "n2", "--timeout=1500", "--fenced-socket", "/x.sock"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->action, "off");
  EXPECT_EQ(p->timeout_ms, 1500);
  EXPECT_EQ(p->socket, "/x.sock");
  EXPECT_EQ(ParseNodeFenceArgs({"n2", "--action=on"})->action, "on");
  EXPECT_EQ(ParseNodeFenceArgs({"n2", "--action=poweroff"})->action, "off");  // stonith-action's old name
}

TEST(ParseNodeFenceArgs, RefusesBadInputWithOneClearReason) {
  struct Case {
    std::vector<std::string> args;
    std::string reason;
  };
  for (const auto& c : std::vector<Case>{
           {{}, "exactly one node"},
           {{"n2", "n3"}, "exactly one node"},
           {{"n2", "--action", "explode"}, "bad action 'explode'"},
           {{"n2", "--action"}, "needs a value"},
           {{"n2", "--timeout", "0"}, "bad timeout '0'"},
           {{"n2", "--timeout", "-5"}, "bad timeout"},
           {{"n2", "--timeout", "10s"}, "bad timeout '10s'"},
           {{"n2", "--colour", "blue"}, "unknown option '--colour'"},
           {{"n2;reboot"}, "bad node name"},
           {{"*"}, "bad node name"},
       }) {
    auto p = ParseNodeFenceArgs(c.args);
    ASSERT_FALSE(p.ok()) << testing::PrintToString(c.args);
    EXPECT_NE(p.status().message().find(c.reason), std::string::npos) << p.status().message();
  }
}

TEST(ParseFencingHistoryArgs, NodeStarOrNothing) {
  EXPECT_EQ(ParseFencingHistoryArgs({})->node, "");
  EXPECT_EQ(ParseFencingHistoryArgs({"*"})->node, "");
  EXPECT_EQ(ParseFencingHistoryArgs({"n2"})->node, "n2");
  EXPECT_TRUE(ParseFencingHistoryArgs({"n2", "-v"})->verbose);
  EXPECT_FALSE(ParseFencingHistoryArgs({"n2", "n3"}).ok());
  EXPECT_FALSE(ParseFencingHistoryArgs({"--bogus"}).ok());
}

TEST(ParseClearstateArgs, ExactlyOneNode) {
  EXPECT_EQ(ParseClearstateArgs({"n2"})->node, "n2");
  EXPECT_EQ(ParseClearstateArgs({"--force", "n2"})->node, "n2");
  EXPECT_FALSE(ParseClearstateArgs({}).ok());
  EXPECT_FALSE(ParseClearstateArgs({"*"}).ok());
  EXPECT_FALSE(ParseClearstateArgs({"n2", "n3"}).ok());
}

TEST(ParseStonithAdminArgs, PacemakerForms) {
  auto fence = ParseStonithAdminArgs({"--fence", "n2", "--timeout", "5"});
  ASSERT_TRUE(fence.ok()) << fence.status();
  EXPECT_EQ(fence->command, StonithAdminArgs::Command::kFence);
  EXPECT_EQ(fence->action, "off");  // stonith_admin --fence is an off
  EXPECT_EQ(fence->timeout_ms, 5000);  // seconds, as stonith_admin's
  EXPECT_EQ(ParseStonithAdminArgs({"-B", "n2"})->action, "reboot");
  EXPECT_EQ(ParseStonithAdminArgs({"--off=n2"})->action, "off");
  EXPECT_EQ(ParseStonithAdminArgs({"--unfence", "n2"})->action, "on");
  EXPECT_EQ(ParseStonithAdminArgs({"--confirm", "n2"})->command, StonithAdminArgs::Command::kConfirm);
  auto history = ParseStonithAdminArgs({"--history", "*"});
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->command, StonithAdminArgs::Command::kHistory);
  EXPECT_EQ(history->node, "*");
  EXPECT_FALSE(ParseStonithAdminArgs({}).ok());
  EXPECT_FALSE(ParseStonithAdminArgs({"--fence", "n2", "--reboot", "n3"}).ok());
  EXPECT_FALSE(ParseStonithAdminArgs({"--confirm", "*"}).ok());
  EXPECT_FALSE(ParseStonithAdminArgs({"--fence", "n2", "-t", "x"}).ok());
}

TEST(FencedSocketPath, FlagThenEnvironmentThenNodeDirThenDefault) {
  std::map<std::string, std::string> env;
  auto get = [&](const std::string& k) -> std::optional<std::string> {
    if (!env.count(k)) return std::nullopt;
    return env[k];
  };
  EXPECT_EQ(FencedSocketPath("", get), "/run/baton/fenced.sock");
  env["BATON_NODE_DIR"] = "/run/baton-testbed/t/n1";
  EXPECT_EQ(FencedSocketPath("", get), "/run/baton-testbed/t/n1/state/fenced.sock");
  env["BATON_FENCED_SOCKET"] = "/e.sock";
  EXPECT_EQ(FencedSocketPath("", get), "/e.sock");
  EXPECT_EQ(FencedSocketPath("/f.sock", get), "/f.sock");
}

TEST(FormatFenceTime, UtcGetsZOthersTheirOffset) {
  EXPECT_EQ(FormatFenceTime(kT0, 0), "2026-11-26 01:00:00Z");
  EXPECT_EQ(FormatFenceTime(kT0 + 999, 3600), "2026-11-26 02:00:00 +01:00");
  EXPECT_EQ(FormatFenceTime(kT0, -(5 * 3600 + 1800)), "2026-11-25 19:30:00 -05:30");
}

TEST(FormatHistoryEntry, PacemakerDetailForms) {
  EXPECT_EQ(FormatHistoryEntry(Entry("reboot", "n2", "success", kT0), false, Utc),
            "reboot of n2 successful: delegate=n1, client=crm.42, origin=n3, completed='2026-11-26 01:00:00Z'");
  EXPECT_EQ(FormatHistoryEntry(Entry("off", "n2", "failed", kT0, "no device"), false, Utc),
            "off of n2 failed (no device): delegate=n1, client=crm.42, origin=n3, "
            "last-failed='2026-11-26 01:00:00Z'");
  EXPECT_EQ(FormatHistoryEntry(Entry("off", "n2", "timeout", kT0), false, Utc),
            "off of n2 failed (Timed Out): delegate=n1, client=crm.42, origin=n3, "
            "last-failed='2026-11-26 01:00:00Z'");
  EXPECT_EQ(FormatHistoryEntry(Entry("reboot", "n2", "pending", 0), false, Utc),
            "reboot of n2 pending: client=crm.42, origin=n3");
  EXPECT_EQ(FormatHistoryEntry(Entry("off", "n2", "success", kT0), true, Utc),
            "off of n2 successful: delegate=n1, client=crm.42, origin=n3, completed='2026-11-26 01:00:00Z', "
            "devices=netns, started='2026-11-26 00:59:59Z', duration=250ms");
  EXPECT_EQ(FormatHistoryEntry(Entry("off", "n5", "success", kT0, "after off by device 'ipmi' failed"), true, Utc),
            "off of n5 successful: delegate=n1, client=crm.42, origin=n3, completed='2026-11-26 01:00:00Z', "
            "devices=netns, started='2026-11-26 00:59:59Z', duration=250ms, exit-reason='after off by device 'ipmi' "
            "failed'");
}

TEST(SortHistory, PendingFirstThenNewestCompleted) {
  auto sorted = SortHistory({Entry("off", "n2", "success", kT0), Entry("off", "n3", "failed", kT0 + 5000),
                             Entry("reboot", "n2", "pending", 0), Entry("on", "n2", "success", kT0 + 1000)});
  ASSERT_EQ(sorted.size(), 4u);
  EXPECT_EQ(sorted[0].state(), "pending");
  EXPECT_EQ(sorted[1].target(), "n3");
  EXPECT_EQ(sorted[2].action(), "on");
  EXPECT_EQ(sorted[3].action(), "off");
}

TEST_F(FenceCliTest, SuccessSendsTheRequestAndPrintsOneLine) {
  FenceReply r;
  r.set_success(true);
  r.set_state("success");
  *r.mutable_entry() = Entry("off", "n2", "success", kT0);
  fake_.fence_reply = r;
  env_["BATON_NODE_DIR"] = "/nd";
  EXPECT_EQ(Fence({"n2", "--action", "off", "--timeout", "2000"}), 0) << err_.str();
  ASSERT_EQ(fake_.fences.size(), 1u);
  EXPECT_EQ(fake_.sockets[0], "/nd/state/fenced.sock");
  EXPECT_EQ(fake_.fences[0].target(), "n2");
  EXPECT_EQ(fake_.fences[0].action(), "off");
  EXPECT_EQ(fake_.fences[0].timeout_ms(), 2000);
  EXPECT_EQ(fake_.fences[0].client(), "crm.42");
  EXPECT_FALSE(fake_.fences[0].from_peer());
  EXPECT_GT(fake_.last_deadline_ms, 2000);
  EXPECT_EQ(out_.str().rfind("off of n2 successful: delegate=n1", 0), 0u) << out_.str();
  EXPECT_NE(out_.str().find("devices=netns"), std::string::npos);
  EXPECT_EQ(err_.str(), "");
}

// crm node fence tells the cluster which life of the node it ended (asked
// before the fencing), so the DC does not fence that life again.
TEST_F(FenceCliTest, ASuccessfulFenceTellsTheClusterWhichLifeEnded) {
  FenceReply r;
  r.set_success(true);
  r.set_state("success");
  *r.mutable_entry() = Entry("reboot", "n2", "success", kT0);
  fake_.fence_reply = r;
  std::vector<control::ControlRequest> asked;
  auto ctx = Context();
  ctx.crmd = [&](const control::ControlRequest& req) -> absl::StatusOr<control::ControlReply> {
    asked.push_back(req);
    control::ControlReply reply;
    if (req.has_fence_begin()) reply.set_incarnation(1700000000123);
    return reply;
  };
  EXPECT_EQ(RunNodeFence({"n2"}, ctx), 0) << err_.str();
  ASSERT_EQ(asked.size(), 2u);
  ASSERT_TRUE(asked[0].has_fence_begin());
  EXPECT_EQ(asked[0].fence_begin().node(), "n2");
  EXPECT_EQ(asked[0].fence_begin().timeout_ms(), 0);
  ASSERT_TRUE(asked[1].has_fence_end());
  EXPECT_EQ(asked[1].fence_end().node(), "n2");
  EXPECT_EQ(asked[1].fence_end().incarnation(), 1700000000123u);
  EXPECT_TRUE(asked[1].fence_end().fenced());
}

TEST_F(FenceCliTest, AFailedFenceTellsTheClusterItFailed) {
  FenceReply r;
  r.set_state("failed");
  r.set_exit_reason("no device can fence n2");
  fake_.fence_reply = r;
  std::vector<control::ControlRequest> asked;
  auto ctx = Context();
  ctx.crmd = [&](const control::ControlRequest& req) -> absl::StatusOr<control::ControlReply> {
    asked.push_back(req);
    control::ControlReply reply;
    reply.set_incarnation(1700000000123);
    return reply;
  };
  EXPECT_EQ(RunNodeFence({"n2"}, ctx), 1);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_TRUE(asked[0].has_fence_begin());
  ASSERT_TRUE(asked[1].has_fence_end());
  EXPECT_EQ(asked[1].fence_end().incarnation(), 1700000000123u);
  EXPECT_FALSE(asked[1].fence_end().fenced());
}

TEST_F(FenceCliTest, FailureExitsOneOnStderr) {
  FenceReply r;
  r.set_state("failed");
  r.set_exit_reason("no device can fence n2");
  fake_.fence_reply = r;  // no entry: the fencer found no device
  EXPECT_EQ(Fence({"n2"}), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(err_.str().find("reboot of n2 failed (no device can fence n2)"), std::string::npos) << err_.str();
}

TEST_F(FenceCliTest, FencerTimeoutIsNeverASuccess) {
  FenceReply r;
  r.set_success(true);  // contradictory: the state wins
  r.set_state("timeout");
  *r.mutable_entry() = Entry("off", "n2", "success", kT0);
  fake_.fence_reply = r;
  EXPECT_EQ(Fence({"n2", "--action=off"}), kFenceExitTimeout);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(err_.str().find("off of n2 failed (Timed Out)"), std::string::npos) << err_.str();
}

TEST_F(FenceCliTest, NoAnswerInTimeMeansUnknownNotSuccess) {
  fake_.fence_reply = absl::DeadlineExceededError("Deadline Exceeded");
  EXPECT_EQ(Fence({"n2"}), kFenceExitTimeout);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(err_.str().find("the outcome of reboot of n2 is unknown"), std::string::npos) << err_.str();
}

TEST_F(FenceCliTest, NoFencerSaysWhereItLooked) {
  fake_.fence_reply = absl::UnavailableError("failed to connect");
  EXPECT_EQ(Fence({"n2", "--fenced-socket", "/nowhere.sock"}), 1);
  EXPECT_NE(err_.str().find("unix:/nowhere.sock"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("is it running?"), std::string::npos);
}

TEST_F(FenceCliTest, BadInputSendsNothing) {
  EXPECT_EQ(Fence({"n2", "--action", "explode"}), kFenceExitUsage);
  EXPECT_TRUE(fake_.sockets.empty());
  EXPECT_EQ(err_.str().substr(0, err_.str().find('\n')), "crm: bad action 'explode': use off, reboot or on");
  auto ctx = Context();
  EXPECT_EQ(RunNodeClearstate({}, ctx), kFenceExitUsage);
  EXPECT_EQ(RunFencingHistory({"a", "b"}, ctx), kFenceExitUsage);
  EXPECT_EQ(RunStonithAdmin({"--fence"}, ctx), kFenceExitUsage);
  EXPECT_TRUE(fake_.sockets.empty());
}

TEST_F(FenceCliTest, ClearstateConfirms) {
  ConfirmReply r;
  *r.mutable_entry() = Entry("off", "n2", "success", kT0);
  r.mutable_entry()->set_delegate("manual");
  fake_.confirm_reply = r;
  auto ctx = Context();
  EXPECT_EQ(RunNodeClearstate({"n2"}, ctx), 0) << err_.str();
  ASSERT_EQ(fake_.confirms.size(), 1u);
  EXPECT_EQ(fake_.confirms[0].target(), "n2");
  EXPECT_EQ(fake_.confirms[0].client(), "crm.42");
  EXPECT_NE(out_.str().find("Node n2 confirmed down"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("delegate=manual"), std::string::npos);
}

TEST_F(FenceCliTest, HistoryListsNewestFirst) {
  HistoryReply r;
  *r.add_entries() = Entry("off", "n2", "failed", kT0, "Timed Out");
  *r.add_entries() = Entry("off", "n2", "success", kT0 + 2000);
  fake_.history_reply = r;
  auto ctx = Context();
  EXPECT_EQ(RunFencingHistory({"n2"}, ctx), 0);
  ASSERT_EQ(fake_.histories.size(), 1u);
  EXPECT_EQ(fake_.histories[0].target(), "n2");
  EXPECT_EQ(out_.str(),
            "Fencing History:\n"
            "  * off of n2 successful: delegate=n1, client=crm.42, origin=n3, completed='2026-11-26 01:00:02Z'\n"
            "  * off of n2 failed (Timed Out): delegate=n1, client=crm.42, origin=n3, "
            "last-failed='2026-11-26 01:00:00Z'\n");
}

TEST_F(FenceCliTest, EmptyHistoryAndStarMeanAllNodes) {
  fake_.history_reply = HistoryReply();
  auto ctx = Context();
  EXPECT_EQ(RunStonithAdmin({"--history", "*"}, ctx), 0);
  ASSERT_EQ(fake_.histories.size(), 1u);
  EXPECT_EQ(fake_.histories[0].target(), "");
  EXPECT_EQ(out_.str(), "No fencing history\n");
}

#ifdef BATON_FENCED_BIN
// The real daemon over its unix socket, as in fencing/fenced_test.cc.
class RealFencerTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (access("/usr/sbin/fence_dummy", X_OK) != 0) GTEST_SKIP() << "fence_dummy not installed";
    Write("cluster.conf",
          "totem {\n cluster_name: t\n}\nnodelist {\n node {\n  nodeid: 1\n  name: n1\n  ring0_addr: 127.0.0.1\n }\n"
          " node {\n  nodeid: 2\n  name: n2\n  ring0_addr: 127.0.0.2\n }\n}\n");
    Write("authkey", "0123456789abcdef0123456789abcdef");
    Write("devices.xml", "<cib admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"><configuration><crm_config/><nodes/>"
                         "<resources><primitive id=\"dummy\" class=\"stonith\" type=\"fence_dummy\">"
                         "<instance_attributes id=\"ia\">"
                         "<nvpair id=\"a1\" name=\"type\" value=\"file\"/>"
                         "<nvpair id=\"a2\" name=\"status_file\" value=\"" + dir_ + "/power\"/>"
                         "<nvpair id=\"a3\" name=\"pcmk_host_list\" value=\"n2\"/>"
                         "<nvpair id=\"a4\" name=\"pcmk_host_argument\" value=\"none\"/>"
                         "</instance_attributes></primitive></resources><constraints/></configuration>"
                         "<status/></cib>");
    Write("power", "on");
    socket_ = dir_ + "/fenced.sock";
    std::string log = dir_ + "/fenced.log";
    std::vector<std::string> args = {"baton-fenced", "--config", dir_ + "/cluster.conf", "--authkey",
                                     dir_ + "/authkey", "--state-dir", dir_, "--socket", socket_, "--node", "n1",
                                     "--devices", dir_ + "/devices.xml", "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ASSERT_EQ(posix_spawn(&pid_, BATON_FENCED_BIN, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 400 && Read("fenced.log").find("serving on") == std::string::npos; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;  // exited at once: its log says why
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_NE(Read("fenced.log").find("serving on"), std::string::npos) << Read("fenced.log");
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    TempDirTest::TearDown();
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    chmod((dir_ + "/" + name).c_str(), 0600);
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  pid_t pid_ = -1;
  std::string socket_;
};

TEST_F(RealFencerTest, FenceHistoryAndClearstateThroughBatonFenced) {
  std::ostringstream out, err;
  EXPECT_EQ(RunNodeFence({"n2", "--action", "off", "--timeout", "20000", "--fenced-socket", socket_}, out, err), 0)
      << err.str() << Read("fenced.log");
  EXPECT_EQ(out.str().rfind("off of n2 successful: delegate=n1, client=crm.", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("devices=dummy"), std::string::npos) << out.str();
  EXPECT_EQ(Read("power"), "off");

  // No device for n1 (the fencer's own node): a failure, exit 1.
  std::ostringstream out1, err1;
  EXPECT_EQ(RunNodeFence({"n1", "--action=off", "--timeout=5000", "--fenced-socket=" + socket_}, out1, err1), 1);
  EXPECT_EQ(out1.str(), "");
  EXPECT_NE(err1.str().find("off of n1 failed"), std::string::npos) << err1.str();

  std::ostringstream hout, herr;
  EXPECT_EQ(RunFencingHistory({"n2", "--fenced-socket", socket_}, hout, herr), 0) << herr.str();
  EXPECT_EQ(hout.str().rfind("Fencing History:\n  * off of n2 successful: delegate=n1, client=crm.", 0), 0u)
      << hout.str();

  std::ostringstream cout_, cerr_;
  EXPECT_EQ(RunNodeClearstate({"n2", "--fenced-socket", socket_}, cout_, cerr_), 0) << cerr_.str();
  EXPECT_NE(cout_.str().find("delegate=manual"), std::string::npos) << cout_.str();

  std::ostringstream sout, serr;
  EXPECT_EQ(RunStonithAdmin({"--history", "*", "--fenced-socket", socket_}, sout, serr), 0) << serr.str();
  EXPECT_NE(sout.str().find("off of n2 successful: delegate=manual, client=crm."), std::string::npos) << sout.str();
  EXPECT_NE(sout.str().find("off of n1 failed"), std::string::npos) << sout.str();
}
#endif

}  // namespace
}  // namespace baton::cli
