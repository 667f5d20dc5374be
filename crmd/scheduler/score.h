// Pacemaker's score arithmetic: integers saturating at +/-INFINITY
// (1000000), where -INFINITY wins over +INFINITY.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace baton::scheduler {

constexpr int kInfinity = 1000000;

// a + b with Pacemaker's rules: -INF absorbs everything, then +INF, else a
// sum clamped to (-INF, +INF).
inline int AddScores(int a, int b) {
  if (a <= -kInfinity || b <= -kInfinity) return -kInfinity;
  if (a >= kInfinity || b >= kInfinity) return kInfinity;
  long long s = static_cast<long long>(a) + b;
  if (s >= kInfinity) return kInfinity;
  if (s <= -kInfinity) return -kInfinity;
  return static_cast<int>(s);
}

// "INFINITY", "+INFINITY", "-INFINITY", "red"/"yellow"/"green" (node health
// colours, with the given scores), or an integer. Unparsable text is nullopt.
std::optional<int> ParseScore(std::string_view text);

// Like ParseScore, but unparsable text is 0 (Pacemaker's char2score).
int ScoreOrZero(std::string_view text);

// "INFINITY", "-INFINITY" or the number, as crm_simulate prints scores.
std::string ScoreToString(int score);

// Interval/duration text ("10s", "1m", "PT1M", "500ms", "10") to milliseconds.
std::optional<long long> ParseIntervalMs(std::string_view text);

// Pacemaker's boolean text: true/yes/y/on/1 (case-insensitive).
bool IsTrue(std::string_view text);

}  // namespace baton::scheduler
