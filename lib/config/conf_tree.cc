// Reads corosync.conf(5) syntax into a ConfSection tree, line by line, with
// a stack of the sections still open.
#include "lib/config/conf_tree.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace baton::config {
namespace {

// A section name or key: one word without braces or ':'.
bool IsName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '{' || c == '}' || c == ':') {
      return false;
    }
  }
  return true;
}

absl::Status OpenSection(std::vector<ConfSection>& open, absl::string_view line, int line_no) {
  absl::string_view name = absl::StripTrailingAsciiWhitespace(line.substr(0, line.size() - 1));
  if (!IsName(name)) {
    return ConfError(line_no, absl::StrCat(Quoted(line),
                                           " is not a section header; write one name before '{', "
                                           "as in 'totem {'"));
  }
  if (static_cast<int>(open.size()) > kMaxConfDepth) {
    return ConfError(line_no, absl::StrCat("section ", Quoted(name), " is nested more than ",
                                           kMaxConfDepth, " deep; close the sections above it"));
  }
  open.push_back(ConfSection{std::string(name), line_no, {}, {}});
  return absl::OkStatus();
}

absl::Status CloseSection(std::vector<ConfSection>& open, int line_no) {
  if (open.size() == 1) return ConfError(line_no, "'}' closes no open section; remove it");
  ConfSection done = std::move(open.back());
  open.pop_back();
  open.back().sections.push_back(std::move(done));
  return absl::OkStatus();
}

absl::Status AddEntry(ConfSection& section, absl::string_view line, int line_no) {
  if (line.find_first_of("{}") != absl::string_view::npos) {
    return ConfError(line_no,
                     absl::StrCat(Quoted(line),
                                  ": a brace must end a section header ('name {') or "
                                  "stand alone ('}'); give each key and brace a line of its own"));
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) {
    return ConfError(line_no, absl::StrCat(Quoted(line),
                                           " is neither 'key: value', 'name {' nor '}'; "
                                           "add the ':' or start the line with '#'"));
  }
  absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, colon));
  if (!IsName(key)) {
    return ConfError(
        line_no,
        absl::StrCat(Quoted(line), " has no key of one word before ':'; write 'key: value'"));
  }
  absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  section.entries.push_back(ConfEntry{std::string(key), std::string(value), line_no});
  return absl::OkStatus();
}

}  // namespace

absl::Status ConfError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", message));
}

std::string Quoted(absl::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return absl::StrCat("'", text, "'");
  return absl::StrCat("'", text.substr(0, kMax), "...'");
}

absl::StatusOr<ConfSection> ParseConfTree(std::string_view text) {
  std::vector<ConfSection> open(1);  // open[0] is the root
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    absl::string_view line = absl::StripAsciiWhitespace(raw);  // also a CR of CRLF
    if (line.empty() || line.front() == '#') continue;
    absl::Status status;
    if (line == "}") {
      status = CloseSection(open, line_no);
    } else if (line.back() == '{') {
      status = OpenSection(open, line, line_no);
    } else {
      status = AddEntry(open.back(), line, line_no);
    }
    if (!status.ok()) return status;
  }
  if (open.size() > 1) {
    return ConfError(open.back().line,
                     absl::StrCat("section ", Quoted(open.back().name),
                                  " is still open at the end of the file; add its '}'"));
  }
  return std::move(open.front());
}

}  // namespace baton::config
