// `crm report`, as Pacemaker's crm_report: one tarball with, per node, the
// baton logs of a time window and cluster.conf (gathered by the local
// baton-crmd from every member, crmd/daemon/report_collect.h), and the CIB,
// `crm status`, the fencing history, versions and a description.txt.
// Never the authkey.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/tools.h"
#include "crmd.pb.h"

namespace baton::cli {

// The default window: the last 12 hours.
inline constexpr int64_t kDefaultReportWindowS = 12 * 3600;

// A time given to -f/-t, as Unix seconds: "YYYY-MM-DD HH:MM[:SS]" or
// "YYYY-MM-DD" (local time, 'T' accepted between date and time), "now", or
// relative to `now_s`: "-1h", "-30m", "2h ago", "90 minutes ago" (units s,
// m, h, d and their words).
absl::StatusOr<int64_t> ParseReportTime(std::string_view text, int64_t now_s);

struct ReportArgs {
  int64_t from_s = 0;
  int64_t to_s = 0;
  std::string dest;       // the tarball's path, with its extension
  std::string top;        // the directory inside it: dest's name without extension
  bool gzip = false;      // .tar.gz, else .tar.bz2
};

// [-f|--from TIME] [-t|--to TIME] [DEST]. DEST ending in .tar.gz/.tgz or
// .tar.bz2/.tbz2 chooses the compression; otherwise ".tar.bz2" (".tar.gz"
// when `have_bzip2` is false) is appended. Default DEST:
// baton-report-YYYY-MM-DD-HHMM (of `now_s`, local time).
absl::StatusOr<ReportArgs> ParseReportArgs(const std::vector<std::string>& args, int64_t now_s,
                                           bool have_bzip2 = true);

// What the report holds besides the nodes' answers (each taken locally).
struct ReportInputs {
  ReportArgs args;
  std::string command_line;
  int64_t created_s = 0;
  std::string host;
  crmd::ReportBundle bundle;  // from baton-crmd's report-logs
  std::string gather_error;   // why there is no bundle, if so
  std::string cib_xml, status_text, fencing_history, versions;
};

// The files of the tarball, paths relative to its top directory, in
// writing order: description.txt, cib.xml, crm_status.txt,
// fencing_history.txt, versions.txt, then NODE/FILE for every node's files.
// A node or file name that is not a plain name is replaced by a safe one;
// a file called authkey is never written.
std::vector<std::pair<std::string, std::string>> ReportContents(const ReportInputs& in);

// The command; `ctx.backend` reaches the local baton-crmd.
int RunReport(const std::vector<std::string>& args, ToolContext& ctx);

}  // namespace baton::cli
