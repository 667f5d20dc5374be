// The small pieces every configure command uses: checks of words and values
// (ids, NAME=VALUE, booleans, roles), the ids a configuration holds and the
// fresh ones crmsh would make, and lookups of resources and nodes.
#include <algorithm>
#include <cctype>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cli/configure/internal.h"

namespace baton::cli::configure {

// ---- words and values -------------------------------------------------------

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

bool IsKeyword(const std::string& word, absl::string_view kw) { return Lower(word) == kw; }

absl::Status Bad(absl::string_view word, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("'", word, "': ", what));
}

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

std::optional<std::string> Role(absl::string_view v) {
  for (const char* r : {"Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"}) {
    if (Lower(v) == Lower(r)) return std::string(r);
  }
  return std::nullopt;
}

// ---- walking the configuration ---------------------------------------------

namespace {

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

}  // namespace

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

Ids::Ids(const Configuration& c) {
  for (auto& id : AllIds(c)) used_.insert(std::move(id));
}

absl::Status Ids::Take(const std::string& id) {
  if (auto st = CheckId(id); !st.ok()) return st;
  if (!used_.insert(id).second) return absl::AlreadyExistsError(absl::StrCat("id '", id, "' is already in use"));
  return absl::OkStatus();
}

std::string Ids::Unique(const std::string& base) {
  std::string id = base;
  for (int i = 0; used_.count(id); ++i) id = absl::StrCat(base, "-", i);
  used_.insert(id);
  return id;
}

namespace {

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

}  // namespace

Resource* FindResource(Configuration& c, const std::string& id, Resource** parent) {
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

}  // namespace baton::cli::configure
