// Rate limiting of log lines about refused requests, frames and datagrams:
// anyone who can reach a port can make a daemon refuse things, and one
// line each would let them fill the disk. Per kind and source ("History
// from ipv4:198.18.0.3"), the first refusal in a window is logged with its
// reason; the others are counted, and the next line of that kind and
// source (or Flush once its window ended) says how many were left out.
// I/O-free: it returns the lines; the caller writes them.
//
// Invariants:
//  1. At most one line per kind and source per window, plus one per window
//     for all beyond max_sources together ("other sources").
//  2. Every refusal is either in a line or counted in a later one (or still
//     pending in the state Flush reads).
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace baton::common {

class LogLimiter {
 public:
  explicit LogLimiter(uint64_t window_ms = 60000, size_t max_sources = 256)
      : window_ms_(window_ms), max_sources_(max_sources) {}

  // The line to log for a refusal of `what` (a kind: "History", "frame")
  // from `source` because of `reason`, or nullopt when it is only counted.
  std::optional<std::string> Note(const std::string& what, const std::string& source, const std::string& reason,
                                  uint64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    ExpireLocked(now_ms, nullptr);
    std::string key = absl::StrCat(what, " from ", source);
    if (!sources_.count(key) && sources_.size() >= max_sources_) key = absl::StrCat(what, " from other sources");
    auto [it, fresh] = sources_.try_emplace(key);
    State& s = it->second;
    if (!fresh && now_ms < s.window_start + window_ms_) {
      ++s.suppressed;
      return std::nullopt;
    }
    std::string line = absl::StrCat("refused ", key, reason.empty() ? "" : ": ", reason);
    if (s.suppressed > 0) absl::StrAppend(&line, " (and ", s.suppressed, " more refused before, not logged)");
    s = State{now_ms, 0};
    return line;
  }

  // Lines for the sources whose window ended with refusals not logged yet;
  // forgets sources quiet for a whole window.
  std::vector<std::string> Flush(uint64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> lines;
    ExpireLocked(now_ms, &lines);
    return lines;
  }

 private:
  struct State {
    uint64_t window_start = 0;
    uint64_t suppressed = 0;
  };

  void ExpireLocked(uint64_t now_ms, std::vector<std::string>* lines) {
    for (auto it = sources_.begin(); it != sources_.end();) {
      if (now_ms < it->second.window_start + window_ms_) {
        ++it;
        continue;
      }
      if (it->second.suppressed > 0) {
        if (!lines) {  // keep the count for Flush, or for the source's next line
          ++it;
          continue;
        }
        lines->push_back(absl::StrCat("refused ", it->first, ": ", it->second.suppressed,
                                      " more in the last ", window_ms_ / 1000, " s, not logged one by one"));
      }
      it = sources_.erase(it);
    }
  }

  const uint64_t window_ms_;
  const size_t max_sources_;
  std::mutex mu_;
  std::map<std::string, State> sources_;  // guarded by mu_
};

}  // namespace baton::common
