// The entry points of cli/configure.h: a command resolved by its (possibly
// abbreviated) name and dispatched to its parser on a copy of the CIB that
// replaces the caller's only when it validates; and the shell-like splitting
// of configure text into words.
#include <algorithm>
#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/configure.h"
#include "cli/configure/internal.h"
#include "lib/cib/cib_xml.h"

namespace baton::cli {
namespace configure {
namespace {

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

}  // namespace
}  // namespace configure

absl::Status ApplyConfigure(const std::vector<std::string>& words, cib::Cib* cib) {
  if (words.empty()) return absl::InvalidArgumentError("empty configure command");
  auto cmd = configure::ResolveCommand(words[0]);
  if (!cmd.ok()) return cmd.status();
  cib::Cib work = *cib;
  configure::Ids ids(work.configuration);
  configure::Words w(words, 1);
  if (auto st = configure::Dispatch(*cmd, w, &work, ids); !st.ok()) return st;
  if (!w.Done()) return configure::Bad(w.Peek(), "unexpected word");
  std::vector<std::string> all = configure::AllIds(work.configuration);
  std::sort(all.begin(), all.end());
  auto dup = std::adjacent_find(all.begin(), all.end());
  if (dup != all.end()) return absl::AlreadyExistsError(absl::StrCat("id '", *dup, "' would be used twice"));
  if (auto st = cib::Validate(work); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(*cmd, ": the result does not validate: ", st.message()));
  }
  *cib = std::move(work);
  return absl::OkStatus();
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
