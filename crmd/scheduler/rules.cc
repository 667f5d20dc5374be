#include "crmd/scheduler/rules.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <strings.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "crmd/scheduler/scheduler.h"
#include "crmd/scheduler/score.h"

namespace baton::scheduler {
namespace {

// compare_attr_expr_vals(): <0, 0, >0. Strings compare ignoring case;
// integers read a leading integer ("10.7" is 10); numbers are decimals; a
// side that is not a number makes either numeric type compare as strings.
// A missing side sorts before a present one.
int Compare(const std::optional<std::string>& l, const std::optional<std::string>& r, std::string type,
            const std::string& op) {
  if (!l && !r) return 0;
  if (!r) return 1;
  if (!l) return -1;
  type = absl::AsciiStrToLower(type);
  if (type.empty()) {
    if (op == "lt" || op == "lte" || op == "gt" || op == "gte") {
      type = (l->find('.') != std::string::npos || r->find('.') != std::string::npos) ? "number" : "integer";
    } else {
      type = "string";
    }
  }
  auto sign = [](auto x, auto y) { return x < y ? -1 : (x > y ? 1 : 0); };
  if (type == "integer") {
    char* e1 = nullptr;
    char* e2 = nullptr;
    long long x = std::strtoll(l->c_str(), &e1, 10);
    long long y = std::strtoll(r->c_str(), &e2, 10);
    if (e1 != l->c_str() && e2 != r->c_str()) return sign(x, y);
    type = "string";
  } else if (type == "number") {
    double x = 0, y = 0;
    if (absl::SimpleAtod(*l, &x) && absl::SimpleAtod(*r, &y)) return sign(x, y);
    type = "string";
  } else if (type == "version") {
    std::vector<std::string> pa = absl::StrSplit(*l, '.');
    std::vector<std::string> pb = absl::StrSplit(*r, '.');
    for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
      long x = i < pa.size() ? std::atol(pa[i].c_str()) : 0;
      long y = i < pb.size() ? std::atol(pb[i].c_str()) : 0;
      if (x != y) return x < y ? -1 : 1;
    }
    return 0;
  }
  return sign(strcasecmp(l->c_str(), r->c_str()), 0);
}

bool EvalAttribute(const cib::Expression& e, const RuleContext& ctx) {
  std::string attr = cib::Get(e.attrs, "attribute");
  std::string op = absl::AsciiStrToLower(cib::Get(e.attrs, "operation"));
  std::optional<std::string> value;
  if (auto it = e.attrs.find("value"); it != e.attrs.end()) value = it->second;
  std::optional<std::string> actual;
  if (ctx.node_attrs) {
    auto it = ctx.node_attrs->find(attr);
    if (it != ctx.node_attrs->end()) actual = it->second;
  }
  if (op == "defined") return actual.has_value();
  if (op == "not_defined") return !actual.has_value();
  if (!actual) return op == "ne";  // checked against crm_simulate
  int c = Compare(actual, value, cib::Get(e.attrs, "type"), op);
  if (op == "eq") return c == 0;
  if (op == "ne") return c != 0;
  if (op == "lt") return c < 0;
  if (op == "lte") return c <= 0;
  if (op == "gt") return c > 0;
  if (op == "gte") return c >= 0;
  return false;
}

bool InRangeSpec(const std::string& spec, long value) {
  if (spec.empty()) return true;
  for (auto part : absl::StrSplit(spec, ',')) {
    std::vector<std::string> lr = absl::StrSplit(part, '-');
    long lo = std::atol(lr[0].c_str());
    long hi = lr.size() > 1 ? std::atol(lr[1].c_str()) : lo;
    if (value >= lo && value <= hi) return true;
  }
  return false;
}

bool EvalDateSpec(const std::map<std::string, std::string>& spec, long long now) {
  time_t t = static_cast<time_t>(now);
  struct tm tm;
  gmtime_r(&t, &tm);
  auto get = [&](const char* k) { return cib::Get(spec, k); };
  int wday = tm.tm_wday == 0 ? 7 : tm.tm_wday;
  return InRangeSpec(get("years"), tm.tm_year + 1900) && InRangeSpec(get("months"), tm.tm_mon + 1) &&
         InRangeSpec(get("monthdays"), tm.tm_mday) && InRangeSpec(get("weekdays"), wday) &&
         InRangeSpec(get("yeardays"), tm.tm_yday + 1) && InRangeSpec(get("hours"), tm.tm_hour) &&
         InRangeSpec(get("minutes"), tm.tm_min) && InRangeSpec(get("seconds"), tm.tm_sec);
}

long long AddDuration(long long start, const std::map<std::string, std::string>& d) {
  long long s = start;
  auto num = [&](const char* k) { return std::atoll(cib::Get(d, k, "0").c_str()); };
  s += num("seconds") + 60 * num("minutes") + 3600 * num("hours") + 86400 * num("days") +
       7 * 86400 * num("weeks");
  if (num("months") || num("years")) {
    time_t t = static_cast<time_t>(s);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mon += static_cast<int>(num("months"));
    tm.tm_year += static_cast<int>(num("years"));
    s = timegm(&tm);
  }
  return s;
}

bool EvalDate(const cib::Expression& e, const RuleContext& ctx) {
  std::string op = cib::Get(e.attrs, "operation", "in_range");
  // Pacemaker 2.1.5's rules ignore numeric zone offsets ("+02:00").
  auto start = ParseIsoDateTime(cib::Get(e.attrs, "start"), /*ignore_offset=*/true);
  auto end = ParseIsoDateTime(cib::Get(e.attrs, "end"), /*ignore_offset=*/true);
  if (op == "date_spec") return EvalDateSpec(e.date_spec, ctx.now);
  if (op == "gt") return start && ctx.now > *start;
  if (op == "lt") return end && ctx.now < *end;
  if (op == "in_range") {
    if (!end && start && !e.duration.empty()) end = AddDuration(*start, e.duration);
    if (start && ctx.now < *start) return false;
    if (end && ctx.now > *end) return false;
    return start || end;
  }
  return false;
}

bool EvalExpression(const cib::Expression& e, const RuleContext& ctx) {
  switch (e.kind) {
    case cib::Expression::Kind::kAttribute: return EvalAttribute(e, ctx);
    case cib::Expression::Kind::kDate: return EvalDate(e, ctx);
    case cib::Expression::Kind::kResource: {
      auto want = [&](const char* k, const std::string& have) {
        auto it = e.attrs.find(k);
        return it == e.attrs.end() || it->second == have;
      };
      return want("class", ctx.rsc_class) && want("provider", ctx.rsc_provider) &&
             want("type", ctx.rsc_type);
    }
    case cib::Expression::Kind::kOperation: {
      if (cib::Get(e.attrs, "name") != ctx.op_name) return false;
      auto it = e.attrs.find("interval");
      if (it == e.attrs.end()) return true;
      return ParseIntervalMs(it->second).value_or(-2) == ctx.op_interval_ms;
    }
  }
  return false;
}

}  // namespace

