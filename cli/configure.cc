// crm configure commands applied to a cib::Cib (see configure.h).
#include "cli/configure.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "crmd/cib/cib_xml.h"

namespace baton::cli {
namespace {

using cib::Cib;
using cib::Configuration;
using cib::Constraint;
using cib::Expression;
using cib::FencingLevel;
using cib::Node;
using cib::NvPair;
using cib::NvSet;
using cib::Operation;
using cib::Resource;
using cib::ResourceSet;
using cib::Rule;

// ---- small helpers ----------------------------------------------------------

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

bool IsKeyword(const std::string& word, absl::string_view kw) { return Lower(word) == kw; }

absl::Status Bad(absl::string_view word, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("'", word, "': ", what));
}

// A valid XML ID: a letter or '_' first, then letters, digits, '_', '-', '.'.
bool IsValidId(absl::string_view id) {
  if (id.empty() || !(std::isalpha(static_cast<unsigned char>(id[0])) || id[0] == '_')) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
}

absl::Status CheckId(absl::string_view id) {
  if (IsValidId(id)) return absl::OkStatus();
  return Bad(id, "not a valid id (a letter or '_' first, then letters, digits, '_', '-', '.')");
}

// "name=value" -> {name, value}; nullopt without '=' or with an empty name.
std::optional<std::pair<std::string, std::string>> NameValue(absl::string_view word) {
  size_t eq = word.find('=');
  if (eq == absl::string_view::npos || eq == 0) return std::nullopt;
  return std::make_pair(std::string(word.substr(0, eq)), std::string(word.substr(eq + 1)));
}

bool EndsWithColon(absl::string_view w) { return w.size() > 1 && w.back() == ':' && w.find('=') == w.npos; }

std::optional<std::string> Boolean(absl::string_view v) {
  std::string l = Lower(v);
  if (l == "true" || l == "yes" || l == "on" || l == "1") return "true";
  if (l == "false" || l == "no" || l == "off" || l == "0") return "false";
  return std::nullopt;
}

// The role as Pacemaker spells it; legacy Master/Slave are kept as typed.
std::optional<std::string> Role(absl::string_view v) {
  for (const char* r : {"Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"}) {
    if (Lower(v) == Lower(r)) return std::string(r);
  }
  return std::nullopt;
}

// A duration: a number with an optional unit (s, ms, us, m, min, h), or ISO 8601 (P...).
bool IsDuration(absl::string_view v) {
  if (v.size() > 1 && v[0] == 'P') return true;
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  if (digits == 0) return false;
  std::string unit = Lower(v.substr(digits));
  for (const char* u : {"", "s", "ms", "us", "m", "min", "h", "sec", "hr"}) {
    if (unit == u) return true;
  }
  return false;
}

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

// Agents that ship with Pacemaker (ocf:pacemaker) and not with resource-agents
// (ocf:heartbeat): a bare type names them as crmsh would find from meta-data.
bool IsPacemakerAgent(absl::string_view type) {
  for (const char* t : {"Stateful", "ping", "pingd", "ClusterMon", "controld", "HealthCPU", "HealthIOWait",
                        "HealthSMART", "SysInfo", "SystemHealth", "attribute", "ifspeed", "o2cb", "remote"}) {
    if (type == t) return true;
  }
  return false;
}

// ---- walking the configuration ---------------------------------------------

void ForEachRule(const Rule& r, const std::function<void(const Rule&)>& fn) {
  fn(r);
  for (const auto& s : r.rules) ForEachRule(s, fn);
}

void AddSetIds(const std::vector<NvSet>& sets, std::vector<std::string>* out) {
  for (const auto& s : sets) {
    out->push_back(s.id);
    for (const auto& p : s.pairs) out->push_back(p.id);
    for (const auto& r : s.rules) {
      ForEachRule(r, [&](const Rule& x) {
        out->push_back(x.id);
        for (const auto& e : x.expressions) out->push_back(e.id);
      });
    }
  }
}

void AddResourceIds(const std::vector<Resource>& rs, std::vector<std::string>* out) {
  for (const auto& r : rs) {
    out->push_back(r.id);
    AddSetIds(r.meta, out);
    AddSetIds(r.instance, out);
    AddSetIds(r.utilization, out);
    for (const auto& op : r.ops) {
      out->push_back(op.id);
      AddSetIds(op.meta, out);
      AddSetIds(op.instance, out);
    }
    AddResourceIds(r.children, out);
  }
}

// Every XML ID of the configuration (node ids are not XML IDs), with repeats.
std::vector<std::string> AllIds(const Configuration& c) {
  std::vector<std::string> out;
  AddSetIds(c.crm_config, &out);
  AddSetIds(c.rsc_defaults, &out);
  AddSetIds(c.op_defaults, &out);
  for (const auto& n : c.nodes) {
    AddSetIds(n.attributes, &out);
    AddSetIds(n.utilization, &out);
  }
  AddResourceIds(c.resources, &out);
  for (const auto& con : c.constraints) {
    out.push_back(con.id);
    for (const auto& s : con.sets) out.push_back(s.id);
    for (const auto& r : con.rules) {
      ForEachRule(r, [&](const Rule& x) {
        out.push_back(x.id);
        for (const auto& e : x.expressions) out.push_back(e.id);
      });
    }
  }
  for (const auto& l : c.fencing_topology) out.push_back(l.id);
  for (const auto& t : c.tags) out.push_back(t.id);
  return out;
}

// The ids in use, and fresh ones the way crmsh makes them: the base id, else
// base-0, base-1, ...
class Ids {
 public:
  explicit Ids(const Configuration& c) {
    for (auto& id : AllIds(c)) used_.insert(std::move(id));
  }
  bool Used(const std::string& id) const { return used_.count(id) > 0; }
  // Takes an id given by the user.
  absl::Status Take(const std::string& id) {
    if (auto st = CheckId(id); !st.ok()) return st;
    if (!used_.insert(id).second) return absl::AlreadyExistsError(absl::StrCat("id '", id, "' is already in use"));
    return absl::OkStatus();
  }
  std::string Unique(const std::string& base) {
    std::string id = base;
    for (int i = 0; used_.count(id); ++i) id = absl::StrCat(base, "-", i);
    used_.insert(id);
    return id;
  }

