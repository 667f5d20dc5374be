// `crm report` (see report.h).
#include "cli/report.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "cli/fence_client.h"
#include "cli/options.h"
#include "lib/common/files.h"
#include "lib/control/control.h"
#include "lib/report/report_logs.h"

#ifndef BATON_VERSION
#define BATON_VERSION "unknown"
#endif


namespace baton::cli {
namespace {

constexpr char kUsage[] =
    "usage: crm report [-f|--from TIME] [-t|--to TIME] [DEST]\n"
    "  One tarball (DEST.tar.bz2, or DEST.tar.gz) with every node's baton logs in the\n"
    "  window, cluster.conf (never the authkey), the CIB, crm status, the fencing\n"
    "  history and versions. Default window: the last 12 hours; default DEST:\n"
    "  baton-report-YYYY-MM-DD-HHMM.\n"
    "  TIME: \"YYYY-MM-DD HH:MM[:SS]\", \"YYYY-MM-DD\", \"now\", \"-1h\", \"2h ago\", \"30 minutes ago\"\n";

std::string LocalTime(int64_t t, const char* format) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

// Seconds per unit, by its spellings.
std::optional<int64_t> UnitSeconds(absl::string_view unit) {
  static const std::vector<std::pair<int64_t, std::vector<absl::string_view>>> kUnits = {
      {1, {"s", "sec", "secs", "second", "seconds"}},
      {60, {"m", "min", "mins", "minute", "minutes"}},
      {3600, {"h", "hr", "hrs", "hour", "hours"}},
      {86400, {"d", "day", "days"}},
  };
  for (const auto& [seconds, names] : kUnits) {
    for (auto n : names) {
      if (unit == n) return seconds;
    }
  }
  return std::nullopt;
}

// Drops `suffix` from the end of `s` if it is there.
bool DropSuffix(std::string* s, std::string_view suffix) {
  if (s->size() < suffix.size() || s->compare(s->size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  s->resize(s->size() - suffix.size());
  return true;
}

// "-1h", "2h ago", "90 minutes ago": seconds before now.
std::optional<int64_t> RelativeSeconds(std::string_view text) {
  absl::string_view rest(text.data(), text.size());
  bool minus = absl::ConsumePrefix(&rest, "-");
  bool ago = absl::ConsumeSuffix(&rest, "ago");
  if (minus == ago) return std::nullopt;  // exactly one of the two forms
  rest = absl::StripAsciiWhitespace(rest);
  size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
  int64_t n = 0;
  if (digits == 0 || digits > 9 || !absl::SimpleAtoi(rest.substr(0, digits), &n)) return std::nullopt;
  auto unit = UnitSeconds(absl::StripAsciiWhitespace(rest.substr(digits)));
  if (!unit) return std::nullopt;
  return n * *unit;
}

// "YYYY-MM-DD[( |T)HH:MM[:SS]]", local time.
std::optional<int64_t> AbsoluteTime(std::string_view text) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(text.data(), text.size()), absl::ByAnyChar(" Tt"), absl::SkipEmpty());
  if (parts.empty() || parts.size() > 2) return std::nullopt;
  std::vector<std::string> date = absl::StrSplit(parts[0], '-');
  std::vector<std::string> clock = parts.size() == 2 ? absl::StrSplit(parts[1], ':') : std::vector<std::string>{};
  if (date.size() != 3 || date[0].size() != 4 || (parts.size() == 2 && clock.size() != 2 && clock.size() != 3)) {
    return std::nullopt;
  }
  int v[6] = {0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < 3 + clock.size(); ++i) {
    const std::string& f = i < 3 ? date[i] : clock[i - 3];
    bool digits = std::all_of(f.begin(), f.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (f.empty() || f.size() > 4 || !digits || !absl::SimpleAtoi(f, &v[i])) {
      return std::nullopt;
    }
  }
  struct tm tm = {};
  tm.tm_year = v[0] - 1900;
  tm.tm_mon = v[1] - 1;
  tm.tm_mday = v[2];
  tm.tm_hour = v[3];
  tm.tm_min = v[4];
  tm.tm_sec = v[5];
  tm.tm_isdst = -1;
  struct tm asked = tm;
  time_t t = ::mktime(&tm);
  // mktime normalises (Feb 30 -> Mar 2): such a date does not exist.
  if (t == static_cast<time_t>(-1) || tm.tm_year != asked.tm_year || tm.tm_mon != asked.tm_mon ||
      tm.tm_mday != asked.tm_mday || v[3] > 23 || v[4] > 59 || v[5] > 59) {
    return std::nullopt;
  }
  return static_cast<int64_t>(t);
}

// A name safe as one path component, or "" when none can be made.
std::string SafeName(const std::string& name) {
  std::string out;
  for (char c : name) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '_');
  }
  if (out.empty() || out == "." || out == "..") return "";
  return out;
}

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  for (const auto& dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    if (::access(absl::StrCat(dir, "/", program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string Describe(const ReportInputs& in) {
  std::ostringstream d;
  d << "baton cluster report (crm report)\n\n"
    << "command:  " << in.command_line << "\n"
    << "created:  " << LocalTime(in.created_s, "%Y-%m-%d %H:%M:%S %Z") << " on " << in.host << "\n"
    << "window:   " << LocalTime(in.args.from_s, "%Y-%m-%d %H:%M:%S %Z") << " to "
    << LocalTime(in.args.to_s, "%Y-%m-%d %H:%M:%S %Z") << " (Unix " << in.args.from_s << " to " << in.args.to_s
    << ")\n\n";
  if (!in.gather_error.empty()) d << "NO NODE LOGS: " << in.gather_error << "\n\n";
  std::vector<std::string> answered;
  for (const auto& n : in.bundle.nodes()) answered.push_back(n.node());
  d << "nodes that answered: " << (answered.empty() ? "none" : absl::StrJoin(answered, " ")) << "\n";
  if (in.bundle.missing_size() > 0) {
    d << "MISSING (members that did not answer within " << report::kGatherTimeoutMs / 1000
      << " s): " << absl::StrJoin(in.bundle.missing(), " ") << "\n";
  }
  if (in.bundle.down_size() > 0) {
    d << "not members when asked (down or unreachable; no logs): " << absl::StrJoin(in.bundle.down(), " ") << "\n";
  }
  d << "\nfiles per node:\n";
  for (const auto& n : in.bundle.nodes()) {
    if (!n.error().empty()) d << "  " << n.node() << ": " << n.error() << "\n";
    for (const auto& f : n.files()) {
      d << "  " << n.node() << "/" << f.name() << ": " << f.text().size() << " bytes";
      if (!f.note().empty()) d << "; " << f.note();
      if (f.truncated()) {
        d << "; TRUNCATED: only the latest " << report::kMaxLogBytesPerNode / (1 << 20)
          << " MiB per node of the window";
      }
      d << "\n";
    }
  }
  d << "\nalso: cib.xml (cibadmin -Q), crm_status.txt (crm status), fencing_history.txt "
       "(crm history fencing), versions.txt.\nThe authkey is never included.\n";
  return d.str();
}

std::string Capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return absl::StrCat(command, ": cannot run\n");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// The tarball: files into a private directory beside DEST, then tar.
absl::Status WriteTarball(const ReportArgs& args, const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  fs::path dest(args.dest);
  fs::path parent = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::string tmpl = (parent / ".crm-report.XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot make a directory in ", parent.string(), ": ", std::strerror(errno)));
  }
  fs::path tmp(tmpl);
  absl::Status st;
  for (const auto& [rel, text] : files) {
    fs::path p = tmp / args.top / rel;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (!out) {
      st = absl::UnavailableError(absl::StrCat("cannot write ", p.string()));
      break;
    }
  }
  if (st.ok()) {
    int rc = common::RunAndWait({"tar", args.gzip ? "-czf" : "-cjf", args.dest, "-C", tmp.string(), args.top});
    if (rc != 0) {
      st = absl::UnavailableError(absl::StrCat("tar failed (status ", rc, ") writing ", args.dest));
      std::error_code ec;
      fs::remove(dest, ec);
    }
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return st;
}

}  // namespace

absl::StatusOr<int64_t> ParseReportTime(std::string_view text, int64_t now_s) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (t == "now") return now_s;
  if (auto rel = RelativeSeconds(t)) return now_s - *rel;
  if (auto abs = AbsoluteTime(t)) return *abs;
  return absl::InvalidArgumentError(absl::StrCat(
      "'", std::string(text), "' is not a time: give \"YYYY-MM-DD HH:MM[:SS]\", \"YYYY-MM-DD\", \"-1h\" or \"2h ago\""));
}

absl::StatusOr<ReportArgs> ParseReportArgs(const std::vector<std::string>& args, int64_t now_s, bool have_bzip2) {
  auto parsed = ParseOptions(args, {{'f', "from", OptionSpec::kRequired}, {'t', "to", OptionSpec::kRequired}});
  if (!parsed.ok()) return parsed.status();
  ReportArgs r;
  r.to_s = now_s;
  std::optional<int64_t> from;
  for (const auto& o : parsed->options) {
    auto t = ParseReportTime(*o.value, now_s);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("--", o.name, ": ", t.status().message()));
    if (o.name == "from") {
      from = *t;
    } else {
      r.to_s = *t;
    }
  }
  r.from_s = from.value_or(r.to_s - kDefaultReportWindowS);
  if (r.from_s > r.to_s) {
    return absl::InvalidArgumentError(absl::StrCat("the window is empty: --from (",
                                                   LocalTime(r.from_s, "%Y-%m-%d %H:%M:%S"), ") is after --to (",
                                                   LocalTime(r.to_s, "%Y-%m-%d %H:%M:%S"), ")"));
  }
  if (parsed->positional.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("one DEST only; unexpected '", parsed->positional[1], "'"));
  }
  std::string dest = parsed->positional.empty() ? LocalTime(now_s, "baton-report-%Y-%m-%d-%H%M")
                                                : parsed->positional[0];
  std::string stem = dest;
  if (DropSuffix(&stem, ".tar.gz") || DropSuffix(&stem, ".tgz")) {
    r.gzip = true;
  } else if (DropSuffix(&stem, ".tar.bz2") || DropSuffix(&stem, ".tbz2")) {
    r.gzip = false;
  } else {
    r.gzip = !have_bzip2;
    dest += r.gzip ? ".tar.gz" : ".tar.bz2";
  }
  r.top = std::filesystem::path(stem).filename().string();
  if (SafeName(r.top) != r.top) {
    return absl::InvalidArgumentError(
        absl::StrCat("DEST '", dest, "' must end in a plain name (letters, digits, . - _)"));
  }
  if (r.gzip == false && !have_bzip2) {
    return absl::InvalidArgumentError("bzip2 is not installed: name DEST .tar.gz, or install bzip2");
  }
  r.dest = dest;
  return r;
}

