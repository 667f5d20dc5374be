#include "crmd/common/log.h"

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

}  // namespace baton::common
