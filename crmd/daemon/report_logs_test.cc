// crm report's cluster side: log lines in a window, the cap, cluster.conf
// redaction, the gather's completion and deadline, and ReportService over a
// socketpair with a fake peer.
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "crmd/daemon/report_collect.h"
#include "lib/control/control.h"
#include "lib/report/report_logs.h"

namespace baton::report {
namespace {

class UtcEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};
const auto* const kUtc = ::testing::AddGlobalTestEnvironment(new UtcEnvironment);

constexpr int64_t kT0 = 1700000000;  // 2023-11-14 22:13:20 UTC

TEST(LogLineTime, ParsesBatonCrmdLinesInLocalTime) {
  EXPECT_EQ(LogLineTime("2023-11-14 22:13:20.123 baton-crmd: view 1.4: [ n1 ] quorate"), kT0);
  EXPECT_EQ(LogLineTime("<4>2023-11-14 22:13:21.000 baton-crmd: WARNING: ..."), kT0 + 1);
  EXPECT_EQ(LogLineTime("2023-11-14T22:13:20 x"), kT0);
}

TEST(LogLineTime, RefusesLinesThatDoNotStartWithATime) {
  EXPECT_FALSE(LogLineTime("baton-fenced: device fence-tb registered"));
  EXPECT_FALSE(LogLineTime("  2023-11-14 22:13:20 indented"));
  EXPECT_FALSE(LogLineTime("2023-13-14 22:13:20 bad month"));
  EXPECT_FALSE(LogLineTime("2023-11-14 22:13"));
  EXPECT_FALSE(LogLineTime(""));
}

TEST(FilterLog, KeepsTheWindowAndTheContinuationLinesOfKeptLines) {
  std::istringstream in(
      "2023-11-14 22:13:10.000 baton-crmd: before\n"
      "  continuation of before\n"
      "2023-11-14 22:13:20.000 baton-crmd: first in\n"
      "  continuation of first\n"
      "2023-11-14 22:13:30.999 baton-crmd: last in\n"
      "2023-11-14 22:13:31.000 baton-crmd: after\n");
  FilteredLog f = FilterLog(in, {kT0, kT0 + 10}, 1 << 20);
  EXPECT_TRUE(f.timed);
  EXPECT_FALSE(f.truncated);
  EXPECT_EQ(f.text,
            "2023-11-14 22:13:20.000 baton-crmd: first in\n"
            "  continuation of first\n"
            "2023-11-14 22:13:30.999 baton-crmd: last in\n");
}

TEST(FilterLog, KeepsTheLatestLinesUnderTheCap) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "2023-11-14 22:13:20.000 baton-crmd: line " + std::to_string(100 + i) + "\n";
  std::istringstream in(text);
  const size_t line_size = std::string("2023-11-14 22:13:20.000 baton-crmd: line 100\n").size();
  FilteredLog f = FilterLog(in, {kT0, kT0}, 10 * line_size + 5);
  EXPECT_TRUE(f.truncated);
  EXPECT_EQ(f.text.size(), 10 * line_size);
  EXPECT_EQ(f.text.substr(f.text.size() - line_size), "2023-11-14 22:13:20.000 baton-crmd: line 199\n");
}

TEST(FilterLog, KeepsAFileWithoutTimesWholeAndALastLineWithoutNewline) {
  std::istringstream in("baton-fenced: a\nbaton-fenced: b");
  FilteredLog f = FilterLog(in, {kT0, kT0 + 10}, 1 << 20);
  EXPECT_FALSE(f.timed);
  EXPECT_EQ(f.text, "baton-fenced: a\nbaton-fenced: b");
}

TEST(FilterLog, DropsUntimedLinesBeforeTheFirstTimedOne) {
  std::istringstream in("garbage\n2023-11-14 22:13:20.000 x\n");
  EXPECT_EQ(FilterLog(in, {kT0, kT0}, 1 << 20).text, "2023-11-14 22:13:20.000 x\n");
}

TEST(RedactClusterConf, RemovesKeyLikeValuesAndKeepsTheRest) {
  std::string conf =
      "totem {\n"
      "    cluster_name: tb\n"
      "    crypto_cipher: aes256\n"
      "    keyfile: /etc/baton/authkey\n"
      "    private_key: c2VjcmV0\n"
      "}\n"
      "nodelist {\n"
      "    node { ring0_addr: 198.19.0.1\n"
      "           name: n1 }\n"
      "}";
  std::string out = RedactClusterConf(conf);
  EXPECT_NE(out.find("cluster_name: tb\n"), std::string::npos);
  EXPECT_NE(out.find("crypto_cipher: aes256\n"), std::string::npos);
  EXPECT_NE(out.find("    keyfile: <removed by crm report>\n"), std::string::npos);
  EXPECT_EQ(out.find("/etc/baton/authkey"), std::string::npos);
  EXPECT_EQ(out.find("c2VjcmV0"), std::string::npos);
  EXPECT_NE(out.find("ring0_addr: 198.19.0.1\n"), std::string::npos);
  EXPECT_EQ(out.back(), '}');
}

