// `crm configure show`: a configuration rendered as crm shell commands in
// crmsh's order and layout, which read back rebuild it.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/configure.h"
#include "cli/configure/internal.h"

namespace baton::cli {
namespace configure {
namespace {

// A word as crm's shell reads it back.
std::string Quote(absl::string_view s) {
  bool plain = !s.empty() && std::none_of(s.begin(), s.end(), [](char ch) {
    return std::isspace(static_cast<unsigned char>(ch)) || ch == '"' || ch == '\'' || ch == '\\' ||
           ch == '$' || ch == '`';
  });
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\' || ch == '$' || ch == '`') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string Pair(const NvPair& p) {
  if (absl::StartsWith(p.name, "passw")) return absl::StrCat(p.name, "=\"******\"");
  return absl::StrCat(Quote(p.name), "=", Quote(p.value.value_or("")));
}

std::string Pairs(const NvSet& s, const std::string& default_id) {
  std::vector<std::string> parts;
  if (s.id != default_id) parts.push_back("$id=" + s.id);
  for (const auto& p : s.pairs) parts.push_back(Pair(p));
  return absl::StrJoin(parts, " ");
}

// One object: `head` then continuation parts, joined by " \\\n\t".
std::string Join(const std::string& head, const std::vector<std::string>& parts) {
  std::string out = head;
  for (const auto& p : parts) absl::StrAppend(&out, " \\\n\t", p);
  return out;
}

// "keyword pairs" for each set; the first set's default id is owner-kind, later
// ones owner-kind-0, -1, ... as Ids::Unique makes them.
void AddSets(const std::vector<NvSet>& sets, const std::string& keyword, const std::string& owner,
             const std::string& kind, std::vector<std::string>* parts) {
  for (size_t i = 0; i < sets.size(); ++i) {
    std::string def = absl::StrCat(owner, "-", kind);
    if (i > 0) absl::StrAppend(&def, "-", i - 1);
    parts->push_back(absl::StrCat(keyword, " ", Pairs(sets[i], def)));
  }
}

std::string ScoreText(const std::string& s) {
  if (s == "INFINITY" || s == "+INFINITY") return "inf";
  if (s == "-INFINITY") return "-inf";
  return s;
}

std::string AgentText(const Resource& r) {
  if (!r.template_id.empty()) return "@" + r.template_id;
  if (r.cls == "ocf" && r.provider == "heartbeat") return r.type;
  if (r.cls == "ocf") return absl::StrCat("ocf:", r.provider, ":", r.type);
  return absl::StrCat(r.cls, ":", r.type);
}

std::string OpText(const Operation& op) {
  static const char* kOrder[] = {"timeout", "role", "on-fail", "start-delay", "enabled", "record-pending",
                                 "requires", "interval-origin", "description"};
  std::vector<std::string> words = {"op", Quote(op.name)};
  // crmsh appends the interval="0" it adds itself after the typed attributes.
  if (op.interval != "0") words.push_back("interval=" + Quote(op.interval));
  std::set<std::string> done;
  for (const char* k : kOrder) {
    auto it = op.attrs.find(k);
    if (it != op.attrs.end()) words.push_back(absl::StrCat(k, "=", Quote(it->second)));
    done.insert(k);
  }
  for (const auto& [k, v] : op.attrs) {
    if (!done.count(k)) words.push_back(absl::StrCat(k, "=", Quote(v)));
  }
  if (op.interval == "0") words.push_back("interval=0");
  return absl::StrJoin(words, " ");
}

std::string PrimitiveText(const Resource& r) {
  std::string head = absl::StrCat(r.kind == Resource::Kind::kTemplate ? "rsc_template " : "primitive ", r.id, " ",
                                  AgentText(r));
  if (!r.description.empty()) absl::StrAppend(&head, " description=", Quote(r.description));
  std::vector<std::string> parts;
  AddSets(r.instance, "params", r.id, "instance_attributes", &parts);
  AddSets(r.meta, "meta", r.id, "meta_attributes", &parts);
  AddSets(r.utilization, "utilization", r.id, "utilization", &parts);
  for (const auto& op : r.ops) {
    parts.push_back(OpText(op));
    AddSets(op.instance, "op_params", op.id, "instance_attributes", &parts);
    AddSets(op.meta, "op_meta", op.id, "meta_attributes", &parts);
  }
  return Join(head, parts);
}

std::string ContainerText(const Resource& r, const std::string& keyword) {
  std::vector<std::string> members;
  for (const auto& c : r.children) members.push_back(c.id);
  std::string head = absl::StrCat(keyword, " ", r.id, " ", absl::StrJoin(members, " "));
  if (!r.description.empty()) absl::StrAppend(&head, " description=", Quote(r.description));
  std::vector<std::string> parts;
  AddSets(r.meta, "meta", r.id, "meta_attributes", &parts);
  AddSets(r.instance, "params", r.id, "instance_attributes", &parts);
  return Join(head, parts);
}

std::string ExpressionText(const Expression& e) {
  std::string op = cib::Get(e.attrs, "operation");
  if (e.kind == Expression::Kind::kDate) {
    if (op == "gt") return "date gt " + Quote(cib::Get(e.attrs, "start"));
    if (op == "lt") return "date lt " + Quote(cib::Get(e.attrs, "end"));
    std::vector<std::string> words = {"date", op == "date_spec" ? "spec" : "in"};
    for (const char* k : {"start", "end"}) {
      if (e.attrs.count(k)) words.push_back(absl::StrCat(k, "=", Quote(cib::Get(e.attrs, k))));
    }
    for (const auto* m : {&e.duration, &e.date_spec}) {
      for (const auto& [k, v] : *m) {
        if (k != "id") words.push_back(absl::StrCat(k, "=", Quote(v)));
      }
    }
    return absl::StrJoin(words, " ");
  }
  if (op == "defined" || op == "not_defined") return absl::StrCat(op, " ", Quote(cib::Get(e.attrs, "attribute")));
  std::string type = cib::Get(e.attrs, "type");
  return absl::StrCat(Quote(cib::Get(e.attrs, "attribute")), " ", type.empty() ? "" : type + ":", op, " ",
                      Quote(cib::Get(e.attrs, "value")));
}

std::string RuleText(const Rule& r, const std::string& default_id) {
  std::vector<std::string> words = {"rule"};
  if (r.id != default_id) words.push_back("$id=" + r.id);
  if (r.role) words.push_back("$role=" + *r.role);
  if (r.score_attribute) words.push_back(*r.score_attribute + ":");
  else if (r.score) words.push_back(ScoreText(*r.score) + ":");
  std::vector<std::string> exprs;
  for (const auto& e : r.expressions) exprs.push_back(ExpressionText(e));
  words.push_back(absl::StrJoin(exprs, absl::StrCat(" ", r.boolean_op, " ")));
  return absl::StrJoin(words, " ");
}

// The resources of a constraint's sets, as crmsh writes them.
std::string SetsText(const std::vector<ResourceSet>& sets, const std::string& suffix_attr) {
  std::vector<std::string> words;
  for (const auto& s : sets) {
    std::string suffix = cib::Get(s.attrs, suffix_attr);
    std::vector<std::string> members;
    for (const auto& r : s.resources) members.push_back(suffix.empty() ? r : r + ":" + suffix);
    std::string seq = cib::Get(s.attrs, "sequential"), all = cib::Get(s.attrs, "require-all");
    if (seq == "false" && all == "false") {
      words.push_back(absl::StrCat("[ ", absl::StrJoin(members, " "), " ]"));
    } else if (seq == "false" || !all.empty() || !seq.empty()) {
      if (!seq.empty() && seq != "false") members.push_back("sequential=" + seq);
      if (!all.empty()) members.push_back("require-all=" + all);
      words.push_back(absl::StrCat("( ", absl::StrJoin(members, " "), " )"));
    } else {
      words.push_back(absl::StrJoin(members, " "));
    }
  }
  return absl::StrJoin(words, " ");
}

std::string Suffixed(const Constraint& c, const char* rsc, const char* suffix) {
  std::string s = cib::Get(c.attrs, suffix);
  return s.empty() ? cib::Get(c.attrs, rsc) : absl::StrCat(cib::Get(c.attrs, rsc), ":", s);
}

// The resources of a colocation, order or rsc_ticket, then its `option`: the
// plain form's {resource, suffix} attributes, or its sets.
void AddMembers(const Constraint& c, const std::vector<std::pair<const char*, const char*>>& plain,
                const char* set_suffix_attr, const char* option, std::vector<std::string>* words) {
  if (c.sets.empty()) {
    for (const auto& [rsc, suffix] : plain) words->push_back(Suffixed(c, rsc, suffix));
  } else {
    words->push_back(SetsText(c.sets, set_suffix_attr));
  }
  if (c.attrs.count(option)) words->push_back(absl::StrCat(option, "=", cib::Get(c.attrs, option)));
}

std::string ConstraintText(const Constraint& c) {
  std::vector<std::string> words;
  std::vector<std::string> parts;
  switch (c.kind) {
    case Constraint::Kind::kLocation: {
      words = {"location", c.id};
      if (!c.sets.empty()) {
        std::vector<std::string> all;
        for (const auto& s : c.sets) all.insert(all.end(), s.resources.begin(), s.resources.end());
        words.push_back(absl::StrCat("{ ", absl::StrJoin(all, " "), " }"));
      } else if (c.attrs.count("rsc-pattern")) {
        words.push_back("/" + cib::Get(c.attrs, "rsc-pattern") + "/");
      } else {
        words.push_back(cib::Get(c.attrs, "rsc"));
      }
      for (const char* k : {"role", "resource-discovery"}) {
        if (c.attrs.count(k)) words.push_back(absl::StrCat(k, "=", cib::Get(c.attrs, k)));
      }
      if (c.attrs.count("node")) {
        words.push_back(ScoreText(cib::Get(c.attrs, "score")) + ":");
        words.push_back(cib::Get(c.attrs, "node"));
      }
      for (size_t i = 0; i < c.rules.size(); ++i) {
        std::string def = c.id + "-rule";
        if (i > 0) absl::StrAppend(&def, "-", i - 1);
        parts.push_back(RuleText(c.rules[i], def));
      }
      break;
    }
    case Constraint::Kind::kColocation:
      words = {"colocation", c.id, ScoreText(cib::Get(c.attrs, "score")) + ":"};
      AddMembers(c, {{"rsc", "rsc-role"}, {"with-rsc", "with-rsc-role"}}, "role", "node-attribute", &words);
      break;
    case Constraint::Kind::kOrder:
      words = {"order", c.id};
      if (c.attrs.count("kind")) words.push_back(cib::Get(c.attrs, "kind") + ":");
      else if (c.attrs.count("score")) words.push_back(ScoreText(cib::Get(c.attrs, "score")) + ":");
      AddMembers(c, {{"first", "first-action"}, {"then", "then-action"}}, "action", "symmetrical", &words);
      break;
    case Constraint::Kind::kTicket:
      words = {"rsc_ticket", c.id, cib::Get(c.attrs, "ticket") + ":"};
      AddMembers(c, {{"rsc", "rsc-role"}}, "role", "loss-policy", &words);
      break;
  }
  return Join(absl::StrJoin(words, " "), parts);
}

std::string NodeText(const Node& n) {
  std::string head = "node ";
  if (n.id != n.uname) absl::StrAppend(&head, n.id, ": ");
  absl::StrAppend(&head, n.uname);
  if (!n.type.empty()) absl::StrAppend(&head, ":", n.type);
  if (!n.description.empty()) absl::StrAppend(&head, " description=", Quote(n.description));
  std::vector<std::string> parts;
  AddSets(n.attributes, "attributes", n.uname, "instance_attributes", &parts);
  AddSets(n.utilization, "utilization", n.uname, "utilization", &parts);
  return Join(head, parts);
}

std::string NvSectionText(const std::string& keyword, const NvSet& s) {
  std::vector<std::string> parts;
  for (const auto& p : s.pairs) parts.push_back(Pair(p));
  return Join(absl::StrCat(keyword, " ", s.id, ":"), parts);
}

std::string FencingText(const std::vector<FencingLevel>& levels) {
  std::vector<std::pair<std::string, std::vector<const FencingLevel*>>> targets;
  for (const auto& l : levels) {
    std::string t;
    if (l.attrs.count("target")) t = cib::Get(l.attrs, "target") + ":";
    else if (l.attrs.count("target-pattern")) t = "pattern:" + cib::Get(l.attrs, "target-pattern");
    else t = absl::StrCat("attr:", cib::Get(l.attrs, "target-attribute"), "=", cib::Get(l.attrs, "target-value"));
    auto it = std::find_if(targets.begin(), targets.end(), [&](const auto& x) { return x.first == t; });
    if (it == targets.end()) {
      targets.emplace_back(t, std::vector<const FencingLevel*>{});
      it = targets.end() - 1;
    }
    it->second.push_back(&l);
  }
  std::vector<std::string> parts;
  for (auto& [t, ls] : targets) {
    std::stable_sort(ls.begin(), ls.end(), [](const FencingLevel* a, const FencingLevel* b) {
      return std::atoi(cib::Get(a->attrs, "index").c_str()) < std::atoi(cib::Get(b->attrs, "index").c_str());
    });
    std::vector<std::string> words = {t};
    for (const auto* l : ls) words.push_back(cib::Get(l->attrs, "devices"));
    parts.push_back(absl::StrJoin(words, " "));
  }
  return Join("fencing_topology", parts);
}

struct ShownObject {
  int rank;          // section order of crmsh.md section 2.2
  std::string key;   // sort key within the section ("" keeps CIB order)
  std::string id;    // what `show ID` matches
  std::string text;
};

void AddResources(const std::vector<Resource>& rs, std::vector<ShownObject>* out) {
  for (const auto& r : rs) {
    switch (r.kind) {
      case Resource::Kind::kTemplate: out->push_back({1, r.id, r.id, PrimitiveText(r)}); break;
      case Resource::Kind::kPrimitive: out->push_back({2, r.id, r.id, PrimitiveText(r)}); break;
      case Resource::Kind::kGroup: out->push_back({3, r.id, r.id, ContainerText(r, "group")}); break;
      case Resource::Kind::kClone:
        out->push_back(r.master_element ? ShownObject{4, r.id, r.id, ContainerText(r, "ms")}
                                        : ShownObject{5, r.id, r.id, ContainerText(r, "clone")});
        break;
      case Resource::Kind::kBundle: out->push_back({6, r.id, r.id, "xml " + r.raw_xml}); break;
    }
    AddResources(r.children, out);
  }
}

// Every object of `c`, in the order show prints them.
std::vector<ShownObject> ShownObjects(const Configuration& c) {
  std::vector<ShownObject> objs;
  for (const auto& n : c.nodes) objs.push_back({0, "", n.uname, NodeText(n)});
  AddResources(c.resources, &objs);
  for (const auto& con : c.constraints) {
    int rank = con.kind == Constraint::Kind::kColocation ? 7
               : con.kind == Constraint::Kind::kLocation ? 8
               : con.kind == Constraint::Kind::kOrder    ? 9
                                                         : 10;
    objs.push_back({rank, con.id, con.id, ConstraintText(con)});
  }
  for (const auto& t : c.tags) objs.push_back({11, t.id, t.id, absl::StrCat("tag ", t.id, ": ", absl::StrJoin(t.refs, " "))});
  if (!c.fencing_topology.empty()) objs.push_back({12, "", "fencing_topology", FencingText(c.fencing_topology)});
  for (const auto& s : c.crm_config) objs.push_back({13, "", s.id, NvSectionText("property", s)});
  for (const auto& s : c.rsc_defaults) objs.push_back({14, "", s.id, NvSectionText("rsc_defaults", s)});
  for (const auto& s : c.op_defaults) objs.push_back({15, "", s.id, NvSectionText("op_defaults", s)});
  std::stable_sort(objs.begin(), objs.end(), [](const ShownObject& a, const ShownObject& b) {
    return std::tie(a.rank, a.key) < std::tie(b.rank, b.key);
  });
  return objs;
}

}  // namespace
}  // namespace configure

absl::StatusOr<std::string> ShowConfigure(const cib::Cib& cib, const std::vector<std::string>& ids) {
  std::vector<configure::ShownObject> objs = configure::ShownObjects(cib.configuration);
  for (const auto& id : ids) {
    if (std::none_of(objs.begin(), objs.end(), [&](const configure::ShownObject& o) { return o.id == id; })) {
      return absl::NotFoundError(absl::StrCat("show: '", id, "' does not exist"));
    }
  }
  std::string out;
  for (const auto& o : objs) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), o.id) == ids.end()) continue;
    absl::StrAppend(&out, o.text, "\n");
  }
  return out;
}

}  // namespace baton::cli
