// Integration: the real baton-fenced with Debian's fence_dummy, called over
// its unix socket; history survives a restart. Skipped without fence_dummy.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "proto/fencing.grpc.pb.h"
#include "tests/support/temp_dir.h"

extern "C" char** environ;

namespace baton::fencing {
namespace {

constexpr char kFenceDummy[] = "/usr/sbin/fence_dummy";

class FencedTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (access(kFenceDummy, X_OK) != 0) GTEST_SKIP() << "fence_dummy not installed (apt-get install fence-agents)";
    Write("cluster.conf",
          "totem {\n cluster_name: t\n}\nnodelist {\n node {\n  nodeid: 1\n  name: n1\n  ring0_addr: 127.0.0.1\n }\n"
          " node {\n  nodeid: 2\n  name: n2\n  ring0_addr: 127.0.0.2\n }\n}\n");
    Write("authkey", "0123456789abcdef0123456789abcdef");
    Write("devices.xml", "<cib admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"><configuration><crm_config/><nodes/>"
                         "<resources><primitive id=\"dummy\" class=\"stonith\" type=\"fence_dummy\">"
                         "<instance_attributes id=\"ia\">"
                         "<nvpair id=\"a1\" name=\"type\" value=\"file\"/>"
                         "<nvpair id=\"a2\" name=\"status_file\" value=\"" + dir_ + "/power\"/>"
                         "<nvpair id=\"a3\" name=\"pcmk_host_list\" value=\"n1 n2\"/>"
                         "<nvpair id=\"a4\" name=\"pcmk_host_argument\" value=\"none\"/>"
                         "</instance_attributes></primitive></resources><constraints/></configuration>"
                         "<status/></cib>");
  }
  void TearDown() override {
    Stop();
    TempDirTest::TearDown();
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    chmod((dir_ + "/" + name).c_str(), 0600);
  }

  void Start() {
    socket_ = dir_ + "/fenced.sock";
    // posix_spawn, not fork: gRPC's fork handlers must not run in this process.
    std::string config = dir_ + "/cluster.conf", authkey = dir_ + "/authkey", devices = dir_ + "/devices.xml";
    std::string log = dir_ + "/fenced.log";
    std::vector<std::string> args = {"baton-fenced", "--config", config, "--authkey", authkey, "--state-dir", dir_,
                                     "--socket", socket_, "--node", "n1", "--devices", devices, "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ASSERT_EQ(posix_spawn(&pid_, BATON_FENCED_BIN, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ++starts_;
    for (int i = 0; i < 400 && Count(DaemonLog(), "serving on") < starts_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(Count(DaemonLog(), "serving on"), starts_) << DaemonLog();
    grpc::ChannelArguments args_no_sharing;  // a fresh connection, not the dead daemon's
    args_no_sharing.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel("unix:" + socket_, grpc::InsecureChannelCredentials(), args_no_sharing);
    ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(20)))
        << "baton-fenced did not start; see " << dir_ << "/fenced.log";
    stub_ = Fencer::NewStub(channel);
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string DaemonLog() {
    std::ifstream in(dir_ + "/fenced.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string Power() {
    std::ifstream in(dir_ + "/power");
    std::string s;
    in >> s;
    return s;
  }

  static int Count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  int starts_ = 0;
  pid_t pid_ = -1;
  std::string socket_;
  std::unique_ptr<Fencer::Stub> stub_;
};

TEST_F(FencedTest, FencesWithFenceDummyAndKeepsHistoryAcrossRestart) {
  Write("power", "on");  // fence_dummy wants no newline
  Start();
  ListDevicesReply devices;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->ListDevices(&ctx, ListDevicesRequest(), &devices).ok());
  }
  ASSERT_EQ(devices.devices_size(), 1);
  FenceRequest req;
  req.set_target("n2");
  req.set_action("off");
  req.set_timeout_ms(30000);
  req.set_client("fenced_test");
  FenceReply reply;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->Fence(&ctx, req, &reply).ok());
  }
  EXPECT_TRUE(reply.success()) << reply.exit_reason();
  EXPECT_EQ(Power(), "off");
  // The local node is never fenced unless the request allows it.
  std::ofstream(dir_ + "/power") << "on\n";
  req.set_target("n1");
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(stub_->Fence(&ctx, req, &reply).ok());
  }
  // The device could fence n1 (it is in its host list): only the guard stops it.
  EXPECT_FALSE(reply.success());
  EXPECT_EQ(Power(), "on") << "the device ran against the local node";
  Stop();

  Start();
  HistoryRequest hreq;
  hreq.set_target("n2");
  HistoryReply history;
  {
    grpc::ClientContext ctx;
    grpc::Status st = stub_->History(&ctx, hreq, &history);
    ASSERT_TRUE(st.ok()) << st.error_message() << "\n" << DaemonLog();
  }
  ASSERT_EQ(history.entries_size(), 1);
  EXPECT_EQ(history.entries(0).state(), "success");
  EXPECT_EQ(history.entries(0).action(), "off");
  EXPECT_EQ(history.entries(0).delegate(), "n1");
  ASSERT_EQ(history.entries(0).devices_size(), 1);
  EXPECT_EQ(history.entries(0).devices(0), "dummy");

  ConfirmRequest confirm;
  confirm.set_target("n2");
  ConfirmReply confirmed;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->Confirm(&ctx, confirm, &confirmed).ok());
  }
  EXPECT_EQ(confirmed.entry().delegate(), "manual");
}

}  // namespace
}  // namespace baton::fencing