crmd::NodeReport Answer(uint64_t id, const std::string& node) {
  crmd::NodeReport r;
  r.set_request_id(id);
  r.set_node(node);
  return r;
}

TEST(ReportGather, CompletesWhenEveryMemberAnswered) {
  ReportGather g;
  g.Start(7, {kT0, kT0 + 60}, {"n1", "n2"}, 1000, 5000);
  EXPECT_TRUE(g.OnReport("n1", Answer(7, "n1")));
  EXPECT_TRUE(g.TakeDone(1001).empty());
  EXPECT_TRUE(g.OnReport("n2", Answer(7, "n2")));
  auto done = g.TakeDone(1002);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[7].nodes_size(), 2);
  EXPECT_EQ(done[7].missing_size(), 0);
  EXPECT_EQ(done[7].from_s(), kT0);
  EXPECT_TRUE(g.empty());
}

TEST(ReportGather, ListsTheMembersThatDidNotAnswerByTheDeadline) {
  ReportGather g;
  g.Start(1, {kT0, kT0}, {"n1", "n2", "n3"}, 1000, 5000);
  g.OnReport("n1", Answer(1, "n1"));
  EXPECT_TRUE(g.TakeDone(5999).empty());
  auto done = g.TakeDone(6000);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[1].nodes_size(), 1);
  ASSERT_EQ(done[1].missing_size(), 2);
  EXPECT_EQ(done[1].missing(0), "n2");
  EXPECT_EQ(done[1].missing(1), "n3");
}