 private:
  std::set<std::string> used_;
};

Resource* FindResourceIn(std::vector<Resource>& rs, const std::string& id, Resource** parent, Resource* up) {
  for (auto& r : rs) {
    if (r.id == id) {
      if (parent) *parent = up;
      return &r;
    }
    if (Resource* f = FindResourceIn(r.children, id, parent, &r)) return f;
  }
  return nullptr;
}

Resource* FindResource(Configuration& c, const std::string& id, Resource** parent = nullptr) {
  return FindResourceIn(c.resources, id, parent, nullptr);
}

const Resource* FindResource(const Configuration& c, const std::string& id) {
  return FindResource(const_cast<Configuration&>(c), id);
}

const Node* FindNode(const Configuration& c, const std::string& uname) {
  for (const auto& n : c.nodes) {
    if (n.uname == uname) return &n;
  }
  return nullptr;
}

absl::Status NeedResource(const Configuration& c, const std::string& cmd, const std::string& id,
                          const std::string& name) {
  if (FindResource(c, name) != nullptr) return absl::OkStatus();
  for (const auto& t : c.tags) {
    if (t.id == name) return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat(cmd, " '", id, "' names resource '", name, "', which does not exist"));
}

// ---- word cursor ----------------------------------------------------------------

class Words {
 public:
  Words(const std::vector<std::string>& w, size_t start) : w_(w), i_(start) {}
  bool Done() const { return i_ >= w_.size(); }
  const std::string& Peek() const { return w_[i_]; }
  bool PeekIs(absl::string_view kw) const { return !Done() && IsKeyword(Peek(), kw); }
  bool PeekHasEq() const { return !Done() && NameValue(Peek()).has_value(); }
  std::string Next() { return w_[i_++]; }
  // The next word, or an error saying what was expected after `after`.
  absl::StatusOr<std::string> Need(absl::string_view what) {
    if (Done()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", i_ == 0 ? "" : w_[i_ - 1], "': expected ", what, " after it"));
    }
    return Next();
  }