std::optional<long long> ParseIsoDateTime(std::string_view text, bool ignore_offset) {
  std::string t(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (t.empty()) return std::nullopt;
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, yday = 0;
  size_t pos = 0;
  auto digits = [&](size_t n, int* out) {
    if (pos + n > t.size()) return false;
    for (size_t i = 0; i < n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[pos + i]))) return false;
    }
    *out = std::atoi(t.substr(pos, n).c_str());
    pos += n;
    return true;
  };
  if (!digits(4, &year)) return std::nullopt;
  if (pos < t.size() && t[pos] == '-') ++pos;
  // Ordinal date (YYYY-DDD) or calendar date (YYYY-MM-DD).
  size_t dash = t.find('-', pos);
  size_t sep = t.find_first_of("T ", pos);
  size_t date_end = sep == std::string::npos ? t.size() : sep;
  if (dash == std::string::npos || dash > date_end) {
    if (!digits(3, &yday)) return std::nullopt;
  } else {
    if (!digits(2, &month)) return std::nullopt;
    if (pos < t.size() && t[pos] == '-') ++pos;
    if (!digits(2, &day)) return std::nullopt;
  }
  if (pos < t.size() && (t[pos] == 'T' || t[pos] == ' ')) {
    ++pos;
    if (!digits(2, &hour)) return std::nullopt;
    if (pos < t.size() && t[pos] == ':') ++pos;
    digits(2, &minute);
    if (pos < t.size() && t[pos] == ':') ++pos;
    digits(2, &second);
  }
  long long offset = 0;
  if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int sign = t[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    digits(2, &oh);
    if (pos < t.size() && t[pos] == ':') ++pos;
    digits(2, &om);
    offset = sign * (oh * 3600LL + om * 60LL);
    if (ignore_offset) offset = 0;
  }
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = yday > 0 ? yday : day;
  if (yday > 0) tm.tm_mon = 0;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<long long>(timegm(&tm)) - offset;
}

bool EvaluateRule(const cib::Rule& rule, const RuleContext& ctx) {
  if (rule.role && !ctx.role.empty() && absl::AsciiStrToLower(*rule.role) != absl::AsciiStrToLower(ctx.role)) {
    return false;
  }
  bool is_or = absl::AsciiStrToLower(rule.boolean_op) == "or";
  bool any = false;
  for (const auto& e : rule.expressions) {
    bool v = EvalExpression(e, ctx);
    if (is_or && v) return true;
    if (!is_or && !v) return false;
    any = true;
  }
  for (const auto& r : rule.rules) {
    bool v = EvaluateRule(r, ctx);
    if (is_or && v) return true;
    if (!is_or && !v) return false;
    any = true;
  }
  // An empty rule is true; an "or" with nothing true is false.
  return is_or ? !any : true;
}

bool NvSetApplies(const cib::NvSet& set, const RuleContext& ctx) {
  for (const auto& r : set.rules) {
    if (!EvaluateRule(r, ctx)) return false;
  }
  return true;
}

void UnpackNvSets(const std::vector<cib::NvSet>& sets, const RuleContext& ctx,
                  std::map<std::string, std::string>* out, bool overwrite, std::string_view first_set_id) {
  // Pacemaker collects the sets in reverse document order before a stable
  // sort by score, so among equal scores the later set wins.
  std::vector<const cib::NvSet*> order;
  for (auto it = sets.rbegin(); it != sets.rend(); ++it) order.push_back(&*it);
  auto first = [&](const cib::NvSet* s) {
    return !first_set_id.empty() && absl::EqualsIgnoreCase(s->id, absl::string_view(first_set_id.data(), first_set_id.size()));
  };
  std::stable_sort(order.begin(), order.end(), [&](const cib::NvSet* a, const cib::NvSet* b) {
    if (first(a) != first(b)) return first(a);
    return ScoreOrZero(a->score.value_or("0")) > ScoreOrZero(b->score.value_or("0"));
  });
  for (const cib::NvSet* s : order) {
    if (!NvSetApplies(*s, ctx)) continue;
    for (const auto& p : s->pairs) {
      if (!p.value) continue;
      if (overwrite || !out->count(p.name)) (*out)[p.name] = *p.value;
    }
  }
}

}  // namespace baton::scheduler
