// Parsing the resource commands: primitive and rsc_template (agent, params,
// meta, utilization, ops), monitor, group, clone and ms; and the attribute
// lists (`[$id=ID] NAME=VALUE...`) and new object ids the other parsers share.
#include <algorithm>
#include <cctype>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/configure/internal.h"

namespace baton::cli::configure {
namespace {

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

// Agents that ship with Pacemaker (ocf:pacemaker) and not with resource-agents
// (ocf:heartbeat): a bare type names them as crmsh would find from meta-data.
bool IsPacemakerAgent(absl::string_view type) {
  for (const char* t : {"Stateful", "ping", "pingd", "ClusterMon", "controld", "HealthCPU", "HealthIOWait",
                        "HealthSMART", "SysInfo", "SystemHealth", "attribute", "ifspeed", "o2cb", "remote"}) {
    if (type == t) return true;
  }
  return false;
}

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

// Parses `[description=T]` after the agent or members.
void ParseDescription(Words& w, Resource* r) {
  if (!w.Done() && absl::StartsWith(w.Peek(), "description=")) r->description = w.Next().substr(12);
}

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
  std::vector<SetClause> clauses = {{"meta", "meta_attributes", &r->meta}, {"params", "instance_attributes", &r->instance}};
  while (!w.Done()) {
    auto parsed = ParseSetClause(w, r->id, clauses, false, ids);
    if (!parsed.ok()) return parsed.status();
    if (!*parsed) return Bad(w.Peek(), "expected meta or params");
  }
  return absl::OkStatus();
}

}  // namespace

// ---- shared with the other parsers ------------------------------------------

// for the object `owner`, appended to `sets`.
absl::Status ParseNewSet(Words& w, const std::string& keyword, const std::string& owner, const char* kind,
                         Ids& ids, std::vector<NvSet>* sets) {
  NvSet set;
  if (auto st = ParseAttrList(w, keyword, absl::StrCat(owner, "-", kind), ids, &set); !st.ok()) return st;
  sets->push_back(std::move(set));
  return absl::OkStatus();
}

absl::StatusOr<bool> ParseSetClause(Words& w, const std::string& owner, const std::vector<SetClause>& clauses,
                                    bool implicit, Ids& ids) {
  for (size_t i = 0; i < clauses.size(); ++i) {
    bool bare = implicit && i == 0 && w.PeekHasEq();
    if (!bare && !w.PeekIs(clauses[i].keyword)) continue;
    std::string kw = bare ? clauses[i].keyword : w.Next();
    if (auto st = ParseNewSet(w, kw, owner, clauses[i].kind, ids, clauses[i].sets); !st.ok()) return st;
    return true;
  }
  return false;
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

// ---- primitive, rsc_template, monitor ---------------------------------------

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
  std::vector<SetClause> clauses = {{"params", "instance_attributes", &r.instance},
                                    {"meta", "meta_attributes", &r.meta},
                                    {"utilization", "utilization", &r.utilization}};
  bool implicit_params = true;
  while (!w.Done()) {
    auto parsed = ParseSetClause(w, r.id, clauses, implicit_params, ids);
    if (!parsed.ok()) return parsed.status();
    implicit_params = false;
    if (*parsed) continue;
    if (w.PeekIs("operations")) {
      std::string kw = w.Next();
      if (w.Done() || !absl::StartsWith(w.Peek(), "$id=")) return Bad(kw, "expected $id=ID after it");
      w.Next();  // <operations> has no id in baton's model; crmsh's $id is accepted and dropped
    } else if (w.PeekIs("op")) {
      w.Next();
      if (auto st = ParseOp(w, &r, ids); !st.ok()) return st;
    } else {
      return Bad(w.Peek(), "expected params, meta, utilization or op");
    }
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

}  // namespace baton::cli::configure
