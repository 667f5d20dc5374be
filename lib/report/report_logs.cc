// crm report's I/O-free parts (see report_logs.h).
#include "lib/report/report_logs.h"

#include <time.h>

#include <cctype>
#include <deque>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace baton::report {
namespace {


// Digits at s[at, at+n) as a number, or -1.
int Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Keeps the latest lines up to a byte cap.
class TailBuffer {
 public:
  explicit TailBuffer(size_t cap) : cap_(cap) {}
  void Add(std::string line) {
    bytes_ += line.size();
    lines_.push_back(std::move(line));
    while (bytes_ > cap_ && !lines_.empty()) {
      bytes_ -= lines_.front().size();
      lines_.pop_front();
      dropped_ = true;
    }
  }
  void MoveFrom(TailBuffer& other) {
    for (auto& l : other.lines_) Add(std::move(l));
    dropped_ = dropped_ || other.dropped_;
    other.lines_.clear();
    other.bytes_ = 0;
  }
  std::string Text() const {
    std::string out;
    out.reserve(bytes_);
    for (const auto& l : lines_) out += l;
    return out;
  }
  bool dropped() const { return dropped_; }

 private:
  size_t cap_;
  size_t bytes_ = 0;
  bool dropped_ = false;
  std::deque<std::string> lines_;
};

}  // namespace

std::optional<int64_t> LogLineTime(std::string_view line) {
  // An optional "<N>" journal priority.
  if (line.size() >= 3 && line[0] == '<' && std::isdigit(static_cast<unsigned char>(line[1])) && line[2] == '>') {
    line.remove_prefix(3);
  }
  // YYYY-MM-DD HH:MM:SS
  if (line.size() < 19 || line[4] != '-' || line[7] != '-' || (line[10] != ' ' && line[10] != 'T') ||
      line[13] != ':' || line[16] != ':') {
    return std::nullopt;
  }
  int year = Digits(line, 0, 4), mon = Digits(line, 5, 2), day = Digits(line, 8, 2);
  int hour = Digits(line, 11, 2), min = Digits(line, 14, 2), sec = Digits(line, 17, 2);
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 ||
      sec < 0 || sec > 60) {
    return std::nullopt;
  }
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  tm.tm_isdst = -1;
  time_t t = ::mktime(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(t);
}

FilteredLog FilterLog(std::istream& in, const LogWindow& window, size_t cap) {
  FilteredLog out;
  TailBuffer kept(cap);
  TailBuffer before_first_time(cap);  // kept only if no line ever carries a time
  bool in_window = false;
  std::string line;
  while (std::getline(in, line)) {
    if (!in.eof()) line += '\n';
    if (auto t = LogLineTime(line)) {
      out.timed = true;
      in_window = *t >= window.from_s && *t <= window.to_s;
    } else if (!out.timed) {
      before_first_time.Add(std::move(line));
      continue;
    }
    if (in_window) kept.Add(std::move(line));
  }
  if (!out.timed) kept.MoveFrom(before_first_time);
  out.text = kept.Text();
  out.truncated = kept.dropped();
  return out;
}

std::string RedactClusterConf(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    size_t colon = line.find(':');
    std::string_view raw_key = line.substr(0, colon);
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(absl::string_view(raw_key.data(), raw_key.size())));
    bool secret = colon != std::string_view::npos &&
                  (absl::StrContains(key, "key") || absl::StrContains(key, "secret") ||
                   absl::StrContains(key, "passw"));
    if (secret) {
      out.append(line.substr(0, colon + 1));
      out.append(" <removed by crm report>");
    } else {
      out.append(line);
    }
    if (end != std::string_view::npos) out.push_back('\n');
  }
  return out;
}

void ReportGather::Start(uint64_t id, const LogWindow& window, const std::set<std::string>& members,
                         uint64_t now_ms, uint64_t timeout_ms) {
  Pending p;
  p.window = window;
  p.expected = members;
  p.deadline_ms = now_ms + timeout_ms;
  pending_[id] = std::move(p);
}

bool ReportGather::OnReport(const std::string& from, crmd::NodeReport report) {
  auto it = pending_.find(report.request_id());
  if (it == pending_.end() || report.node() != from || !it->second.expected.count(from) ||
      it->second.got.count(from)) {
    return false;
  }
  it->second.got.emplace(from, std::move(report));
  return true;
}

std::map<uint64_t, crmd::ReportBundle> ReportGather::TakeDone(uint64_t now_ms) {
  std::map<uint64_t, crmd::ReportBundle> done;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    if (p.got.size() < p.expected.size() && now_ms < p.deadline_ms) {
      ++it;
      continue;
    }
    crmd::ReportBundle& b = done[it->first];
    b.set_from_s(p.window.from_s);
    b.set_to_s(p.window.to_s);
    for (const auto& node : p.expected) {
      auto got = p.got.find(node);
      if (got == p.got.end()) {
        b.add_missing(node);
      } else {
        *b.add_nodes() = std::move(got->second);
      }
    }
    it = pending_.erase(it);
  }
  return done;
}

}  // namespace baton::report