TEST(ReportGather, RefusesAnswersForOthersUnknownGathersAndRepeats) {
  ReportGather g;
  g.Start(1, {kT0, kT0}, {"n1", "n2"}, 0, 5000);
  EXPECT_FALSE(g.OnReport("n1", Answer(1, "n2")));  // names another node
  EXPECT_FALSE(g.OnReport("n3", Answer(1, "n3")));  // not expected
  EXPECT_FALSE(g.OnReport("n1", Answer(2, "n1")));  // no such gather
  EXPECT_TRUE(g.OnReport("n1", Answer(1, "n1")));
  EXPECT_FALSE(g.OnReport("n1", Answer(1, "n1")));  // once only
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/report_logs_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

const crmd::ReportFile* FindFile(const crmd::NodeReport& r, const std::string& name) {
  for (const auto& f : r.files()) {
    if (f.name() == name) return &f;
  }
  return nullptr;
}

TEST(CollectNodeReport, HoldsTheLogsInTheWindowClusterConfAndNeverTheAuthkey) {
  TempDir dir;
  const std::string key = "0123456789abcdef-the-secret-bytes";
  dir.Write("authkey", key);
  CollectOptions o;
  o.node = "n1";
  o.config_path = dir.Write("cluster.conf", "totem {\n    cluster_name: tb\n}\n");
  o.log_files = {dir.Write("baton-crmd.log",
                           "2023-11-14 22:13:00.000 baton-crmd: old\n2023-11-14 22:13:20.000 baton-crmd: new\n"),
                 dir.Write("baton-fenced.log", "baton-fenced: started\n")};
  crmd::NodeReport r = CollectNodeReport(o, {kT0, kT0 + 60}, 42);
  EXPECT_EQ(r.request_id(), 42u);
  EXPECT_EQ(r.node(), "n1");
  ASSERT_NE(FindFile(r, "baton-crmd.log"), nullptr);
  EXPECT_EQ(FindFile(r, "baton-crmd.log")->text(), "2023-11-14 22:13:20.000 baton-crmd: new\n");
  ASSERT_NE(FindFile(r, "baton-fenced.log"), nullptr);
  EXPECT_EQ(FindFile(r, "baton-fenced.log")->text(), "baton-fenced: started\n");
  ASSERT_NE(FindFile(r, "cluster.conf"), nullptr);
  EXPECT_NE(FindFile(r, "cluster.conf")->text().find("cluster_name: tb"), std::string::npos);
  ASSERT_NE(FindFile(r, "node.txt"), nullptr);
  EXPECT_NE(FindFile(r, "node.txt")->text().find("uname -a: "), std::string::npos);
  for (const auto& f : r.files()) {
    EXPECT_NE(f.name(), "authkey");
    EXPECT_EQ(f.text().find(key), std::string::npos) << f.name();
  }
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// Ticks `service` until the client end of the socketpair has the whole reply.
std::string RunUntilReply(ReportService& service, int client_fd, uint64_t* now) {
  std::string reply;
  std::atomic<bool> read{false};
  std::thread reader([&] {
    reply = ReadAll(client_fd);
    read.store(true);
  });
  for (int i = 0; i < 2000 && !read.load(); ++i) {
    *now += 10;
    service.Tick(*now);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (i % 100 == 99) *now += 20000;  // past any deadline, eventually
  }
  reader.join();
  return reply;
}

// The client's view of a framed reply: the reply, or the error it carries.
absl::StatusOr<control::ControlReply> DecodeReply(const std::string& frame) {
  auto payload = control::FramePayload(frame);
  if (!payload.ok()) return payload.status();
  control::ControlReply reply;
  if (!payload->has_value() || !reply.ParseFromArray((*payload)->data(), static_cast<int>((*payload)->size()))) {
    return absl::DataLossError("not one whole ControlReply frame");
  }
  return control::ReplyStatus(std::move(reply));
}

control::ReportLogsRequest Window(int64_t from_s, int64_t to_s) {
  control::ReportLogsRequest r;
  r.set_from_s(from_s);
  r.set_to_s(to_s);
  return r;
}

TEST(ReportService, AsksEveryMemberAndAnswersTheClientWithAllReplies) {
  TempDir dir;
  CollectOptions o;
  o.node = "n1";
  o.config_path = dir.Write("cluster.conf", "totem {\n}\n");
  o.log_files = {dir.Write("baton-crmd.log", "2023-11-14 22:13:20.000 baton-crmd: hello\n")};
  std::vector<std::pair<std::string, crmd::PeerMessage>> sent;
  ReportService service(o, [&](const std::string& to, const crmd::PeerMessage& m) { sent.push_back({to, m}); });
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  uint64_t now = 1000;
  service.OnControl(sv[0], Window(kT0, kT0 + 60), {"n1", "n2"},
                    {"n1", "n2", "n3"}, now);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, "n2");
  ASSERT_TRUE(sent[0].second.has_report_request());
  // n2 answers the way a member does.
  crmd::PeerMessage answer;
  *answer.mutable_report() = Answer(sent[0].second.report_request().id(), "n2");
  answer.mutable_report()->add_files()->set_name("baton-crmd.log");
  service.OnPeer("n2", answer, now);
  std::string reply = RunUntilReply(service, sv[1], &now);
  ::close(sv[1]);
  auto decoded = DecodeReply(reply);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_TRUE(decoded->has_report());
  const crmd::ReportBundle* bundle = &decoded->report();
  ASSERT_EQ(bundle->nodes_size(), 2);
  EXPECT_EQ(bundle->nodes(0).node(), "n1");
  EXPECT_EQ(bundle->nodes(1).node(), "n2");
  EXPECT_EQ(bundle->missing_size(), 0);
  ASSERT_EQ(bundle->down_size(), 1);
  EXPECT_EQ(bundle->down(0), "n3");
}

TEST(ReportService, AnswersAPeersRequestWithItsOwnReport) {
  TempDir dir;
  CollectOptions o;
  o.node = "n2";
  o.config_path = dir.Write("cluster.conf", "totem {\n}\n");
  o.log_files = {dir.Write("baton-crmd.log", "")};
  std::vector<std::pair<std::string, crmd::PeerMessage>> sent;
  ReportService service(o, [&](const std::string& to, const crmd::PeerMessage& m) { sent.push_back({to, m}); });
  crmd::PeerMessage q;
  q.mutable_report_request()->set_id(9);
  q.mutable_report_request()->set_from_s(kT0);
  q.mutable_report_request()->set_to_s(kT0 + 1);
  service.OnPeer("n1", q, 0);
  for (int i = 0; i < 500 && sent.empty(); ++i) {
    service.Tick(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, "n1");
  EXPECT_EQ(sent[0].second.report().request_id(), 9u);
  EXPECT_EQ(sent[0].second.report().node(), "n2");
}

TEST(ReportService, RefusesABadWindowWithAnErrorReply) {
  ReportService service(CollectOptions{}, [](const std::string&, const crmd::PeerMessage&) {});
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  uint64_t now = 0;
  service.OnControl(sv[0], Window(20, 10), {}, {}, now);
  std::string reply = RunUntilReply(service, sv[1], &now);
  ::close(sv[1]);
  auto parsed = DecodeReply(reply);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
}

}  // namespace
}  // namespace baton::report
