// crm_master: an agent's promotion score on this node, as crm_attribute -p
// with a lifetime of forever.
#include <ostream>

#include "cli/tools/internal.h"

namespace baton::cli::tools {

int CrmMaster(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'q', "quiet", OptionSpec::kNone},
      {'Q', "quiet-legacy", OptionSpec::kNone},
      {'G', "query", OptionSpec::kNone, {"get-value"}},
      {'D', "delete", OptionSpec::kNone, {"delete-attr"}},
      {'v', "update", OptionSpec::kRequired, {"attr-value"}},
      {'N', "node", OptionSpec::kRequired},
      {'U', "node-uname", OptionSpec::kRequired},
      {'l', "lifetime", OptionSpec::kRequired},
      {'i', "id", OptionSpec::kRequired, {"attr-id"}},
      {'r', "resource", OptionSpec::kRequired},
  };
  constexpr char kUsage[] = "usage: crm_master [-r RSC] [-N NODE] [-l LIFETIME] (-G [-q] | -v SCORE | -D)\n";
  ParsedArgs p;
  if (auto done = StartTool("crm_master", args, specs, kUsage, ctx, &p)) return *done;
  const ParsedArgs* parsed = &p;
  std::string rsc = Value(*parsed, "resource").value_or(Env(ctx, "OCF_RESOURCE_INSTANCE").value_or(""));
  if (rsc.empty()) {
    *ctx.err << "crm_master: This program should normally only be invoked from inside an OCF resource agent"
             << " (OCF_RESOURCE_INSTANCE is unset; give -r RSC)\n";
    return kExitError;
  }
  std::vector<std::string> forwarded = {"-n", "master-" + rsc, "--lifetime", "forever"};
  for (const auto& o : parsed->options) {
    if (o.name == "resource" || o.name == "help") continue;
    forwarded.push_back("--" + o.name);
    if (o.value) forwarded.push_back(*o.value);
  }
  return CrmAttribute("crm_master", forwarded, ctx);
}

}  // namespace baton::cli::tools
