// crm report's cluster side, the parts that do no I/O: which log lines fall
// in a time window (with a size cap), cluster.conf with anything key-like
// removed, and the gathering of every member's answer by the node the CLI
// asked, with a deadline for members that never answer.
// report_collect.h does the reading (files, the journal) and the threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crmd.pb.h"

namespace baton::report {

// At most this much log text per node (all its log files together).
inline constexpr size_t kMaxLogBytesPerNode = 4 << 20;
// Members that have not answered by then are reported missing.
inline constexpr uint64_t kGatherTimeoutMs = 15000;

// [from_s, to_s], Unix seconds, both ends included.
struct LogWindow {
  int64_t from_s = 0;
  int64_t to_s = 0;
};

// The time a log line starts with, "YYYY-MM-DD HH:MM:SS[.fff]" in local time
// (baton-crmd's lines), after an optional journal priority "<N>"; nullopt
// when it starts otherwise.
std::optional<int64_t> LogLineTime(std::string_view line);

struct FilteredLog {
  std::string text;
  bool truncated = false;  // lines of the window were dropped to keep the cap (the earliest)
  bool timed = false;      // at least one line carried a time
};

// The lines of `in` within `window`. A line without a time belongs with the
// line before it (a continuation). When no line carries a time at all, the
// whole text is kept: it cannot be placed in time. Keeps at most `cap`
// bytes, the latest ones, in whole lines.
FilteredLog FilterLog(std::istream& in, const LogWindow& window, size_t cap);

// cluster.conf for a report: a line whose key names a key or secret
// (authkey, keyfile, crypto key, password...) keeps its key and loses its value.
std::string RedactClusterConf(std::string_view text);

// The node the CLI asked gathers one NodeReport per member.
//
// Invariants:
//  1. A gather completes when every expected member answered, or at its
//     deadline; then the missing ones are listed, and it is forgotten.
//  2. Only an expected member's first answer to that gather is kept, and
//     only when it names the node it came from.
// Thread-safety: none; the daemon's loop owns it.
class ReportGather {
 public:
  // Expects an answer from each of `members` (this node included) by now_ms + timeout_ms.
  void Start(uint64_t id, const LogWindow& window, const std::set<std::string>& members, uint64_t now_ms,
             uint64_t timeout_ms = kGatherTimeoutMs);
  // Whether the answer was kept.
  bool OnReport(const std::string& from, crmd::NodeReport report);
  // Gathers done by now_ms, by id.
  std::map<uint64_t, crmd::ReportBundle> TakeDone(uint64_t now_ms);
  bool empty() const { return pending_.empty(); }

 private:
  struct Pending {
    LogWindow window;
    std::set<std::string> expected;
    std::map<std::string, crmd::NodeReport> got;
    uint64_t deadline_ms = 0;
  };
  std::map<uint64_t, Pending> pending_;
};

}  // namespace baton::report
