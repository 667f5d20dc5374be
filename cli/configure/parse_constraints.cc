// Parsing the constraint commands: location (a score and a node, or rules),
// colocation, order and rsc_ticket, over single resources or resource sets.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/configure/internal.h"

namespace baton::cli::configure {
namespace {

struct Score {
  std::optional<std::string> value;      // "INFINITY", "-100", ...
  std::optional<std::string> attribute;  // a node attribute holding the score
};

// `word` without its colon. Scores per crmsh.md section 1.
absl::StatusOr<Score> ParseScore(absl::string_view word, bool allow_attribute) {
  std::string l = Lower(word);
  if (l == "inf" || l == "+inf" || l == "infinity" || l == "+infinity" || l == "mandatory") {
    return Score{"INFINITY", std::nullopt};
  }
  if (l == "-inf" || l == "-infinity") return Score{"-INFINITY", std::nullopt};
  if (l == "advisory") return Score{"0", std::nullopt};
  absl::string_view digits = word;
  bool minus = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    minus = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (!digits.empty() && digits.size() <= 10 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return Score{absl::StrCat(minus ? "-" : "", digits), std::nullopt};
  }
  if (allow_attribute && IsValidId(word)) return Score{std::nullopt, std::string(word)};
  return Bad(absl::StrCat(word, ":"), "not a score (an integer, inf, -inf, mandatory or advisory)");
}

absl::Status NeedResource(const Configuration& c, const std::string& cmd, const std::string& id,
                          const std::string& name) {
  if (FindResource(c, name) != nullptr) return absl::OkStatus();
  for (const auto& t : c.tags) {
    if (t.id == name) return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat(cmd, " '", id, "' names resource '", name, "', which does not exist"));
}

// ---- rules ----------------------------------------------------------------------

bool IsRuleEnd(const Words& w) { return w.Done() || w.PeekIs("rule") || w.PeekIs("and") || w.PeekIs("or"); }

absl::StatusOr<Expression> ParseDateExpression(Words& w, Ids& ids, const std::string& id_base) {
  auto op = w.Need("gt, lt, in or spec");
  if (!op.ok()) return op.status();
  Expression e;
  e.kind = Expression::Kind::kDate;
  std::string o = Lower(*op);
  e.id = ids.Unique(id_base);
  if (o == "gt" || o == "lt") {
    auto date = w.Need("a date");
    if (!date.ok()) return date.status();
    e.attrs["operation"] = o;
    e.attrs[o == "gt" ? "start" : "end"] = *date;
    return e;
  }
  static const std::set<std::string> kDuration = {"years", "months", "weeks", "days", "hours", "minutes", "seconds"};
  static const std::set<std::string> kSpec = {"hours",  "monthdays", "weekdays", "yeardays", "months",
                                              "weeks", "years",     "weekyears", "moon"};
  if (o == "in" || o == "in_range") {
    e.attrs["operation"] = "in_range";
    while (!IsRuleEnd(w)) {
      std::string word = w.Next();
      auto nv = NameValue(word);
      if (!nv) return Bad(word, "expected start=, end= or a duration (years=, months=, ..., seconds=)");
      if (nv->first == "start" || nv->first == "end") {
        e.attrs[nv->first] = nv->second;
      } else if (kDuration.count(nv->first)) {
        e.duration[nv->first] = nv->second;
      } else {
        return Bad(word, "expected start=, end= or a duration (years=, months=, ..., seconds=)");
      }
    }
    if (!e.duration.empty()) {
      if (e.attrs.count("end")) return Bad(*op, "date in takes end= or a duration, not both");
      e.duration["id"] = ids.Unique(e.id + "-duration");
    }
    if (!e.attrs.count("start") && !e.attrs.count("end")) return Bad(*op, "date in needs start= or end=");
    return e;
  }
  if (o == "spec" || o == "date_spec") {
    e.attrs["operation"] = "date_spec";
    while (!IsRuleEnd(w)) {
      std::string word = w.Next();
      auto nv = NameValue(word);
      if (!nv || !kSpec.count(nv->first)) return Bad(word, "expected a date spec (hours=, weekdays=, ...)");
      e.date_spec[nv->first] = nv->second;
    }
    if (e.date_spec.empty()) return Bad(*op, "date spec needs at least one NAME=VALUE");
    e.date_spec["id"] = ids.Unique(e.id + "-date_spec");
    return e;
  }
  return Bad(*op, "expected gt, lt, in or spec after 'date'");
}

absl::StatusOr<Expression> ParseSimple(Words& w, Ids& ids, const std::string& rule_id) {
  auto first = w.Need("an expression");
  if (!first.ok()) return first.status();
  std::string id_base = rule_id + "-expression";
  if (IsKeyword(*first, "date")) return ParseDateExpression(w, ids, id_base);
  Expression e;
  if (IsKeyword(*first, "defined") || IsKeyword(*first, "not_defined")) {
    auto attr = w.Need("a node attribute");
    if (!attr.ok()) return attr.status();
    e.attrs = {{"operation", Lower(*first)}, {"attribute", *attr}};
  } else {
    auto op = w.Need("an operator (lt, gt, lte, gte, eq, ne)");
    if (!op.ok()) return op.status();
    std::vector<std::string> parts = absl::StrSplit(*op, absl::MaxSplits(':', 1));
    std::string oper = Lower(parts.back());
    static const std::set<std::string> kOps = {"lt", "gt", "lte", "gte", "eq", "ne"};
    if (!kOps.count(oper)) return Bad(*op, "expected an operator (lt, gt, lte, gte, eq, ne)");
    e.attrs = {{"attribute", *first}, {"operation", oper}};
    if (parts.size() == 2) {
      std::string type = Lower(parts[0]);
      if (type != "string" && type != "version" && type != "number") {
        return Bad(*op, "unknown type (string, version or number)");
      }
      e.attrs["type"] = type;
    }
    auto value = w.Need("a value");
    if (!value.ok()) return value.status();
    e.attrs["value"] = *value;
  }
  e.id = ids.Unique(id_base);
  return e;
}

// `rule [$id=ID] [$role=ROLE] [SCORE:] expr`, after "rule".
absl::StatusOr<Rule> ParseRule(Words& w, Ids& ids, const std::string& owner) {
  Rule r;
  while (!w.Done() && absl::StartsWith(w.Peek(), "$")) {
    std::string word = w.Next();
    if (absl::StartsWith(word, "$id=")) {
      if (auto st = ids.Take(word.substr(4)); !st.ok()) return st;
      r.id = word.substr(4);
    } else if (absl::StartsWith(word, "$role=")) {
      auto role = Role(word.substr(6));
      if (!role) return Bad(word, "unknown role (Started, Stopped, Promoted, Unpromoted)");
      r.role = *role;
    } else {
      return Bad(word, "expected $id= or $role=");
    }
  }
  if (r.id.empty()) r.id = ids.Unique(owner + "-rule");
  if (!w.Done() && EndsWithColon(w.Peek()) && !IsKeyword(w.Peek(), "date:")) {
    std::string word = w.Next();
    auto score = ParseScore(absl::string_view(word).substr(0, word.size() - 1), true);
    if (!score.ok()) return score.status();
    r.score = score->value;
    r.score_attribute = score->attribute;
  } else {
    r.score = "INFINITY";
  }
  std::optional<std::string> op;
  while (true) {
    auto e = ParseSimple(w, ids, r.id);
    if (!e.ok()) return e.status();
    r.expressions.push_back(std::move(*e));
    if (!w.PeekIs("and") && !w.PeekIs("or")) break;
    std::string b = Lower(w.Next());
    if (op && *op != b) return Bad(b, "a rule takes one operator (all 'and' or all 'or')");
    op = b;
  }
  if (op) r.boolean_op = *op;
  return r;
}

// ---- constraints --------------------------------------------------------------

// A resource list of colocation/order/ticket: plain words, ( ... ), [ ... ].
struct SetSpec {
  std::vector<std::pair<std::string, std::string>> members;  // rsc, suffix
  char bracket = 0;                                          // 0, '(' or '['
  std::map<std::string, std::string> attrs;                  // sequential=, require-all= inside brackets
};

absl::StatusOr<std::vector<SetSpec>> ParseSets(Words& w, std::map<std::string, std::string>* options) {
  std::vector<SetSpec> specs;
  std::optional<SetSpec> open;
  auto member = [](const std::string& word) {
    size_t colon = word.find(':');
    if (colon == std::string::npos) return std::make_pair(word, std::string());
    return std::make_pair(word.substr(0, colon), word.substr(colon + 1));
  };
  while (!w.Done()) {
    std::string word = w.Next();
    if (word == "(" || word == "[") {
      if (open) return Bad(word, "resource sets cannot nest");
      open = SetSpec{{}, word[0], {}};
    } else if (word == ")" || word == "]") {
      if (!open || (word == ")") != (open->bracket == '(')) return Bad(word, "unbalanced bracket");
      if (open->members.empty()) return Bad(word, "empty resource set");
      specs.push_back(std::move(*open));
      open.reset();
    } else if (auto nv = NameValue(word)) {
      if (open) {
        if (nv->first != "sequential" && nv->first != "require-all") {
          return Bad(word, "expected sequential= or require-all= inside a set");
        }
        auto b = Boolean(nv->second);
        if (!b) return Bad(word, "not a boolean");
        open->attrs[nv->first] = *b;
      } else {
        (*options)[nv->first] = nv->second;
        if (!w.Done() && !NameValue(w.Peek())) return Bad(w.Peek(), "resources must come before options");
      }
    } else if (open) {
      open->members.push_back(member(word));
    } else {
      if (specs.empty() || specs.back().bracket != 0) specs.push_back(SetSpec{});
      specs.back().members.push_back(member(word));
    }
  }
  if (open) return absl::InvalidArgumentError(absl::StrCat("unterminated resource set '", std::string(1, open->bracket), "'"));
  return specs;
}

// Makes <resource_set>s of `specs`; `suffix_attr` is "role" or "action".
absl::StatusOr<std::vector<ResourceSet>> MakeSets(const std::vector<SetSpec>& specs, const std::string& cons,
                                                  const std::string& suffix_attr, Ids& ids) {
  std::vector<ResourceSet> out;
  for (const auto& spec : specs) {
    auto fresh = [&](const std::string& suffix) {
      ResourceSet s;
      s.id = absl::StrCat(cons, "-", out.size());
      if (spec.bracket != 0) s.attrs["sequential"] = "false";
      if (spec.bracket == '[') s.attrs["require-all"] = "false";
      for (const auto& [k, v] : spec.attrs) s.attrs[k] = v;
      if (!suffix.empty()) s.attrs[suffix_attr] = suffix;
      out.push_back(std::move(s));
    };
    std::optional<std::string> current;
    for (const auto& [rsc, suffix] : spec.members) {
      if (!current || *current != suffix) {
        if (current && spec.bracket != 0) return Bad(rsc + ":" + suffix, "members of one set need the same suffix");
        fresh(suffix);
        current = suffix;
      }
      out.back().resources.push_back(rsc);
    }
  }
  for (const auto& s : out) {
    if (auto st = ids.Take(s.id); !st.ok()) return st;
  }
  return out;
}

absl::StatusOr<std::string> CheckSuffix(const std::string& rsc, const std::string& suffix, bool is_action) {
  if (suffix.empty()) return suffix;
  if (is_action) {
    std::string l = Lower(suffix);
    if (l == "start" || l == "stop" || l == "promote" || l == "demote") return l;
    return Bad(rsc + ":" + suffix, "unknown action (start, stop, promote, demote)");
  }
  auto role = Role(suffix);
  if (!role) return Bad(rsc + ":" + suffix, "unknown role (Started, Stopped, Promoted, Unpromoted)");
  return *role;
}

// Checks the resources and suffixes of `specs` and normalises the suffixes.
absl::Status CheckMembers(std::vector<SetSpec>* specs, const Configuration& c, const std::string& cmd,
                          const std::string& id, bool is_action) {
  for (auto& spec : *specs) {
    for (auto& [rsc, suffix] : spec.members) {
      if (auto st = NeedResource(c, cmd, id, rsc); !st.ok()) return st;
      auto s = CheckSuffix(rsc, suffix, is_action);
      if (!s.ok()) return s.status();
      suffix = *s;
    }
  }
  return absl::OkStatus();
}

size_t CountMembers(const std::vector<SetSpec>& specs) {
  size_t n = 0;
  for (const auto& s : specs) n += s.members.size();
  return n;
}

absl::StatusOr<Score> NeedScore(Words& w, const std::string& cmd, bool allow_attribute) {
  if (w.Done() || !EndsWithColon(w.Peek())) {
    return absl::InvalidArgumentError(absl::StrCat("'", w.Done() ? cmd : w.Peek(), "': expected SCORE: (e.g. inf:)"));
  }
  std::string word = w.Next();
  return ParseScore(absl::string_view(word).substr(0, word.size() - 1), allow_attribute);
}

// A new constraint of `kind` with the id that follows.
absl::StatusOr<Constraint> NewConstraint(Words& w, Ids& ids, Constraint::Kind kind, absl::string_view what) {
  auto id = NewObjectId(w, ids, what);
  if (!id.ok()) return id.status();
  Constraint con;
  con.kind = kind;
  con.id = *id;
  return con;
}

// What tells colocation, order and rsc_ticket apart once their head is read.
struct MemberSyntax {
  const char* cmd;
  bool is_action;  // suffixes are actions (order), not roles
  // The plain form's {resource, suffix} attributes, one pair per member; as
  // many members as pairs are needed at the least.
  std::vector<std::pair<const char*, const char*>> plain;
};

// The resources (`RSC[:SUFFIX]...` or sets) and then the NAME=VALUE options
// of a colocation, order or rsc_ticket, into `con`: the plain attributes of
// `syntax` for exactly its members, else <resource_set>s. `option` checks and
// records one option.
absl::Status ParseMembers(Words& w, const Configuration& c, Ids& ids, const MemberSyntax& syntax,
                          const std::function<absl::Status(const std::string&, const std::string&)>& option,
                          Constraint* con) {
  std::map<std::string, std::string> options;
  auto specs = ParseSets(w, &options);
  if (!specs.ok()) return specs.status();
  for (const auto& [k, v] : options) {
    if (auto st = option(k, v); !st.ok()) return st;
  }
  if (auto st = CheckMembers(&*specs, c, syntax.cmd, con->id, syntax.is_action); !st.ok()) return st;
  if (CountMembers(*specs) < syntax.plain.size()) {
    return absl::InvalidArgumentError(absl::StrCat(syntax.cmd, " '", con->id, "' needs ",
                                                   syntax.plain.size() == 1 ? "a resource" : "two resources"));
  }
  if (specs->size() == 1 && specs->front().bracket == 0 && specs->front().members.size() == syntax.plain.size()) {
    const auto& m = specs->front().members;
    for (size_t i = 0; i < m.size(); ++i) {
      con->attrs[syntax.plain[i].first] = m[i].first;
      if (!m[i].second.empty()) con->attrs[syntax.plain[i].second] = m[i].second;
    }
    return absl::OkStatus();
  }
  auto sets = MakeSets(*specs, con->id, syntax.is_action ? "action" : "role", ids);
  if (!sets.ok()) return sets.status();
  con->sets = std::move(*sets);
  return absl::OkStatus();
}

}  // namespace

absl::Status CmdLocation(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  auto made = NewConstraint(w, ids, Constraint::Kind::kLocation, "location");
  if (!made.ok()) return made.status();
  Constraint& con = *made;
  auto rsc = w.Need("a resource, { set } or /pattern/");
  if (!rsc.ok()) return rsc.status();
  if (*rsc == "{") {
    ResourceSet s;
    while (!w.Done() && w.Peek() != "}") {
      if (EndsWithColon(w.Peek())) return Bad(w.Peek(), "expected } to end the resource set first");
      std::string m = w.Next();
      if (auto st = NeedResource(c, "location", con.id, m); !st.ok()) return st;
      s.resources.push_back(m);
    }
    if (w.Done()) return Bad("{", "unterminated resource set (expected })");
    w.Next();
    if (s.resources.empty()) return Bad("{", "empty resource set");
    s.id = con.id + "-0";
    if (auto st = ids.Take(s.id); !st.ok()) return st;
    con.sets.push_back(std::move(s));
  } else if (rsc->size() >= 2 && rsc->front() == '/' && rsc->back() == '/') {
    con.attrs["rsc-pattern"] = rsc->substr(1, rsc->size() - 2);
  } else {
    if (auto st = NeedResource(c, "location", con.id, *rsc); !st.ok()) return st;
    con.attrs["rsc"] = *rsc;
  }
  while (w.PeekHasEq()) {
    std::string word = w.Next();
    auto nv = NameValue(word);
    if (nv->first == "role") {
      auto role = Role(nv->second);
      if (!role) return Bad(word, "unknown role (Started, Stopped, Promoted, Unpromoted)");
      con.attrs["role"] = *role;
    } else if (nv->first == "resource-discovery") {
      if (nv->second != "always" && nv->second != "never" && nv->second != "exclusive") {
        return Bad(word, "expected always, never or exclusive");
      }
      con.attrs["resource-discovery"] = nv->second;
    } else {
      return Bad(word, "expected role= or resource-discovery=");
    }
  }
  if (w.PeekIs("rule")) {
    while (w.PeekIs("rule")) {
      w.Next();
      auto r = ParseRule(w, ids, con.id);
      if (!r.ok()) return r.status();
      con.rules.push_back(std::move(*r));
    }
    if (!w.Done()) return Bad(w.Peek(), "expected another rule");
  } else {
    auto score = NeedScore(w, "location", false);
    if (!score.ok()) return score.status();
    auto node = w.Need("a node");
    if (!node.ok()) return node.status();
    if (FindNode(c, *node) == nullptr) {
      return absl::NotFoundError(absl::StrCat("location '", con.id, "' names node '", *node,
                                              "', which is not a node of the CIB"));
    }
    if (!w.Done()) return Bad(w.Peek(), "unexpected word after the node");
    con.attrs["score"] = *score->value;
    con.attrs["node"] = *node;
  }
  c.constraints.push_back(std::move(con));
  return absl::OkStatus();
}

absl::Status CmdColocation(Words& w, Cib* cib, Ids& ids) {
  auto con = NewConstraint(w, ids, Constraint::Kind::kColocation, "colocation");
  if (!con.ok()) return con.status();
  auto score = NeedScore(w, "colocation", false);
  if (!score.ok()) return score.status();
  con->attrs["score"] = *score->value;
  auto option = [&](const std::string& k, const std::string& v) {
    if (k != "node-attribute") return Bad(absl::StrCat(k, "=", v), "expected node-attribute=");
    con->attrs[k] = v;
    return absl::OkStatus();
  };
  MemberSyntax syntax{"colocation", false, {{"rsc", "rsc-role"}, {"with-rsc", "with-rsc-role"}}};
  if (auto st = ParseMembers(w, cib->configuration, ids, syntax, option, &*con); !st.ok()) return st;
  cib->configuration.constraints.push_back(*std::move(con));
  return absl::OkStatus();
}

absl::Status CmdOrder(Words& w, Cib* cib, Ids& ids) {
  auto con = NewConstraint(w, ids, Constraint::Kind::kOrder, "order");
  if (!con.ok()) return con.status();
  if (!w.Done() && EndsWithColon(w.Peek())) {
    std::string word = w.Next();
    std::string k = Lower(absl::string_view(word).substr(0, word.size() - 1));
    if (k == "mandatory" || k == "optional" || k == "serialize") {
      k[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(k[0])));
      con->attrs["kind"] = k;
    } else if (k == "advisory") {
      return Bad(word, "not an order kind (Mandatory, Optional, Serialize) or score");
    } else {
      auto score = ParseScore(absl::string_view(word).substr(0, word.size() - 1), false);
      if (!score.ok()) return Bad(word, "not an order kind (Mandatory, Optional, Serialize) or score");
      con->attrs["kind"] = *score->value == "0" ? "Optional" : "Mandatory";
    }
  }
  auto option = [&](const std::string& k, const std::string& v) {
    if (k != "symmetrical") return Bad(absl::StrCat(k, "=", v), "expected symmetrical=");
    auto b = Boolean(v);
    if (!b) return Bad(absl::StrCat(k, "=", v), "not a boolean");
    con->attrs[k] = *b;
    return absl::OkStatus();
  };
  MemberSyntax syntax{"order", true, {{"first", "first-action"}, {"then", "then-action"}}};
  if (auto st = ParseMembers(w, cib->configuration, ids, syntax, option, &*con); !st.ok()) return st;
  cib->configuration.constraints.push_back(*std::move(con));
  return absl::OkStatus();
}