 private:
  const std::vector<std::string>& w_;
  size_t i_;
};

// ---- attribute lists --------------------------------------------------------

// Parses `[$id=ID] NAME=VALUE {NAME=VALUE}` into `set` (whose id is `default_id`
// unless $id is given), adding to its pairs. At least one pair is needed.
absl::Status ParseAttrList(Words& w, const std::string& keyword, const std::string& default_id, Ids& ids,
                           NvSet* set) {
  bool fresh = set->id.empty();
  if (!w.Done() && absl::StartsWith(w.Peek(), "$id-ref=")) {
    return absl::UnimplementedError(absl::StrCat("'", w.Peek(), "': $id-ref is not supported"));
  }
  if (!w.Done() && absl::StartsWith(w.Peek(), "$id=")) {
    if (!fresh) return Bad(w.Peek(), "$id= must come first in the attribute list");
    std::string id = w.Next().substr(4);
    if (auto st = ids.Take(id); !st.ok()) return st;
    set->id = id;
  } else if (fresh) {
    set->id = ids.Unique(default_id);
  }
  size_t before = set->pairs.size();
  while (w.PeekHasEq()) {
    std::string word = w.Next();
    auto nv = NameValue(word);
    if (nv->first[0] == '$') return Bad(word, "unknown attribute list option");
    for (const auto& p : set->pairs) {
      if (p.name == nv->first) return Bad(word, absl::StrCat("'", nv->first, "' given twice"));
    }
    set->pairs.push_back(NvPair{ids.Unique(absl::StrCat(set->id, "-", nv->first)), nv->first, nv->second});
  }
  if (set->pairs.size() == before) {
    if (w.Done()) return absl::InvalidArgumentError(absl::StrCat("'", keyword, "': expected NAME=VALUE after it"));
    return Bad(w.Peek(), absl::StrCat("expected NAME=VALUE after '", keyword, "'"));
  }
  return absl::OkStatus();
}

// A new set of `kind` ("instance_attributes", "meta_attributes", "utilization")
// for the object `owner`, appended to `sets`.
absl::Status ParseNewSet(Words& w, const std::string& keyword, const std::string& owner, const char* kind,
                         Ids& ids, std::vector<NvSet>* sets) {
  NvSet set;
  if (auto st = ParseAttrList(w, keyword, absl::StrCat(owner, "-", kind), ids, &set); !st.ok()) return st;
  sets->push_back(std::move(set));
  return absl::OkStatus();
}

// meta master-max / master-node-max are promoted-max / promoted-node-max.
void RenameLegacyMeta(std::vector<NvSet>* meta) {
  for (auto& s : *meta) {
    for (auto& p : s.pairs) {
      for (const auto& [legacy, now] : {std::pair<std::string, std::string>{"master-max", "promoted-max"},
                                        {"master-node-max", "promoted-node-max"}}) {
        if (p.name != legacy) continue;
        p.name = now;
        if (p.id == absl::StrCat(s.id, "-", legacy)) p.id = absl::StrCat(s.id, "-", now);
      }
    }
  }
}

// ---- primitive ----------------------------------------------------------------

absl::Status ParseAgent(const std::string& spec, const Configuration& c, Resource* r) {
  if (spec.empty()) return Bad(spec, "expected an agent (CLASS:[PROVIDER:]TYPE)");
  if (spec[0] == '@') {
    if (r->kind == Resource::Kind::kTemplate) return Bad(spec, "a template cannot be based on a template");
    std::string tpl = spec.substr(1);
    const Resource* t = FindResource(c, tpl);
    if (t == nullptr || t->kind != Resource::Kind::kTemplate) {
      return absl::NotFoundError(absl::StrCat("'", spec, "': no rsc_template '", tpl, "'"));
    }
    r->template_id = tpl;
    return absl::OkStatus();
  }
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  for (const auto& p : parts) {
    if (p.empty()) return Bad(spec, "malformed agent (expected CLASS:[PROVIDER:]TYPE)");
  }
  static const std::set<std::string> kClasses = {"ocf", "lsb", "stonith", "systemd", "service", "upstart", "nagios"};
  if (parts.size() == 1) {
    r->cls = "ocf";
    r->provider = IsPacemakerAgent(spec) ? "pacemaker" : "heartbeat";
    r->type = spec;
  } else if (parts.size() <= 3) {
    if (!kClasses.count(parts[0])) return Bad(spec, absl::StrCat("unknown resource class '", parts[0], "'"));
    if (parts.size() == 2 && parts[0] == "ocf") return Bad(spec, "an ocf agent needs a provider (ocf:PROVIDER:TYPE)");
    if (parts.size() == 3 && parts[0] != "ocf") return Bad(spec, "only ocf agents have a provider");
    r->cls = parts[0];
    r->provider = parts.size() == 3 ? parts[1] : "";
    r->type = parts.back();
  } else {
    return Bad(spec, "malformed agent (expected CLASS:[PROVIDER:]TYPE)");
  }
  return absl::OkStatus();
}

bool IsOpSchemaAttr(const std::string& name) {
  static const std::set<std::string> kAttrs = {"interval", "timeout",     "role",           "on-fail",
                                               "start-delay", "enabled", "record-pending", "requires",
                                               "interval-origin", "description"};
  return kAttrs.count(name) > 0;
}

absl::Status CheckOpAttr(const std::string& word, const std::string& name, std::string* value) {
  if ((name == "interval" || name == "timeout" || name == "start-delay") && !IsDuration(*value)) {
    return Bad(word, "not a duration (e.g. 10s, 500ms, 2m)");
  }
  if (name == "role") {
    auto role = Role(*value);
    if (!role) return Bad(word, "unknown role (Started, Stopped, Promoted, Unpromoted)");
    *value = *role;
  }
  return absl::OkStatus();
}

// `op NAME {ATTR=VAL} [op_params attr_list] [op_meta attr_list]` after "op".
absl::Status ParseOp(Words& w, Resource* r, Ids& ids) {
  auto name = w.Need("an operation name");
  if (!name.ok()) return name.status();
  if (NameValue(*name)) return Bad(*name, "expected an operation name (start, stop, monitor, ...)");
  Operation op;
  op.name = *name;
  std::vector<std::pair<std::string, std::string>> extra;  // op instance attributes
  std::string first_extra;
  while (w.PeekHasEq()) {
    std::string word = w.Next();
    auto nv = NameValue(word);
    if (IsOpSchemaAttr(nv->first)) {
      if (!first_extra.empty()) {
        return Bad(word, absl::StrCat("op attributes must come before instance attributes such as '", first_extra,
                                      "'"));
      }
      if (auto st = CheckOpAttr(word, nv->first, &nv->second); !st.ok()) return st;
      bool dup = nv->first == "interval" ? !op.interval.empty() : op.attrs.count(nv->first) > 0;
      if (dup) return Bad(word, absl::StrCat("'", nv->first, "' given twice"));
      if (nv->first == "interval") op.interval = nv->second;
      else op.attrs[nv->first] = nv->second;
    } else {
      if (first_extra.empty()) first_extra = word;
      for (const auto& e : extra) {
        if (e.first == nv->first) return Bad(word, absl::StrCat("'", nv->first, "' given twice"));
      }
      extra.push_back(*nv);
    }
  }
  if (op.interval.empty()) op.interval = "0";
  op.id = ids.Unique(absl::StrCat(r->id, "-", op.name, "-", op.interval));
  if (!extra.empty()) {
    NvSet set;
    set.id = ids.Unique(op.id + "-instance_attributes");
    for (auto& [n, v] : extra) set.pairs.push_back(NvPair{ids.Unique(absl::StrCat(set.id, "-", n)), n, v});
    op.instance.push_back(std::move(set));
  }
  while (w.PeekIs("op_params") || w.PeekIs("op_meta")) {
    std::string kw = w.Next();
    bool meta = IsKeyword(kw, "op_meta");
    auto& sets = meta ? op.meta : op.instance;
    const char* kind = meta ? "meta_attributes" : "instance_attributes";
    if (!sets.empty() && !absl::StartsWith(w.Done() ? "" : w.Peek(), "$id=")) {
      if (auto st = ParseAttrList(w, kw, "", ids, &sets.back()); !st.ok()) return st;
    } else if (auto st = ParseNewSet(w, kw, op.id, kind, ids, &sets); !st.ok()) {
      return st;
    }
  }
  r->ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::StatusOr<std::string> NewObjectId(Words& w, Ids& ids, absl::string_view what) {
  auto id = w.Need(absl::StrCat("an id for the ", what));
  if (!id.ok()) return id.status();
  if (auto st = CheckId(*id); !st.ok()) return st;
  if (ids.Used(*id)) {
    return absl::AlreadyExistsError(absl::StrCat("'", *id, "': an object with this id already exists"));
  }
  return ids.Unique(*id);
}

// Parses `[description=T]` after the agent or members.
void ParseDescription(Words& w, Resource* r) {
  if (!w.Done() && absl::StartsWith(w.Peek(), "description=")) r->description = w.Next().substr(12);
}

absl::Status CmdPrimitive(Words& w, Cib* cib, Ids& ids, bool is_template) {
  Configuration& c = cib->configuration;
  Resource r;
  r.kind = is_template ? Resource::Kind::kTemplate : Resource::Kind::kPrimitive;
  auto id = NewObjectId(w, ids, is_template ? "rsc_template" : "primitive");
  if (!id.ok()) return id.status();
  r.id = *id;
  auto spec = w.Need("an agent (CLASS:[PROVIDER:]TYPE)");
  if (!spec.ok()) return spec.status();
  if (auto st = ParseAgent(*spec, c, &r); !st.ok()) return st;
  ParseDescription(w, &r);
  bool implicit_params = true;
  while (!w.Done()) {
    if (w.PeekHasEq() && implicit_params) {
      if (auto st = ParseNewSet(w, "params", r.id, "instance_attributes", ids, &r.instance); !st.ok()) return st;
    } else if (w.PeekIs("params")) {
      std::string kw = w.Next();
      if (auto st = ParseNewSet(w, kw, r.id, "instance_attributes", ids, &r.instance); !st.ok()) return st;
    } else if (w.PeekIs("meta")) {
      std::string kw = w.Next();
      if (auto st = ParseNewSet(w, kw, r.id, "meta_attributes", ids, &r.meta); !st.ok()) return st;
    } else if (w.PeekIs("utilization")) {
      std::string kw = w.Next();
      if (auto st = ParseNewSet(w, kw, r.id, "utilization", ids, &r.utilization); !st.ok()) return st;
    } else if (w.PeekIs("operations")) {
      std::string kw = w.Next();
      if (w.Done() || !absl::StartsWith(w.Peek(), "$id=")) return Bad(kw, "expected $id=ID after it");
      w.Next();  // <operations> has no id in baton's model; crmsh's $id is accepted and dropped
    } else if (w.PeekIs("op")) {
      w.Next();
      if (auto st = ParseOp(w, &r, ids); !st.ok()) return st;
    } else {
      return Bad(w.Peek(), "expected params, meta, utilization or op");
    }
    implicit_params = false;
  }
  c.resources.push_back(std::move(r));
  return absl::OkStatus();
}

// `monitor RSC[:ROLE] INTERVAL[:TIMEOUT]`
absl::Status CmdMonitor(Words& w, Cib* cib, Ids& ids) {
  auto spec = w.Need("RSC[:ROLE]");
  if (!spec.ok()) return spec.status();
  auto times = w.Need("INTERVAL[:TIMEOUT]");
  if (!times.ok()) return times.status();
  if (!w.Done()) return Bad(w.Peek(), "unexpected word after monitor RSC INTERVAL[:TIMEOUT]");
  std::vector<std::string> rr = absl::StrSplit(*spec, absl::MaxSplits(':', 1));
  std::vector<std::string> tt = absl::StrSplit(*times, absl::MaxSplits(':', 1));
  Resource* r = FindResource(cib->configuration, rr[0]);
  if (r == nullptr) return absl::NotFoundError(absl::StrCat("monitor names resource '", rr[0], "', which does not exist"));
  if (r->kind != Resource::Kind::kPrimitive) return Bad(rr[0], "monitor needs a primitive");
  Operation op;
  op.name = "monitor";
  op.interval = tt[0];
  if (!IsDuration(tt[0])) return Bad(*times, "not a duration (e.g. 10s, 500ms, 2m)");
  if (tt.size() == 2) {
    if (!IsDuration(tt[1])) return Bad(*times, "not a duration (e.g. 10s, 500ms, 2m)");
    op.attrs["timeout"] = tt[1];
  }
  if (rr.size() == 2) {
    auto role = Role(rr[1]);
    if (!role) return Bad(*spec, "unknown role (Started, Stopped, Promoted, Unpromoted)");
    op.attrs["role"] = *role;
  }
  for (const auto& o : r->ops) {
    if (o.name == "monitor" && o.interval == op.interval) {
      return absl::AlreadyExistsError(absl::StrCat("'", *times, "': ", r->id, " already has a monitor every ",
                                                   op.interval));
    }
  }
  op.id = ids.Unique(absl::StrCat(r->id, "-monitor-", op.interval));
  r->ops.push_back(std::move(op));
  return absl::OkStatus();
}

// ---- group, clone, ms ---------------------------------------------------------

// Points every constraint reference to `from` at `to`.
void RewriteReferences(Configuration& c, const std::string& from, const std::string& to) {
  for (auto& con : c.constraints) {
    for (const char* k : {"rsc", "with-rsc", "first", "then"}) {
      auto it = con.attrs.find(k);
      if (it != con.attrs.end() && it->second == from) it->second = to;
    }
    for (auto& s : con.sets) std::replace(s.resources.begin(), s.resources.end(), from, to);
  }
}

// Takes the top-level resource `id` out of the resources list, for a container.
absl::StatusOr<Resource> TakeTopLevel(Configuration& c, const std::string& id, const std::string& container,
                                      bool allow_group) {
  Resource* parent = nullptr;
  Resource* r = FindResource(c, id, &parent);
  if (r == nullptr) {
    return absl::NotFoundError(absl::StrCat("'", container, "' names resource '", id, "', which does not exist"));
  }
  if (parent != nullptr) return Bad(id, absl::StrCat("already in '", parent->id, "'"));
  bool ok = r->kind == Resource::Kind::kPrimitive || (allow_group && r->kind == Resource::Kind::kGroup);
  if (!ok) return Bad(id, allow_group ? "only a primitive or a group can be cloned" : "only primitives can be grouped");
  auto it = std::find_if(c.resources.begin(), c.resources.end(), [&](const Resource& x) { return x.id == id; });
  Resource out = std::move(*it);
  c.resources.erase(it);
  return out;
}

// `[description=T] {meta attr_list | params attr_list}` of a group or clone.
absl::Status ParseContainerSets(Words& w, Resource* r, Ids& ids) {
  ParseDescription(w, r);
  while (!w.Done()) {
    if (w.PeekIs("meta")) {
      std::string kw = w.Next();
      if (auto st = ParseNewSet(w, kw, r->id, "meta_attributes", ids, &r->meta); !st.ok()) return st;
    } else if (w.PeekIs("params")) {
      std::string kw = w.Next();
      if (auto st = ParseNewSet(w, kw, r->id, "instance_attributes", ids, &r->instance); !st.ok()) return st;
    } else {
      return Bad(w.Peek(), "expected meta or params");
    }
  }
  return absl::OkStatus();
}

absl::Status CmdGroup(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  Resource g;
  g.kind = Resource::Kind::kGroup;
  auto id = NewObjectId(w, ids, "group");
  if (!id.ok()) return id.status();
  g.id = *id;
  std::vector<std::string> members;
  while (!w.Done() && !w.PeekHasEq() && !w.PeekIs("meta") && !w.PeekIs("params")) {
    std::string m = w.Next();
    if (std::find(members.begin(), members.end(), m) != members.end()) return Bad(m, "named twice in the group");
    members.push_back(m);
  }
  if (members.empty()) return absl::InvalidArgumentError(absl::StrCat("group '", g.id, "' needs at least one resource"));
  for (const auto& m : members) {
    auto r = TakeTopLevel(c, m, g.id, false);
    if (!r.ok()) return r.status();
    g.children.push_back(std::move(*r));
  }
  if (auto st = ParseContainerSets(w, &g, ids); !st.ok()) return st;
  for (const auto& m : members) RewriteReferences(c, m, g.id);
  c.resources.push_back(std::move(g));
  return absl::OkStatus();
}

absl::Status CmdClone(Words& w, Cib* cib, Ids& ids, bool promotable) {
  Configuration& c = cib->configuration;
  Resource cl;
  cl.kind = Resource::Kind::kClone;
  auto id = NewObjectId(w, ids, promotable ? "ms" : "clone");
  if (!id.ok()) return id.status();
  cl.id = *id;
  auto child = w.Need("the resource to clone");
  if (!child.ok()) return child.status();
  auto r = TakeTopLevel(c, *child, cl.id, true);
  if (!r.ok()) return r.status();
  cl.children.push_back(std::move(*r));
  if (auto st = ParseContainerSets(w, &cl, ids); !st.ok()) return st;
  RenameLegacyMeta(&cl.meta);
  if (promotable) {
    for (const auto& s : cl.meta) {
      for (const auto& p : s.pairs) {
        if (p.name == "promotable" && Boolean(p.value.value_or("")) != "true") {
          return Bad(absl::StrCat("promotable=", p.value.value_or("")), "an ms resource is always promotable");
        }
      }
    }
    if (cl.meta.empty()) cl.meta.push_back(NvSet{ids.Unique(cl.id + "-meta_attributes"), {}, {}, {}});
    auto& pairs = cl.meta.front().pairs;
    bool has = std::any_of(pairs.begin(), pairs.end(), [](const NvPair& p) { return p.name == "promotable"; });
    if (!has) {
      pairs.insert(pairs.begin(), NvPair{ids.Unique(cl.meta.front().id + "-promotable"), "promotable", "true"});
    }
  }
  c.resources.push_back(std::move(cl));
  return absl::OkStatus();
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

absl::Status CmdLocation(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  Constraint con;
  con.kind = Constraint::Kind::kLocation;
  auto id = NewObjectId(w, ids, "location");
  if (!id.ok()) return id.status();
  con.id = *id;
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
  Configuration& c = cib->configuration;
  Constraint con;
  con.kind = Constraint::Kind::kColocation;
  auto id = NewObjectId(w, ids, "colocation");
  if (!id.ok()) return id.status();
  con.id = *id;
  auto score = NeedScore(w, "colocation", false);
  if (!score.ok()) return score.status();
  std::map<std::string, std::string> options;
  auto specs = ParseSets(w, &options);
  if (!specs.ok()) return specs.status();
  for (const auto& [k, v] : options) {
    if (k != "node-attribute") return Bad(absl::StrCat(k, "=", v), "expected node-attribute=");
    con.attrs[k] = v;
  }
  if (auto st = CheckMembers(&*specs, c, "colocation", con.id, false); !st.ok()) return st;
  if (CountMembers(*specs) < 2) {
    return absl::InvalidArgumentError(absl::StrCat("colocation '", con.id, "' needs two resources"));
  }
  con.attrs["score"] = *score->value;
  if (specs->size() == 1 && specs->front().bracket == 0 && specs->front().members.size() == 2) {
    const auto& m = specs->front().members;
    con.attrs["rsc"] = m[0].first;
    con.attrs["with-rsc"] = m[1].first;
    if (!m[0].second.empty()) con.attrs["rsc-role"] = m[0].second;
    if (!m[1].second.empty()) con.attrs["with-rsc-role"] = m[1].second;
  } else {
    auto sets = MakeSets(*specs, con.id, "role", ids);
    if (!sets.ok()) return sets.status();
    con.sets = std::move(*sets);
  }
  c.constraints.push_back(std::move(con));
  return absl::OkStatus();
}

absl::Status CmdOrder(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  Constraint con;
  con.kind = Constraint::Kind::kOrder;
  auto id = NewObjectId(w, ids, "order");
  if (!id.ok()) return id.status();
  con.id = *id;
  if (!w.Done() && EndsWithColon(w.Peek())) {
    std::string word = w.Next();
    std::string k = Lower(absl::string_view(word).substr(0, word.size() - 1));
    if (k == "mandatory" || k == "optional" || k == "serialize") {
      k[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(k[0])));
      con.attrs["kind"] = k;
    } else if (k == "advisory") {
      return Bad(word, "not an order kind (Mandatory, Optional, Serialize) or score");
    } else {
      auto score = ParseScore(absl::string_view(word).substr(0, word.size() - 1), false);
      if (!score.ok()) return Bad(word, "not an order kind (Mandatory, Optional, Serialize) or score");
      con.attrs["kind"] = *score->value == "0" ? "Optional" : "Mandatory";
    }
  }
  std::map<std::string, std::string> options;
  auto specs = ParseSets(w, &options);
  if (!specs.ok()) return specs.status();
  for (const auto& [k, v] : options) {
    if (k != "symmetrical") return Bad(absl::StrCat(k, "=", v), "expected symmetrical=");
    auto b = Boolean(v);
    if (!b) return Bad(absl::StrCat(k, "=", v), "not a boolean");
    con.attrs[k] = *b;
  }
  if (auto st = CheckMembers(&*specs, c, "order", con.id, true); !st.ok()) return st;
  if (CountMembers(*specs) < 2) return absl::InvalidArgumentError(absl::StrCat("order '", con.id, "' needs two resources"));
  if (specs->size() == 1 && specs->front().bracket == 0 && specs->front().members.size() == 2) {
    const auto& m = specs->front().members;
    con.attrs["first"] = m[0].first;
    con.attrs["then"] = m[1].first;
    if (!m[0].second.empty()) con.attrs["first-action"] = m[0].second;
    if (!m[1].second.empty()) con.attrs["then-action"] = m[1].second;
  } else {
    auto sets = MakeSets(*specs, con.id, "action", ids);
    if (!sets.ok()) return sets.status();
    con.sets = std::move(*sets);
  }
  c.constraints.push_back(std::move(con));
  return absl::OkStatus();
}

// `rsc_ticket ID TICKET: RSC[:ROLE] {RSC[:ROLE]} [loss-policy=POLICY]`
absl::Status CmdTicket(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  Constraint con;
  con.kind = Constraint::Kind::kTicket;
  auto id = NewObjectId(w, ids, "rsc_ticket");
  if (!id.ok()) return id.status();
  con.id = *id;
  if (w.Done() || !EndsWithColon(w.Peek())) return Bad(w.Done() ? con.id : w.Peek(), "expected TICKET:");
  std::string ticket = w.Next();
  con.attrs["ticket"] = ticket.substr(0, ticket.size() - 1);
  std::map<std::string, std::string> options;
  auto specs = ParseSets(w, &options);
  if (!specs.ok()) return specs.status();
  for (const auto& [k, v] : options) {
    static const std::set<std::string> kPolicies = {"stop", "demote", "fence", "freeze"};
    if (k != "loss-policy" || !kPolicies.count(v)) {
      return Bad(absl::StrCat(k, "=", v), "expected loss-policy=stop|demote|fence|freeze");
    }
    con.attrs[k] = v;
  }
  if (auto st = CheckMembers(&*specs, c, "rsc_ticket", con.id, false); !st.ok()) return st;
  if (CountMembers(*specs) == 0) return absl::InvalidArgumentError(absl::StrCat("rsc_ticket '", con.id, "' needs a resource"));
  if (specs->size() == 1 && specs->front().bracket == 0 && specs->front().members.size() == 1) {
    con.attrs["rsc"] = specs->front().members[0].first;
    if (!specs->front().members[0].second.empty()) con.attrs["rsc-role"] = specs->front().members[0].second;
  } else {
    auto sets = MakeSets(*specs, con.id, "role", ids);
    if (!sets.ok()) return sets.status();
    con.sets = std::move(*sets);
  }
  c.constraints.push_back(std::move(con));
  return absl::OkStatus();
}

// ---- property, defaults, node, tag, fencing_topology ----------------------------

// `property|rsc_defaults|op_defaults [SETID: | $id=SETID] NAME=VALUE...`: sets or
// updates the pairs of the set (created if needed).
absl::Status CmdNvSection(Words& w, const std::string& cmd, std::vector<NvSet>* sets, const std::string& default_id,
                          Ids& ids) {
  std::string set_id = default_id;
  if (!w.Done() && EndsWithColon(w.Peek())) {
    std::string word = w.Next();
    set_id = word.substr(0, word.size() - 1);
  } else if (!w.Done() && absl::StartsWith(w.Peek(), "$id=")) {
    set_id = w.Next().substr(4);
  }
  if (auto st = CheckId(set_id); !st.ok()) return st;
  if (w.PeekIs("rule")) return absl::UnimplementedError(absl::StrCat("'", w.Peek(), "': rules in ", cmd, " are not supported"));
  auto it = std::find_if(sets->begin(), sets->end(), [&](const NvSet& s) { return s.id == set_id; });
  if (it == sets->end()) {
    if (auto st = ids.Take(set_id); !st.ok()) return st;
    sets->push_back(NvSet{set_id, {}, {}, {}});
    it = sets->end() - 1;
  }
  if (!w.PeekHasEq()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", w.Done() ? cmd : w.Peek(), "': expected NAME=VALUE"));
  }
  while (w.PeekHasEq()) {
    auto nv = NameValue(w.Next());
    auto p = std::find_if(it->pairs.begin(), it->pairs.end(), [&](const NvPair& x) { return x.name == nv->first; });
    if (p != it->pairs.end()) {
      p->value = nv->second;
    } else {
      it->pairs.push_back(NvPair{ids.Unique(absl::StrCat(set_id, "-", nv->first)), nv->first, nv->second});
    }
  }
  if (!w.Done()) return Bad(w.Peek(), "expected NAME=VALUE");
  return absl::OkStatus();
}

// `node [ID: | $id=ID] UNAME[:TYPE] [description=T] [[attributes] NAME=VAL...] [utilization NAME=VAL...]`
absl::Status CmdNode(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  Node n;
  if (!w.Done() && EndsWithColon(w.Peek())) {
    std::string word = w.Next();
    n.id = word.substr(0, word.size() - 1);
  } else if (!w.Done() && absl::StartsWith(w.Peek(), "$id=")) {
    n.id = w.Next().substr(4);
  }
  auto uname = w.Need("a node name");
  if (!uname.ok()) return uname.status();
  std::vector<std::string> parts = absl::StrSplit(*uname, absl::MaxSplits(':', 1));
  n.uname = parts[0];
  if (n.uname.empty() || NameValue(n.uname)) return Bad(*uname, "expected a node name");
  if (parts.size() == 2) {
    std::string t = Lower(parts[1]);
    if (t == "normal") t = "member";
    if (t != "member" && t != "ping" && t != "remote") return Bad(*uname, "unknown node type (member, ping, remote)");
    n.type = t;
  }
  if (n.id.empty()) n.id = n.uname;
  for (const auto& x : c.nodes) {
    if (x.uname == n.uname) return absl::AlreadyExistsError(absl::StrCat("'", n.uname, "': node already exists"));
    if (x.id == n.id) return absl::AlreadyExistsError(absl::StrCat("'", n.id, "': a node with this id already exists"));
  }
  if (!w.Done() && absl::StartsWith(w.Peek(), "description=")) n.description = w.Next().substr(12);
  bool implicit = true;
  while (!w.Done()) {
    if ((implicit && w.PeekHasEq()) || w.PeekIs("attributes")) {
      std::string kw = w.PeekHasEq() ? std::string("attributes") : w.Next();
      if (auto st = ParseNewSet(w, kw, n.uname, "instance_attributes", ids, &n.attributes); !st.ok()) return st;
    } else if (w.PeekIs("utilization")) {
      std::string kw = w.Next();
      if (auto st = ParseNewSet(w, kw, n.uname, "utilization", ids, &n.utilization); !st.ok()) return st;
    } else {
      return Bad(w.Peek(), "expected attributes or utilization");
    }
    implicit = false;
  }
  c.nodes.push_back(std::move(n));
  return absl::OkStatus();
}

// `tag ID: RSC...` (also `tag ID RSC...`)
absl::Status CmdTag(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  auto word = w.Need("an id for the tag");
  if (!word.ok()) return word.status();
  cib::Tag t;
  t.id = EndsWithColon(*word) ? word->substr(0, word->size() - 1) : *word;
  if (auto st = ids.Take(t.id); !st.ok()) return st;
  while (!w.Done()) {
    std::string r = w.Next();
    if (FindResource(c, r) == nullptr) {
      return absl::NotFoundError(absl::StrCat("tag '", t.id, "' names resource '", r, "', which does not exist"));
    }
    t.refs.push_back(r);
  }
  if (t.refs.empty()) return absl::InvalidArgumentError(absl::StrCat("tag '", t.id, "' needs at least one resource"));
  c.tags.push_back(std::move(t));
  return absl::OkStatus();
}

absl::Status CmdFencingTopology(Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  if (!c.fencing_topology.empty()) {
    return absl::AlreadyExistsError("fencing_topology already exists; delete fencing_topology first");
  }
  // target attributes -> device lists, in order
  std::vector<std::pair<std::map<std::string, std::string>, std::vector<std::string>>> targets;
  bool targetless = false;
  while (!w.Done()) {
    std::string word = w.Next();
    if (absl::StartsWith(word, "attr:")) {
      auto nv = NameValue(word.substr(5));
      if (!nv) return Bad(word, "expected attr:NAME=VALUE");
      targets.push_back({{{"target-attribute", nv->first}, {"target-value", nv->second}}, {}});
    } else if (absl::StartsWith(word, "pattern:")) {
      if (word.size() == 8) return Bad(word, "expected pattern:REGEX");
      targets.push_back({{{"target-pattern", word.substr(8)}}, {}});
    } else if (EndsWithColon(word)) {
      std::string node = word.substr(0, word.size() - 1);
      if (FindNode(c, node) == nullptr) {
        return absl::NotFoundError(absl::StrCat("fencing_topology names node '", node, "', which is not a node of the CIB"));
      }
      targets.push_back({{{"target", node}}, {}});
    } else {
      for (const std::string& dev : std::vector<std::string>(absl::StrSplit(word, ','))) {
        const Resource* r = FindResource(c, dev);
        if (r == nullptr || r->cls != "stonith") {
          return absl::NotFoundError(absl::StrCat("fencing_topology names '", dev, "', which is not a stonith resource"));
        }
      }
      if (targets.empty()) {
        targetless = true;
        targets.push_back({{}, {}});
      }
      targets.back().second.push_back(word);
    }
  }
  if (targets.empty()) return absl::InvalidArgumentError("fencing_topology needs at least one device");
  if (targetless) {
    if (targets.size() > 1) return absl::InvalidArgumentError("fencing_topology: devices before the first target");
    if (c.nodes.empty()) return absl::InvalidArgumentError("fencing_topology without targets needs nodes in the CIB");
    auto devs = targets.front().second;
    targets.clear();
    for (const auto& n : c.nodes) targets.push_back({{{"target", n.uname}}, devs});
  }
  for (const auto& [target, devs] : targets) {
    if (devs.empty()) return Bad(target.begin()->second, "fencing target without devices");
    for (size_t i = 0; i < devs.size(); ++i) {
      FencingLevel l;
      l.id = ids.Unique("fencing");
      l.attrs = target;
      l.attrs["index"] = std::to_string(i + 1);
      l.attrs["devices"] = devs[i];
      c.fencing_topology.push_back(std::move(l));
    }
  }
  return absl::OkStatus();
}

// ---- delete -------------------------------------------------------------------

// Removes the constraint references to `rsc`: constraints that name it as
// rsc/with-rsc/first/then go; it leaves sets (emptied sets, and constraints
// left with too few resources, go too). Tags lose it as well.
void DropReferences(Configuration& c, const std::string& rsc) {
  auto& cons = c.constraints;
  for (auto it = cons.begin(); it != cons.end();) {
    bool drop = false;
    for (const char* k : {"rsc", "with-rsc", "first", "then"}) drop = drop || cib::Get(it->attrs, k) == rsc;
    size_t left = 0;
    bool had_sets = !it->sets.empty();
    for (auto& s : it->sets) {
      s.resources.erase(std::remove(s.resources.begin(), s.resources.end(), rsc), s.resources.end());
      left += s.resources.size();
    }
    std::erase_if(it->sets, [](const ResourceSet& s) { return s.resources.empty(); });
    size_t need = it->kind == Constraint::Kind::kColocation || it->kind == Constraint::Kind::kOrder ? 2 : 1;
    if (had_sets && left < need) drop = true;
    it = drop ? cons.erase(it) : it + 1;
  }
  for (auto& t : c.tags) t.refs.erase(std::remove(t.refs.begin(), t.refs.end(), rsc), t.refs.end());
  std::erase_if(c.tags, [](const cib::Tag& t) { return t.refs.empty(); });
}

bool FencingUses(const Configuration& c, const std::string& dev) {
  for (const auto& l : c.fencing_topology) {
    for (const std::string& d : std::vector<std::string>(absl::StrSplit(cib::Get(l.attrs, "devices"), ','))) {
      if (d == dev) return true;
    }
  }
  return false;
}

bool TemplateUsed(const std::vector<Resource>& rs, const std::string& tpl) {
  for (const auto& r : rs) {
    if (r.template_id == tpl || TemplateUsed(r.children, tpl)) return true;
  }
  return false;
}

bool UsedByFencing(const Configuration& c, const Resource& r) {
  if (FencingUses(c, r.id)) return true;
  return std::any_of(r.children.begin(), r.children.end(), [&](const Resource& x) { return UsedByFencing(c, x); });
}

absl::Status DeleteResource(Configuration& c, const std::string& id) {
  Resource* parent = nullptr;
  Resource* r = FindResource(c, id, &parent);
  if (UsedByFencing(c, *r)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot delete '", id, "': fencing_topology names it; delete fencing_topology first"));
  }
  if (r->kind == Resource::Kind::kTemplate && TemplateUsed(c.resources, id)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot delete '", id, "': primitives are based on it"));
  }
  std::string parent_id = parent ? parent->id : "";
  bool parent_emptied = parent != nullptr && parent->children.size() == 1;
  // A container's children stay, at the top level.
  std::vector<Resource> orphans;
  if (r->kind == Resource::Kind::kGroup || r->kind == Resource::Kind::kClone) orphans = std::move(r->children);
  auto& siblings = parent ? parent->children : c.resources;
  siblings.erase(std::find_if(siblings.begin(), siblings.end(), [&](const Resource& x) { return x.id == id; }));
  for (auto& o : orphans) c.resources.push_back(std::move(o));
  DropReferences(c, id);
  if (parent_emptied) return DeleteResource(c, parent_id);  // an emptied group or clone goes too
  return absl::OkStatus();
}

absl::Status DeleteOne(Configuration& c, const std::string& id) {
  if (FindResource(c, id) != nullptr) return DeleteResource(c, id);
  auto erase_by_id = [&](auto& vec) {
    auto it = std::find_if(vec.begin(), vec.end(), [&](const auto& x) { return x.id == id; });
    if (it == vec.end()) return false;
    vec.erase(it);
    return true;
  };
  if (erase_by_id(c.constraints) || erase_by_id(c.crm_config) || erase_by_id(c.rsc_defaults) ||
      erase_by_id(c.op_defaults) || erase_by_id(c.tags)) {
    return absl::OkStatus();
  }
  if (id == "fencing_topology" && !c.fencing_topology.empty()) {
    c.fencing_topology.clear();
    return absl::OkStatus();
  }
  auto node = std::find_if(c.nodes.begin(), c.nodes.end(), [&](const Node& n) { return n.uname == id; });
  if (node != c.nodes.end()) {
    for (const auto& con : c.constraints) {
      if (cib::Get(con.attrs, "node") == id) {
        return absl::InvalidArgumentError(absl::StrCat("cannot delete node '", id, "': location '", con.id,
                                                       "' names it"));
      }
    }
    for (const auto& l : c.fencing_topology) {
      if (cib::Get(l.attrs, "target") == id) {
        return absl::InvalidArgumentError(absl::StrCat("cannot delete node '", id, "': fencing_topology names it"));
      }
    }
    c.nodes.erase(node);
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("delete: '", id, "' does not exist"));
}

absl::Status CmdDelete(Words& w, Cib* cib) {
  if (w.PeekIs("--force")) w.Next();
  if (w.Done()) return absl::InvalidArgumentError("'delete': expected an id after it");
  while (!w.Done()) {
    std::string id = w.Next();
    if (id == "--force") continue;
    if (auto st = DeleteOne(cib->configuration, id); !st.ok()) return st;
  }
  return absl::OkStatus();
}

// ---- dispatch -------------------------------------------------------------------

const std::vector<std::string>& Commands() {
  static const std::vector<std::string> kCommands = {
      "primitive", "rsc_template", "monitor", "group", "clone", "ms", "master", "location", "colocation",
      "collocation", "order", "rsc_ticket", "property", "rsc_defaults", "op_defaults", "node", "tag",
      "fencing_topology", "delete", "commit", "verify", "show", "load", "edit", "erase", "rename", "modgroup",
      "refresh", "save", "ptest", "simulate", "alert", "bundle", "xml", "default-timeouts"};
  return kCommands;
}

absl::StatusOr<std::string> ResolveCommand(const std::string& word) {
  std::string l = Lower(word);
  std::vector<std::string> matches;
  for (const auto& c : Commands()) {
    if (c == l) return c;
    if (absl::StartsWith(c, l)) matches.push_back(c);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return Bad(word, "unknown configure command");
  return Bad(word, absl::StrCat("ambiguous command (", absl::StrJoin(matches, ", "), ")"));
}

absl::Status Dispatch(const std::string& cmd, Words& w, Cib* cib, Ids& ids) {
  Configuration& c = cib->configuration;
  if (cmd == "primitive" || cmd == "rsc_template") return CmdPrimitive(w, cib, ids, cmd == "rsc_template");
  if (cmd == "monitor") return CmdMonitor(w, cib, ids);
  if (cmd == "group") return CmdGroup(w, cib, ids);
  if (cmd == "clone") return CmdClone(w, cib, ids, false);
  if (cmd == "ms" || cmd == "master") return CmdClone(w, cib, ids, true);
  if (cmd == "location") return CmdLocation(w, cib, ids);
  if (cmd == "colocation" || cmd == "collocation") return CmdColocation(w, cib, ids);
  if (cmd == "order") return CmdOrder(w, cib, ids);
  if (cmd == "rsc_ticket") return CmdTicket(w, cib, ids);
  if (cmd == "property") return CmdNvSection(w, cmd, &c.crm_config, "cib-bootstrap-options", ids);
  if (cmd == "rsc_defaults") return CmdNvSection(w, cmd, &c.rsc_defaults, "rsc-options", ids);
  if (cmd == "op_defaults") return CmdNvSection(w, cmd, &c.op_defaults, "op-options", ids);
  if (cmd == "node") return CmdNode(w, cib, ids);
  if (cmd == "tag") return CmdTag(w, cib, ids);
  if (cmd == "fencing_topology") return CmdFencingTopology(w, cib, ids);
  if (cmd == "delete") return CmdDelete(w, cib);
  if (cmd == "commit") return absl::OkStatus();  // one-shot commands commit at once
  if (cmd == "verify") return cib::Validate(*cib);
  if (cmd == "show") return absl::InvalidArgumentError("'show' does not change the CIB: use ShowConfigure");
  return absl::UnimplementedError(absl::StrCat("'", cmd, "': not supported by baton's configure library"));
}

// ---- show ---------------------------------------------------------------------

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
      if (c.sets.empty()) {
        words.push_back(Suffixed(c, "rsc", "rsc-role"));
        words.push_back(Suffixed(c, "with-rsc", "with-rsc-role"));
      } else {
        words.push_back(SetsText(c.sets, "role"));
      }
      if (c.attrs.count("node-attribute")) words.push_back("node-attribute=" + cib::Get(c.attrs, "node-attribute"));
      break;
    case Constraint::Kind::kOrder:
      words = {"order", c.id};
      if (c.attrs.count("kind")) words.push_back(cib::Get(c.attrs, "kind") + ":");
      else if (c.attrs.count("score")) words.push_back(ScoreText(cib::Get(c.attrs, "score")) + ":");
      if (c.sets.empty()) {
        words.push_back(Suffixed(c, "first", "first-action"));
        words.push_back(Suffixed(c, "then", "then-action"));
      } else {
        words.push_back(SetsText(c.sets, "action"));
      }
      if (c.attrs.count("symmetrical")) words.push_back("symmetrical=" + cib::Get(c.attrs, "symmetrical"));
      break;
    case Constraint::Kind::kTicket:
      words = {"rsc_ticket", c.id, cib::Get(c.attrs, "ticket") + ":"};
      if (c.sets.empty()) words.push_back(Suffixed(c, "rsc", "rsc-role"));
      else words.push_back(SetsText(c.sets, "role"));
      if (c.attrs.count("loss-policy")) words.push_back("loss-policy=" + cib::Get(c.attrs, "loss-policy"));
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

}  // namespace

absl::Status ApplyConfigure(const std::vector<std::string>& words, cib::Cib* cib) {
  if (words.empty()) return absl::InvalidArgumentError("empty configure command");
  auto cmd = ResolveCommand(words[0]);
  if (!cmd.ok()) return cmd.status();
  Cib work = *cib;
  Ids ids(work.configuration);
  Words w(words, 1);
  if (auto st = Dispatch(*cmd, w, &work, ids); !st.ok()) return st;
  if (!w.Done()) return Bad(w.Peek(), "unexpected word");
  std::vector<std::string> all = AllIds(work.configuration);
  std::sort(all.begin(), all.end());
  auto dup = std::adjacent_find(all.begin(), all.end());
  if (dup != all.end()) return absl::AlreadyExistsError(absl::StrCat("id '", *dup, "' would be used twice"));
  if (auto st = cib::Validate(work); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(*cmd, ": the result does not validate: ", st.message()));
  }
  *cib = std::move(work);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ShowConfigure(const cib::Cib& cib, const std::vector<std::string>& ids) {
  const Configuration& c = cib.configuration;
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
  for (const auto& id : ids) {
    if (std::none_of(objs.begin(), objs.end(), [&](const ShownObject& o) { return o.id == id; })) {
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

absl::StatusOr<std::vector<std::string>> SplitConfigureLine(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quote == '\'') {
      if (ch == '\'') quote = 0;
      else cur += ch;
      continue;
    }
    if (quote == '"') {
      if (ch == '"') {
        quote = 0;
      } else if (ch == '\\' && i + 1 < line.size() && absl::string_view("\"\\$`\n").find(line[i + 1]) != absl::string_view::npos) {
        if (line[++i] != '\n') cur += line[i];
      } else {
        cur += ch;
      }
      continue;
    }
    if (ch == '\\') {
      if (i + 1 < line.size() && line[i + 1] != '\n') {
        cur += line[++i];
        in_word = true;
      } else {
        ++i;  // backslash-newline (or a trailing backslash) continues the line
      }
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(ch))) {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (ch == '#' && !in_word && words.empty()) {  // a comment line; "#uname" later is a word
      while (i + 1 < line.size() && line[i + 1] != '\n') ++i;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (quote != 0) return absl::InvalidArgumentError(absl::StrCat("unterminated ", std::string(1, quote), " quote"));
  if (in_word) words.push_back(std::move(cur));
  return words;
}

}  // namespace baton::cli
