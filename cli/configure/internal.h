// What the files of cli/configure/ share: word and value checks, the id
// registry, lookups in a Configuration, the cursor over a command's words,
// and the commands that configure.cc dispatches to. Not a public header.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/cib/cib.h"

namespace baton::cli::configure {

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

// ---- words and values (common.cc) -------------------------------------------

std::string Lower(absl::string_view s);
bool IsKeyword(const std::string& word, absl::string_view kw);
// InvalidArgument "'WORD': WHAT".
absl::Status Bad(absl::string_view word, absl::string_view what);
// A valid XML ID: a letter or '_' first, then letters, digits, '_', '-', '.'.
bool IsValidId(absl::string_view id);
absl::Status CheckId(absl::string_view id);
// "name=value" -> {name, value}; nullopt without '=' or with an empty name.
std::optional<std::pair<std::string, std::string>> NameValue(absl::string_view word);
bool EndsWithColon(absl::string_view w);
// "true" or "false" for crmsh's spellings of a boolean.
std::optional<std::string> Boolean(absl::string_view v);
// The role as Pacemaker spells it; legacy Master/Slave are kept as typed.
std::optional<std::string> Role(absl::string_view v);

// ---- the configuration (common.cc) ------------------------------------------

// Every XML ID of the configuration (node ids are not XML IDs), with repeats.
std::vector<std::string> AllIds(const Configuration& c);

// The ids in use, and fresh ones the way crmsh makes them: the base id, else
// base-0, base-1, ...
class Ids {
 public:
  explicit Ids(const Configuration& c);
  bool Used(const std::string& id) const { return used_.count(id) > 0; }
  // Takes an id given by the user.
  absl::Status Take(const std::string& id);
  std::string Unique(const std::string& base);

 private:
  std::set<std::string> used_;
};

// The resource `id` anywhere in the tree; `*parent` is its container (or null).
Resource* FindResource(Configuration& c, const std::string& id, Resource** parent = nullptr);
const Resource* FindResource(const Configuration& c, const std::string& id);
const Node* FindNode(const Configuration& c, const std::string& uname);

// ---- word cursor ------------------------------------------------------------

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

// ---- shared by the parsers (parse_resources.cc) -----------------------------

// A new set of `kind` ("instance_attributes", "meta_attributes", "utilization")
// for the object `owner`, parsed from `[$id=ID] NAME=VALUE {NAME=VALUE}` and
// appended to `sets`.
absl::Status ParseNewSet(Words& w, const std::string& keyword, const std::string& owner, const char* kind,
                         Ids& ids, std::vector<NvSet>* sets);
// A keyword that starts an attribute list, and the sets it adds to.
struct SetClause {
  const char* keyword;  // "params", "meta", ...
  const char* kind;     // "instance_attributes", "meta_attributes", "utilization"
  std::vector<NvSet>* sets;
};
// When the next word is the keyword of one of `clauses` (or, with `implicit`,
// a NAME=VALUE: an attribute list of the first clause), parses its attribute
// list into a new set of `owner` and returns true; else reads nothing and
// returns false.
absl::StatusOr<bool> ParseSetClause(Words& w, const std::string& owner, const std::vector<SetClause>& clauses,
                                    bool implicit, Ids& ids);
// The id of a new object: valid and not in use.
absl::StatusOr<std::string> NewObjectId(Words& w, Ids& ids, absl::string_view what);

// ---- the commands: the words after the command name -------------------------

// parse_resources.cc
absl::Status CmdPrimitive(Words& w, Cib* cib, Ids& ids, bool is_template);
absl::Status CmdMonitor(Words& w, Cib* cib, Ids& ids);
absl::Status CmdGroup(Words& w, Cib* cib, Ids& ids);
absl::Status CmdClone(Words& w, Cib* cib, Ids& ids, bool promotable);
// parse_constraints.cc
absl::Status CmdLocation(Words& w, Cib* cib, Ids& ids);
absl::Status CmdColocation(Words& w, Cib* cib, Ids& ids);
absl::Status CmdOrder(Words& w, Cib* cib, Ids& ids);
absl::Status CmdTicket(Words& w, Cib* cib, Ids& ids);
// parse_cluster.cc
absl::Status CmdNvSection(Words& w, const std::string& cmd, std::vector<NvSet>* sets, const std::string& default_id,
                          Ids& ids);
absl::Status CmdNode(Words& w, Cib* cib, Ids& ids);
absl::Status CmdTag(Words& w, Cib* cib, Ids& ids);
absl::Status CmdFencingTopology(Words& w, Cib* cib, Ids& ids);
// delete.cc
absl::Status CmdDelete(Words& w, Cib* cib);

}  // namespace baton::cli::configure
