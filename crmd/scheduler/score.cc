#include "crmd/scheduler/score.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace baton::scheduler {

std::optional<int> ParseScore(std::string_view text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (t == "infinity" || t == "+infinity") return kInfinity;
  if (t == "-infinity") return -kInfinity;
  if (t == "red") return -kInfinity;  // node-health-red default
  if (t == "yellow" || t == "green") return 0;
  // Like strtoll: a leading integer counts ("1.0" is 1), nothing else does.
  const char* begin = t.c_str();
  char* end = nullptr;
  long long v = std::strtoll(begin, &end, 10);
  if (end == begin) return std::nullopt;
  if (v >= kInfinity) return kInfinity;
  if (v <= -kInfinity) return -kInfinity;
  return static_cast<int>(v);
}

int ScoreOrZero(std::string_view text) { return ParseScore(text).value_or(0); }

std::string ScoreToString(int score) {
  if (score >= kInfinity) return "INFINITY";
  if (score <= -kInfinity) return "-INFINITY";
  return std::to_string(score);
}

namespace {

// ISO 8601 duration: PnYnMnDTnHnMnS (years/months approximated as Pacemaker does).
std::optional<long long> ParseIsoDuration(std::string_view t) {
  bool in_time = false;
  long long ms = 0;
  size_t i = 1;
  while (i < t.size()) {
    if (t[i] == 'T') {
      in_time = true;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < t.size() && (std::isdigit(static_cast<unsigned char>(t[j])) || t[j] == '.')) ++j;
    if (j == i || j >= t.size()) return std::nullopt;
    double v = std::atof(std::string(t.substr(i, j - i)).c_str());
    char u = t[j];
    double unit = 0;
    if (!in_time && u == 'Y') unit = 365.0 * 86400e3;
    else if (!in_time && u == 'M') unit = 30.0 * 86400e3;
    else if (!in_time && u == 'W') unit = 7.0 * 86400e3;
    else if (!in_time && u == 'D') unit = 86400e3;
    else if (in_time && u == 'H') unit = 3600e3;
    else if (in_time && u == 'M') unit = 60e3;
    else if (in_time && u == 'S') unit = 1e3;
    else return std::nullopt;
    ms += static_cast<long long>(v * unit);
    i = j + 1;
  }
  return ms;
}

}  // namespace

std::optional<long long> ParseIntervalMs(std::string_view text) {
  std::string t(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (t.empty()) return std::nullopt;
  if (t[0] == 'P') return ParseIsoDuration(t);
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = std::atof(t.substr(0, i).c_str());
  std::string unit = absl::AsciiStrToLower(absl::StripAsciiWhitespace(t.substr(i)));
  double mult = 1000;  // seconds by default
  if (unit.empty() || unit == "s" || unit == "sec") mult = 1000;
  else if (unit == "ms" || unit == "msec") mult = 1;
  else if (unit == "us" || unit == "usec") mult = 0.001;
  else if (unit == "m" || unit == "min") mult = 60000;
  else if (unit == "h" || unit == "hr") mult = 3600000;
  else return std::nullopt;
  return static_cast<long long>(v * mult);
}

bool IsTrue(std::string_view text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  return t == "true" || t == "yes" || t == "y" || t == "on" || t == "1";
}

}  // namespace baton::scheduler