// `rsc_ticket ID TICKET: RSC[:ROLE] {RSC[:ROLE]} [loss-policy=POLICY]`
absl::Status CmdTicket(Words& w, Cib* cib, Ids& ids) {
  auto con = NewConstraint(w, ids, Constraint::Kind::kTicket, "rsc_ticket");
  if (!con.ok()) return con.status();
  if (w.Done() || !EndsWithColon(w.Peek())) return Bad(w.Done() ? con->id : w.Peek(), "expected TICKET:");
  std::string ticket = w.Next();
  con->attrs["ticket"] = ticket.substr(0, ticket.size() - 1);
  auto option = [&](const std::string& k, const std::string& v) {
    static const std::set<std::string> kPolicies = {"stop", "demote", "fence", "freeze"};
    if (k != "loss-policy" || !kPolicies.count(v)) {
      return Bad(absl::StrCat(k, "=", v), "expected loss-policy=stop|demote|fence|freeze");
    }
    con->attrs[k] = v;
    return absl::OkStatus();
  };
  MemberSyntax syntax{"rsc_ticket", false, {{"rsc", "rsc-role"}}};
  if (auto st = ParseMembers(w, cib->configuration, ids, syntax, option, &*con); !st.ok()) return st;
  cib->configuration.constraints.push_back(*std::move(con));
  return absl::OkStatus();
}

}  // namespace baton::cli::configure
