#include "cli/options.h"

#include "absl/strings/str_cat.h"

namespace baton::cli {

absl::StatusOr<ParsedArgs> ParseOptions(const std::vector<std::string>& args,
                                        const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  auto take_optional = [&](size_t* i) -> std::optional<std::string> {
    if (*i + 1 < args.size() && !args[*i + 1].empty() && args[*i + 1][0] != '-') return args[++*i];
    return std::nullopt;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      for (++i; i < args.size(); ++i) out.positional.push_back(args[i]);
      break;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      const OptionSpec* spec = nullptr;
      for (const auto& s : specs) {
        if (s.long_name == name) spec = &s;
        for (const auto& al : s.aliases) {
          if (al == name) spec = &s;
        }
      }
      if (!spec) return absl::InvalidArgumentError(absl::StrCat("unknown option '--", name, "'"));
      if (spec->arg == OptionSpec::kNone && value) {
        return absl::InvalidArgumentError(absl::StrCat("option '--", name, "' takes no value"));
      }
      if (spec->arg == OptionSpec::kRequired && !value) {
        if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat("option '--", name, "' needs a value"));
        value = args[++i];
      }
      if (spec->arg == OptionSpec::kOptional && !value) value = take_optional(&i);
      out.options.push_back({spec->long_name, value});
      continue;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    for (size_t j = 1; j < a.size(); ++j) {
      const OptionSpec* spec = nullptr;
      for (const auto& s : specs) {
        if (s.short_name != 0 && s.short_name == a[j]) spec = &s;
      }
      if (!spec) return absl::InvalidArgumentError(absl::StrCat("unknown option '-", std::string(1, a[j]), "'"));
      if (spec->arg == OptionSpec::kNone) {
        out.options.push_back({spec->long_name, std::nullopt});
        continue;
      }
      std::optional<std::string> value;
      if (j + 1 < a.size()) {
        value = a.substr(j + 1);
      } else if (spec->arg == OptionSpec::kRequired) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError(absl::StrCat("option '-", std::string(1, a[j]), "' needs a value"));
        }
        value = args[++i];
      } else {
        value = take_optional(&i);
      }
      out.options.push_back({spec->long_name, value});
      break;
    }
  }
  return out;
}

}  // namespace baton::cli
