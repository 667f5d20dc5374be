// Rule evaluation (rules.h): attribute, date and nested expressions, nvset
// precedence and ISO 8601 date parsing. Every expectation was checked with
// Pacemaker 2.1.5's crm_simulate, by putting the same expression in a
// location rule (symmetric-cluster=false) or an nvset rule and seeing where
// the resource started, with execution-date 1666729883
// (2022-10-25T20:31:23Z, a Tuesday).
#include "crmd/scheduler/rules.h"
#include "crmd/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace baton::scheduler {
namespace {

constexpr long long kNow = 1666729883;  // 2022-10-25T20:31:23Z, Tuesday

// The node attributes used in the crm_simulate check.
const std::map<std::string, std::string> kNode1 = {{"num", "10"}, {"color", "Red"}, {"ver", "1.10"}};
const std::map<std::string, std::string> kNode2 = {{"num", "9"}, {"color", "blue"}, {"ver", "1.9"}};
const std::map<std::string, std::string> kNode3 = {};

cib::Expression Attr(const std::string& attribute, const std::string& op, const std::string& value = "",
                     const std::string& type = "") {
  cib::Expression e;
  e.kind = cib::Expression::Kind::kAttribute;
  e.id = "e-" + attribute;
  e.attrs["attribute"] = attribute;
  e.attrs["operation"] = op;
  if (!value.empty()) e.attrs["value"] = value;
  if (!type.empty()) e.attrs["type"] = type;
  return e;
}

cib::Expression Date(const std::string& op, const std::string& start, const std::string& end,
                     std::map<std::string, std::string> duration = {},
                     std::map<std::string, std::string> spec = {}) {
  cib::Expression e;
  e.kind = cib::Expression::Kind::kDate;
  e.id = "d";
  e.attrs["operation"] = op;
  if (!start.empty()) e.attrs["start"] = start;
  if (!end.empty()) e.attrs["end"] = end;
  e.duration = std::move(duration);
  e.date_spec = std::move(spec);
  return e;
}

cib::Expression Spec(std::map<std::string, std::string> spec) {
  return Date("date_spec", "", "", {}, std::move(spec));
}

cib::Rule MakeRule(std::vector<cib::Expression> exprs, const std::string& boolean_op = "and",
                   std::vector<cib::Rule> nested = {}) {
  cib::Rule r;
  r.id = "r";
  r.score = "INFINITY";
  r.boolean_op = boolean_op;
  r.expressions = std::move(exprs);
  r.rules = std::move(nested);
  return r;
}

bool Eval(const cib::Expression& e, const std::map<std::string, std::string>& attrs, long long now = kNow) {
  RuleContext ctx;
  ctx.node_attrs = &attrs;
  ctx.now = now;
  return EvaluateRule(MakeRule({e}), ctx);
}

// Which of node1/node2/node3 the expression holds on, e.g. "12".
std::string Where(const cib::Expression& e) {
  std::string out;
  if (Eval(e, kNode1)) out += "1";
  if (Eval(e, kNode2)) out += "2";
  if (Eval(e, kNode3)) out += "3";
  return out;
}

// --------------------------------------------------------------- attributes

TEST(AttributeExpression, EqAndNeOnStrings) {
  EXPECT_EQ(Where(Attr("color", "eq", "blue")), "2");
  EXPECT_EQ(Where(Attr("color", "ne", "blue")), "13");  // undefined is "ne"
  EXPECT_EQ(Where(Attr("num", "ne", "5")), "123");
}

TEST(AttributeExpression, UntypedEqComparesAsStrings) {
  // "10" eq "10.0" is false without a type, true as numbers.
  EXPECT_EQ(Where(Attr("num", "eq", "10.0")), "");
  EXPECT_EQ(Where(Attr("num", "eq", "10.0", "number")), "1");
}

TEST(AttributeExpression, UntypedOrderingComparesAsNumbers) {
  EXPECT_EQ(Where(Attr("num", "gt", "9")), "1");
  EXPECT_EQ(Where(Attr("num", "gte", "9")), "12");
  EXPECT_EQ(Where(Attr("num", "lt", "10")), "2");
  EXPECT_EQ(Where(Attr("num", "lte", "10")), "12");
}

TEST(AttributeExpression, StringTypeOrdersLexically) {
  // As strings "10" < "9".
  EXPECT_EQ(Where(Attr("num", "lt", "9", "string")), "1");
  EXPECT_EQ(Where(Attr("num", "gt", "10", "string")), "2");
}

TEST(AttributeExpression, IntegerAndNumberTypes) {
  EXPECT_EQ(Where(Attr("num", "gt", "9", "integer")), "1");
  EXPECT_EQ(Where(Attr("num", "lte", "9", "integer")), "2");
  EXPECT_EQ(Where(Attr("num", "lt", "9.5", "number")), "2");
  EXPECT_EQ(Where(Attr("num", "gte", "9.5", "number")), "1");
}

TEST(AttributeExpression, VersionType) {
  // 1.10 > 1.9 as versions (but not as numbers).
  EXPECT_EQ(Where(Attr("ver", "gt", "1.9", "version")), "1");
  EXPECT_EQ(Where(Attr("ver", "lt", "1.10", "version")), "2");
  EXPECT_EQ(Where(Attr("ver", "eq", "1.9.0", "version")), "2");
}

TEST(AttributeExpression, UndefinedAttributeOnlySatisfiesNe) {
  // crm_simulate: lt/lte/gt on a missing attribute are false, ne is true.
  EXPECT_EQ(Where(Attr("foo", "lt", "5")), "");
  EXPECT_EQ(Where(Attr("foo", "lte", "5")), "");
  EXPECT_EQ(Where(Attr("foo", "gt", "5")), "");
  EXPECT_EQ(Where(Attr("foo", "ne", "5")), "123");
}

TEST(AttributeExpression, DefinedAndNotDefined) {
  EXPECT_EQ(Where(Attr("color", "defined")), "12");
  EXPECT_EQ(Where(Attr("color", "not_defined")), "3");
}

// Pacemaker 2.1.5 compares strings with strcasecmp: color=Red matches
// eq "red" (crm_simulate started the clone instance on node1, with and
// without type="string").
TEST(AttributeExpression, StringComparisonIgnoresCase) {
  EXPECT_EQ(Where(Attr("color", "eq", "red")), "1");
  EXPECT_EQ(Where(Attr("color", "eq", "red", "string")), "1");
}

// Pacemaker 2.1.5 parses type="integer" values with strtoll, so "10.7" is
// 10 and num=10 eq "10.7" holds on node1.
TEST(AttributeExpression, IntegerTypeTruncatesFractions) {
  EXPECT_EQ(Where(Attr("num", "eq", "10.7", "integer")), "1");
}

// Pacemaker 2.1.5 falls back to a (case-insensitive) string comparison
// when a type="number" value is not numeric: "blue" lt "c" holds on node2
// ("Red" lt "c" does not).
TEST(AttributeExpression, NumberTypeFallsBackToStringComparison) {
  EXPECT_EQ(Where(Attr("color", "lt", "c", "number")), "2");
}

// --------------------------------------------------------- boolean and nesting

TEST(Rule, AndNeedsAllOrNeedsOne) {
  RuleContext ctx;
  ctx.node_attrs = &kNode1;
  ctx.now = kNow;
  auto yes = Attr("num", "eq", "10");
  auto no = Attr("color", "eq", "blue");
  EXPECT_TRUE(EvaluateRule(MakeRule({yes, yes}), ctx));
  EXPECT_FALSE(EvaluateRule(MakeRule({yes, no}), ctx));
  EXPECT_TRUE(EvaluateRule(MakeRule({no, yes}, "or"), ctx));
  EXPECT_FALSE(EvaluateRule(MakeRule({no, no}, "or"), ctx));
}

TEST(Rule, NestedRules) {
  RuleContext ctx;
  ctx.node_attrs = &kNode2;
  ctx.now = kNow;
  // num=9 and (color=Red or ver=1.9): true on node2.
  cib::Rule inner = MakeRule({Attr("color", "eq", "Red"), Attr("ver", "eq", "1.9")}, "or");
  EXPECT_TRUE(EvaluateRule(MakeRule({Attr("num", "eq", "9")}, "and", {inner}), ctx));
  // num=9 and (color=Red and ver=1.9): false.
  cib::Rule inner_and = MakeRule({Attr("color", "eq", "Red"), Attr("ver", "eq", "1.9")}, "and");
  EXPECT_FALSE(EvaluateRule(MakeRule({Attr("num", "eq", "9")}, "and", {inner_and}), ctx));
  // num=10 or (nested true): true through the nested rule only.
  EXPECT_TRUE(EvaluateRule(MakeRule({Attr("num", "eq", "10")}, "or", {inner}), ctx));
  // Two levels deep.
  cib::Rule deep = MakeRule({}, "and", {MakeRule({Attr("color", "eq", "blue")}, "and", {inner})});
  EXPECT_TRUE(EvaluateRule(deep, ctx));
}

TEST(Rule, DateAndAttributeTogether) {
  RuleContext ctx;
  ctx.node_attrs = &kNode1;
  ctx.now = kNow;
  EXPECT_TRUE(EvaluateRule(MakeRule({Attr("num", "eq", "10"), Spec({{"hours", "20"}})}), ctx));
  EXPECT_FALSE(EvaluateRule(MakeRule({Attr("num", "eq", "10"), Spec({{"hours", "9-17"}})}), ctx));
}

// -------------------------------------------------------------------- dates

TEST(DateExpression, InRange) {
  EXPECT_TRUE(Eval(Date("in_range", "2022-01-01", "2022-12-31"), kNode3));
  EXPECT_FALSE(Eval(Date("in_range", "2023-01-01", "2023-12-31"), kNode3));
  EXPECT_FALSE(Eval(Date("in_range", "", "2022-10-25T20:00:00"), kNode3));
}

TEST(DateExpression, InRangeWithDuration) {
  EXPECT_TRUE(Eval(Date("in_range", "2022-10-25T20:00:00", "", {{"hours", "1"}}), kNode3));
  EXPECT_FALSE(Eval(Date("in_range", "2022-10-25T19:00:00", "", {{"hours", "1"}}), kNode3));
}

TEST(DateExpression, GtAndLt) {
  EXPECT_TRUE(Eval(Date("gt", "2022-10-25", ""), kNode3));
  EXPECT_FALSE(Eval(Date("gt", "2022-10-26", ""), kNode3));
  EXPECT_TRUE(Eval(Date("lt", "", "2022-10-26"), kNode3));
  EXPECT_FALSE(Eval(Date("lt", "", "2022-10-25T20:31:00"), kNode3));
  // To the second, in the ordinal and the space-separated forms.
  EXPECT_TRUE(Eval(Date("gt", "2022-298T20:31:22", ""), kNode3));
  EXPECT_FALSE(Eval(Date("gt", "2022-298T20:31:24", ""), kNode3));
  EXPECT_TRUE(Eval(Date("lt", "", "2022-10-25 20:31:24Z"), kNode3));
  EXPECT_FALSE(Eval(Date("lt", "", "2022-10-25 20:31:22Z"), kNode3));
}

TEST(DateExpression, DateSpec) {
  EXPECT_TRUE(Eval(Spec({{"hours", "20"}}), kNode3));
  EXPECT_FALSE(Eval(Spec({{"hours", "9-17"}}), kNode3));
  EXPECT_TRUE(Eval(Spec({{"weekdays", "1-5"}}), kNode3));  // Tuesday
  EXPECT_FALSE(Eval(Spec({{"weekdays", "6-7"}}), kNode3));
  EXPECT_TRUE(Eval(Spec({{"months", "10"}, {"monthdays", "25"}}), kNode3));
  EXPECT_FALSE(Eval(Spec({{"years", "2021"}}), kNode3));
}

// -------------------------------------------------------------------- nvsets

cib::NvSet Set(const std::string& id, std::optional<std::string> score,
               std::vector<std::pair<std::string, std::string>> pairs, std::vector<cib::Rule> rules = {}) {
  cib::NvSet s;
  s.id = id;
  s.score = std::move(score);
  s.rules = std::move(rules);
  for (auto& [k, v] : pairs) s.pairs.push_back(cib::NvPair{id + "-" + k, k, v});
  return s;
}

std::map<std::string, std::string> Unpack(const std::vector<cib::NvSet>& sets) {
  RuleContext ctx;
  ctx.now = kNow;
  std::map<std::string, std::string> out;
  UnpackNvSets(sets, ctx, &out);
  return out;
}

TEST(UnpackNvSets, HigherScoreSetWinsWhateverItsPosition) {
  // crm_simulate: target-role Stopped (score 1) then Started (score 10)
  // starts the resource.
  auto out = Unpack({Set("a", "1", {{"target-role", "Stopped"}}), Set("b", "10", {{"target-role", "Started"}})});
  EXPECT_EQ(out["target-role"], "Started");
  out = Unpack({Set("b", "10", {{"target-role", "Started"}}), Set("a", "1", {{"target-role", "Stopped"}})});
  EXPECT_EQ(out["target-role"], "Started");
}

TEST(UnpackNvSets, FirstDefinitionWithinASetWins) {
  cib::NvSet s = Set("a", std::nullopt, {{"x", "1"}});
  s.pairs.push_back(cib::NvPair{"a-x2", "x", "2"});
  EXPECT_EQ(Unpack({s})["x"], "1");
}

TEST(UnpackNvSets, NamesFromDifferentSetsMerge) {
  auto out = Unpack({Set("a", "5", {{"x", "1"}}), Set("b", "1", {{"x", "9"}, {"y", "2"}})});
  EXPECT_EQ(out["x"], "1");
  EXPECT_EQ(out["y"], "2");
}

TEST(UnpackNvSets, ExistingValuesKeptUnlessOverwrite) {
  RuleContext ctx;
  ctx.now = kNow;
  std::map<std::string, std::string> out = {{"x", "old"}};
  UnpackNvSets({Set("a", std::nullopt, {{"x", "new"}})}, ctx, &out);
  EXPECT_EQ(out["x"], "old");
  UnpackNvSets({Set("a", std::nullopt, {{"x", "new"}})}, ctx, &out, /*overwrite=*/true);
  EXPECT_EQ(out["x"], "new");
}

TEST(UnpackNvSets, RuleGuardedSets) {
  // crm_simulate: a score-100 set whose rule is false (lt 2020-01-01) is
  // skipped; one whose rule is true (gt 2020-01-01) wins.
  cib::Rule past = MakeRule({Date("lt", "", "2020-01-01")});
  cib::Rule since = MakeRule({Date("gt", "2020-01-01", "")});
  auto out = Unpack({Set("a", "100", {{"target-role", "Stopped"}}, {past}),
                     Set("b", std::nullopt, {{"target-role", "Started"}})});
  EXPECT_EQ(out["target-role"], "Started");
  out = Unpack({Set("b", std::nullopt, {{"target-role", "Started"}}),
                Set("a", "100", {{"target-role", "Stopped"}}, {since})});
  EXPECT_EQ(out["target-role"], "Stopped");
}

TEST(NvSetApplies, NoRulesAlwaysApplies) {
  RuleContext ctx;
  ctx.now = kNow;
  EXPECT_TRUE(NvSetApplies(Set("a", std::nullopt, {}), ctx));
  EXPECT_FALSE(NvSetApplies(Set("a", std::nullopt, {}, {MakeRule({Date("lt", "", "2020-01-01")})}), ctx));
}

// Pacemaker 2.1.5 (make_pairs: g_list_prepend, then a stable sort by
// score) processes sets of equal score in reverse document order, so with
// overwrite off the LAST set defining a name wins: a primitive with
// meta_attributes target-role=Stopped then target-role=Started (no scores)
// is started by crm_simulate.
TEST(UnpackNvSets, EqualScoresLaterSetWins) {
  auto out = Unpack({Set("a", std::nullopt, {{"target-role", "Stopped"}}),
                     Set("b", std::nullopt, {{"target-role", "Started"}})});
  EXPECT_EQ(out["target-role"], "Started");
}

// -------------------------------------------------------------- ISO 8601

TEST(ParseIsoDateTime, OrdinalDate) {
  EXPECT_EQ(ParseIsoDateTime("2005-020T12:30"), 1106224200);  // 2005-01-20 12:30:00Z
  EXPECT_EQ(ParseIsoDateTime("2022-298T20:31:23"), kNow);
}

TEST(ParseIsoDateTime, CalendarDate) {
  EXPECT_EQ(ParseIsoDateTime("2014-05-07T00:28:00Z"), 1399422480);
  // Without a zone Pacemaker uses local time; tests and crm_simulate run in UTC.
  EXPECT_EQ(ParseIsoDateTime("2014-05-07 00:28:00"), 1399422480);
  EXPECT_EQ(ParseIsoDateTime("2014-05-07 00:28:00Z"), 1399422480);
  EXPECT_EQ(ParseIsoDateTime("2022-10-25"), kNow - (20 * 3600 + 31 * 60 + 23));
}

// Pacemaker 2.1.5 ignores a numeric zone offset in a date expression (its
// crm_time_parse looks only for "Z" or a space before the offset), so with
// execution-date 2022-10-25T20:31:23Z crm_simulate holds gt
// "2022-10-25T20:31:22+02:00" and "...T20:31:22-05:00" true and the same
// times at :24 false, whatever the offset. (ParseIsoDateTime itself, used
// for --set-datetime, applies the offset.)
TEST(DateExpression, NumericZoneOffsetsIgnoredAsPacemakerDoes) {
  EXPECT_TRUE(Eval(Date("gt", "2022-10-25T20:31:22+02:00", ""), kNode3));
  EXPECT_FALSE(Eval(Date("gt", "2022-10-25T20:31:24+02:00", ""), kNode3));
  EXPECT_TRUE(Eval(Date("gt", "2022-10-25T20:31:22-05:00", ""), kNode3));
  EXPECT_FALSE(Eval(Date("gt", "2022-10-25T20:31:24-05:00", ""), kNode3));
}

TEST(ParseIsoDateTime, Garbage) {
  EXPECT_EQ(ParseIsoDateTime(""), std::nullopt);
  EXPECT_EQ(ParseIsoDateTime("yesterday"), std::nullopt);
  EXPECT_EQ(ParseIsoDateTime("20"), std::nullopt);
}

}  // namespace
}  // namespace baton::scheduler
