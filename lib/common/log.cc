#include "lib/common/log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace baton::common {

int LogPriority(std::string_view text) {
  absl::string_view t(text.data(), text.size());
  if (absl::StartsWithIgnoreCase(t, "error") || absl::StartsWith(t, "CRIT")) return 3;
  if (absl::StartsWithIgnoreCase(t, "warning")) return 4;
  if (absl::StartsWith(t, "notice")) return 5;
  return 6;
}

std::string LogTime() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  localtime_r(&ts.tv_sec, &tm);
  char when[64];
  size_t n = strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(when + n, sizeof(when) - n, ".%03ld", ts.tv_nsec / 1000000);
  return when;
}

std::string JournalPrefix(std::string_view text) {
  static const bool journal = [] {
    const char* s = std::getenv("JOURNAL_STREAM");
    return s != nullptr && *s != '\0';
  }();
  return journal ? "<" + std::to_string(LogPriority(text)) + ">" : std::string();
}

std::string FormatLogLine(std::string_view daemon, std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string line = JournalPrefix(text);
  absl::StrAppend(&line, LogTime(), " ", absl::string_view(daemon.data(), daemon.size()), ": ",
                  absl::string_view(text.data(), text.size()), "\n");
  return line;
}

void WriteLogLine(std::string_view daemon, std::string_view text) {
  std::string line = FormatLogLine(daemon, text);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to; nothing else to do
    done += static_cast<size_t>(n);
  }
}

}  // namespace baton::common
