// `delete ID...`: removes objects and what refers to them (constraint
// references, tags, emptied groups and clones), refusing what
// fencing_topology or a template's primitives still need.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/configure/internal.h"

namespace baton::cli::configure {
namespace {

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

}  // namespace

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

}  // namespace baton::cli::configure
