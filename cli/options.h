// A small command-line parser with the conventions of Pacemaker's tools
// (glib's): -x VALUE, -xVALUE, combined flags (-qG), --long=VALUE,
// --long VALUE, and options whose value is optional (-p [RSC]: the next word
// is taken only when it does not start with '-').
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace baton::cli {

struct OptionSpec {
  enum Arg { kNone, kRequired, kOptional };
  char short_name = 0;    // 0: long only
  std::string long_name;  // canonical name reported for either form
  Arg arg = kNone;
  std::vector<std::string> aliases = {};  // other long names
};

struct ParsedOption {
  std::string name;  // the spec's long_name
  std::optional<std::string> value;
};

struct ParsedArgs {
  std::vector<ParsedOption> options;  // in command-line order
  std::vector<std::string> positional;
};

// Refuses an unknown option or a missing required value, naming it.
absl::StatusOr<ParsedArgs> ParseOptions(const std::vector<std::string>& args,
                                        const std::vector<OptionSpec>& specs);

}  // namespace baton::cli
