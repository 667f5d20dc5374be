// The generic parse tree of a file in corosync.conf(5) syntax: nested
// `name {` ... `}` sections holding `key: value` lines, whole-line `#`
// comments and blank lines. It knows nothing of what the keys mean; the
// typed mapping lives in cluster_config.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace baton::config {

// One `key: value` line. The key is the text before the first ':' and the
// value everything after it, both without surrounding whitespace; the value
// may hold spaces and further ':' (IPv6 addresses).
struct ConfEntry {
  std::string key;
  std::string value;
  int line = 0;
};

// One `name {` ... `}` section, its entries and subsections in file order.
// The root of a file has an empty name and line 0.
struct ConfSection {
  std::string name;
  int line = 0;
  std::vector<ConfEntry> entries;
  std::vector<ConfSection> sections;
};

// Deepest nesting ParseConfTree accepts (corosync needs three).
inline constexpr int kMaxConfDepth = 16;

// Parses a whole file. Section names and keys are case-sensitive, as in
// corosync. A `#` starts a comment only as the first non-blank character of
// a line. Errors are one line: "line N: what is wrong; what to do".
absl::StatusOr<ConfSection> ParseConfTree(std::string_view text);

// The InvalidArgument error "line N: message" that every error about the
// contents of a configuration file takes.
absl::Status ConfError(int line, absl::string_view message);

// `text` in single quotes for an error message, cut to 60 characters.
std::string Quoted(absl::string_view text);

}  // namespace baton::config