std::vector<std::pair<std::string, std::string>> ReportContents(const ReportInputs& in) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"description.txt", Describe(in)},       {"cib.xml", in.cib_xml},
      {"crm_status.txt", in.status_text},      {"fencing_history.txt", in.fencing_history},
      {"versions.txt", in.versions},
  };
  std::set<std::string> used;
  for (const auto& n : in.bundle.nodes()) {
    std::string node = SafeName(n.node());
    if (node.empty() || !used.insert(node).second) node = absl::StrCat("node-", used.size() + 1);
    used.insert(node);
    for (const auto& f : n.files()) {
      std::string name = SafeName(f.name());
      if (name.empty() || absl::AsciiStrToLower(name) == "authkey") continue;
      files.push_back({absl::StrCat(node, "/", name), f.text()});
    }
  }
  return files;
}

int RunReport(const std::vector<std::string>& args, ToolContext& ctx) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      *ctx.out << kUsage;
      return 0;
    }
  }
  ReportInputs in;
  in.created_s = static_cast<int64_t>(std::time(nullptr));
  auto parsed = ParseReportArgs(args, in.created_s, OnPath("bzip2"));
  if (!parsed.ok()) {
    *ctx.err << "crm report: " << parsed.status().message() << "\n";
    return 2;
  }
  in.args = *parsed;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(in.args.dest, ec)) {
    *ctx.err << "crm report: " << in.args.dest << " exists; give another DEST\n";
    return 1;
  }
  fs::path parent = fs::path(in.args.dest).has_parent_path() ? fs::path(in.args.dest).parent_path() : ".";
  if (::access(parent.c_str(), W_OK) != 0) {
    *ctx.err << "crm report: cannot write into " << parent.string() << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  in.command_line = absl::StrCat("crm report ", absl::StrJoin(args, " "));
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  in.host = host;

  auto gathered = ctx.backend->Call(control::request::ReportLogs(in.args.from_s, in.args.to_s));
  if (!gathered.ok()) {
    in.gather_error = std::string(gathered.status().message());
  } else if (gathered->has_report()) {
    in.bundle = std::move(*gathered->mutable_report());
  } else {
    in.gather_error = "baton-crmd's answer to report_logs carries no report (a different version?)";
  }
  auto capture = [&](const std::string& tool, const std::vector<std::string>& targs) {
    std::ostringstream out;
    ToolContext c = ctx;
    c.out = &out;
    c.err = &out;
    c.dc_version = BATON_VERSION;
    RunTool(tool, targs, c);
    return out.str();
  };
  in.cib_xml = capture("cibadmin", {"-Q"});
  in.status_text = capture("crm_mon", {"-1", "-r"});
  {
    std::ostringstream out;
    RunFencingHistory({"--verbose"}, out, out);
    in.fencing_history = out.str();
  }
  in.versions = absl::StrCat("crm (baton) ", BATON_VERSION, "\n\n$ dpkg -l baton\n", Capture("dpkg -l baton 2>&1"),
                             "\n$ uname -a\n", Capture("uname -a 2>&1"));

  if (auto st = WriteTarball(in.args, ReportContents(in)); !st.ok()) {
    *ctx.err << "crm report: " << st.message() << "\n";
    return 1;
  }
  if (!in.gather_error.empty()) *ctx.err << "crm report: WARNING: no node logs: " << in.gather_error << "\n";
  if (in.bundle.missing_size() > 0) {
    *ctx.err << "crm report: WARNING: no answer from " << absl::StrJoin(in.bundle.missing(), " ") << "\n";
  }
  if (in.bundle.down_size() > 0) {
    *ctx.err << "crm report: not members, no logs from: " << absl::StrJoin(in.bundle.down(), " ") << "\n";
  }
  *ctx.out << "crm report: wrote " << in.args.dest << " (" << in.bundle.nodes_size() << " node"
           << (in.bundle.nodes_size() == 1 ? "" : "s") << ", "
           << LocalTime(in.args.from_s, "%Y-%m-%d %H:%M:%S") << " to " << LocalTime(in.args.to_s, "%Y-%m-%d %H:%M:%S")
           << ")\n";
  return 0;
}

}  // namespace baton::cli
