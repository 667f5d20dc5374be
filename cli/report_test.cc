// crm report: TIME forms, arguments and refusals, and what the tarball holds.
#include "cli/report.h"

#include <stdlib.h>
#include <time.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace baton::cli {
namespace {

class UtcEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};
const auto* const kUtc = ::testing::AddGlobalTestEnvironment(new UtcEnvironment);

constexpr int64_t kNow = 1700000000;  // 2023-11-14 22:13:20 UTC

TEST(ParseReportTime, AbsoluteForms) {
  EXPECT_EQ(*ParseReportTime("2023-11-14 22:13:20", kNow), kNow);
  EXPECT_EQ(*ParseReportTime("2023-11-14 22:13", kNow), kNow - 20);
  EXPECT_EQ(*ParseReportTime("2023-11-14T22:13", kNow), kNow - 20);
  EXPECT_EQ(*ParseReportTime("2023-11-14", kNow), kNow - (22 * 3600 + 13 * 60 + 20));
  EXPECT_EQ(*ParseReportTime(" now ", kNow), kNow);
}

TEST(ParseReportTime, RelativeForms) {
  EXPECT_EQ(*ParseReportTime("-1h", kNow), kNow - 3600);
  EXPECT_EQ(*ParseReportTime("-30m", kNow), kNow - 1800);
  EXPECT_EQ(*ParseReportTime("-2d", kNow), kNow - 2 * 86400);
  EXPECT_EQ(*ParseReportTime("2h ago", kNow), kNow - 7200);
  EXPECT_EQ(*ParseReportTime("90 minutes ago", kNow), kNow - 5400);
  EXPECT_EQ(*ParseReportTime("10s ago", kNow), kNow - 10);
  EXPECT_EQ(*ParseReportTime("1 HOUR AGO", kNow), kNow - 3600);
}

TEST(ParseReportTime, RefusesWhatIsNotATimeWithOneLine) {
  for (const char* bad : {"", "yesterday", "2023-11-31 10:00", "2023-02-30", "2023-11-14 25:00", "2023-11-14 10:61",
                          "1h", "-1h ago", "-h", "-1 fortnight", "23-11-14 10:00", "2023-11-14 10:00:00 extra",
                          "2023-11-14 10:00:00:00"}) {
    auto t = ParseReportTime(bad, kNow);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    std::string msg(t.status().message());
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_NE(msg.find("is not a time"), std::string::npos) << msg;
  }
}

TEST(ParseReportArgs, DefaultsToTheLastTwelveHoursAndADatedName) {
  auto a = ParseReportArgs({}, kNow);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->to_s, kNow);
  EXPECT_EQ(a->from_s, kNow - 12 * 3600);
  EXPECT_EQ(a->dest, "baton-report-2023-11-14-2213.tar.bz2");
  EXPECT_EQ(a->top, "baton-report-2023-11-14-2213");
  EXPECT_FALSE(a->gzip);
}

TEST(ParseReportArgs, WindowAndDestForms) {
  auto a = ParseReportArgs({"-f", "2023-11-14 20:00", "--to=-1h", "/tmp/x/incident.tar.gz"}, kNow);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->from_s, kNow - (2 * 3600 + 13 * 60 + 20));
  EXPECT_EQ(a->to_s, kNow - 3600);
  EXPECT_EQ(a->dest, "/tmp/x/incident.tar.gz");
  EXPECT_EQ(a->top, "incident");
  EXPECT_TRUE(a->gzip);
  auto b = ParseReportArgs({"--from", "2h ago", "incident"}, kNow, /*have_bzip2=*/false);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->dest, "incident.tar.gz");
  EXPECT_EQ(b->from_s, kNow - 7200);
}

TEST(ParseReportArgs, RefusesBadInput) {
  const std::vector<std::vector<std::string>> bad = {
      {"-f", "soon"},                        // not a time
      {"-f", "-1h", "-t", "-2h"},            // empty window
      {"--from"},                            // no value
      {"--bogus"},                           // unknown option
      {"a", "b"},                            // two DESTs
      {"dir/bad name"},                      // not a plain name
      {"x.tar.bz2"},                         // bzip2 missing (below)
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    bool have_bzip2 = i + 1 != bad.size();
    auto a = ParseReportArgs(bad[i], kNow, have_bzip2);
    EXPECT_FALSE(a.ok()) << i;
    EXPECT_EQ(std::string(a.status().message()).find('\n'), std::string::npos);
  }
}

crmd::NodeReport Node(const std::string& name) {
  crmd::NodeReport n;
  n.set_node(name);
  auto* log = n.add_files();
  log->set_name("baton-crmd.log");
  log->set_text("2023-11-14 22:13:20.000 baton-crmd: hello from " + name + "\n");
  auto* conf = n.add_files();
  conf->set_name("cluster.conf");
  conf->set_text("totem {\n}\n");
  return n;
}

std::vector<std::string> Paths(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> out;
  for (const auto& [p, text] : files) out.push_back(p);
  return out;
}

TEST(ReportContents, HoldsTheTopFilesAndEveryNodesFiles) {
  ReportInputs in;
  in.args = *ParseReportArgs({"-f", "-1h", "r"}, kNow);
  in.command_line = "crm report -f -1h r";
  *in.bundle.add_nodes() = Node("n1");
  *in.bundle.add_nodes() = Node("n2");
  in.bundle.add_missing("n3");
  in.bundle.add_down("n4");
  in.cib_xml = "<cib/>";
  auto files = ReportContents(in);
  EXPECT_EQ(Paths(files), (std::vector<std::string>{"description.txt", "cib.xml", "crm_status.txt",
                                                    "fencing_history.txt", "versions.txt", "n1/baton-crmd.log",
                                                    "n1/cluster.conf", "n2/baton-crmd.log", "n2/cluster.conf"}));
  EXPECT_EQ(files[1].second, "<cib/>");
  const std::string& d = files[0].second;
  EXPECT_NE(d.find("crm report -f -1h r"), std::string::npos);
  EXPECT_NE(d.find("2023-11-14 21:13:20"), std::string::npos);  // the window, in local time
  EXPECT_NE(d.find("MISSING"), std::string::npos);
  EXPECT_NE(d.find("n3"), std::string::npos);
  EXPECT_NE(d.find("n4"), std::string::npos);
}

TEST(ReportContents, NeverWritesAnAuthkeyNorEscapesItsDirectory) {
  ReportInputs in;
  in.args = *ParseReportArgs({"r"}, kNow);
  crmd::NodeReport n = Node("../evil");
  n.add_files()->set_name("authkey");
  n.add_files()->set_name("../../etc/passwd");
  *in.bundle.add_nodes() = n;
  for (const auto& p : Paths(ReportContents(in))) {
    EXPECT_EQ(p.find("authkey"), std::string::npos) << p;
    ASSERT_LE(std::count(p.begin(), p.end(), '/'), 1) << p;
    for (const auto& part : {p.substr(0, p.find('/')), p.substr(p.find('/') + 1)}) {
      EXPECT_NE(part, "..") << p;
      EXPECT_NE(part, ".") << p;
    }
  }
}

TEST(ReportContents, SaysWhyThereAreNoNodeLogs) {
  ReportInputs in;
  in.args = *ParseReportArgs({"r"}, kNow);
  in.gather_error = "cannot reach baton-crmd at /run/baton/crmd.sock";
  EXPECT_NE(ReportContents(in)[0].second.find("NO NODE LOGS: cannot reach baton-crmd"), std::string::npos);
}

}  // namespace
}  // namespace baton::cli
