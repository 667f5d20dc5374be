// Parsing the commands for what is neither a resource nor a constraint:
// property, rsc_defaults and op_defaults, node, tag and fencing_topology.
#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/configure/internal.h"

namespace baton::cli::configure {

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
  std::vector<SetClause> clauses = {{"attributes", "instance_attributes", &n.attributes},
                                    {"utilization", "utilization", &n.utilization}};
  bool implicit = true;
  while (!w.Done()) {
    auto parsed = ParseSetClause(w, n.uname, clauses, implicit, ids);
    if (!parsed.ok()) return parsed.status();
    if (!*parsed) return Bad(w.Peek(), "expected attributes or utilization");
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

}  // namespace baton::cli::configure
