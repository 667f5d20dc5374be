// attrd_updater: sets, deletes and queries transient node attributes
// through the daemon.
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/tools/internal.h"

namespace baton::cli::tools {

int AttrdUpdater(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'n', "name", OptionSpec::kRequired},
      {'U', "update", OptionSpec::kRequired},
      {'v', "value", OptionSpec::kRequired},
      {'B', "update-both", OptionSpec::kRequired},
      {'Y', "update-delay", OptionSpec::kNone},
      {'Q', "query", OptionSpec::kNone},
      {'D', "delete", OptionSpec::kNone},
      {'R', "refresh", OptionSpec::kNone},
      {'d', "delay", OptionSpec::kRequired},
      {'s', "set", OptionSpec::kRequired},
      {'N', "node", OptionSpec::kRequired},
      {'A', "all", OptionSpec::kNone},
      {'p', "private", OptionSpec::kNone},
      {'l', "lifetime", OptionSpec::kRequired},
      {'S', "section", OptionSpec::kRequired},
      {'q', "quiet", OptionSpec::kNone},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] =
      "usage: attrd_updater -n NAME (-U VALUE | -B VALUE -d DELAY | -Y -d DELAY | -Q [-A] | -D) [-N NODE] [-p]\n"
      "       attrd_updater -R\n";
  ParsedArgs p;
  if (auto done = StartTool("attrd_updater", args, specs, kUsage, ctx, &p)) return *done;
  if (!p.positional.empty()) {
    err << "attrd_updater: unexpected argument '" << p.positional[0] << "'\n" << kUsage;
    return kExitUsage;
  }
  enum { kNoCommand, kUpdate, kDelayOnly, kQuery, kDelete, kRefresh } command = kNoCommand;
  std::string value;
  for (const auto& o : p.options) {
    if (o.name == "update" || o.name == "value" || o.name == "update-both") {
      command = kUpdate;
      value = o.value.value_or("");
    }
    if (o.name == "update-delay") command = kDelayOnly;
    if (o.name == "query") command = kQuery;
    if (o.name == "delete") command = kDelete;
    if (o.name == "refresh") command = kRefresh;
  }
  auto fail = [&](const absl::Status& st) {
    if (st.code() == absl::StatusCode::kUnavailable) {
      err << "attrd_updater: Could not connect to the attribute manager: " << st.message() << "\n";
      return kExitDisconnect;
    }
    err << "attrd_updater: " << st.message() << "\n";
    return st.code() == absl::StatusCode::kNotFound ? kExitNoSuch : kExitError;
  };
  if (command == kRefresh) {
    // Everything is already in the CIB view the daemon serves: nothing to resend.
    auto r = ctx.backend->Call(control::request::NodeInfo());
    return r.ok() ? kExitOk : fail(r.status());
  }
  std::string name = Value(p, "name").value_or("");
  if (name.empty()) {
    err << "attrd_updater: -n/--name is required\n" << kUsage;
    return kExitUsage;
  }
  if (command == kNoCommand) {
    err << "attrd_updater: no command: give -U, -B, -Y, -Q or -D\n" << kUsage;
    return kExitUsage;
  }
  std::string node;
  if (auto n = Value(p, "node"); n && *n != "auto" && *n != "localhost") {
    node = *n;
  } else if (!(command == kQuery && Has(p, "all"))) {
    auto d = DefaultNode(ctx);
    if (!d.ok()) return fail(d.status());
    node = *d;
  }
  if (command == kDelayOnly) {
    // Dampening is not modelled: updates apply at once. Check the daemon is there.
    auto r = ctx.backend->Call(control::request::NodeInfo());
    return r.ok() ? kExitOk : fail(r.status());
  }
  if (command == kUpdate) {
    auto r = ctx.backend->Call(control::request::AttrSet(node, name, value, control::REBOOT));
    return r.ok() ? kExitOk : fail(r.status());
  }
  if (command == kDelete) {
    auto r = ctx.backend->Call(control::request::AttrDelete(node, name, control::REBOOT));
    return r.ok() ? kExitOk : fail(r.status());
  }
  auto r = ctx.backend->Call(control::request::AttrQuery(name, control::REBOOT));
  if (!r.ok()) return fail(r.status());
  bool any = false;
  std::vector<std::string> lines;
  for (const auto& v : r->attr_values().values()) {
    if (v.set()) any = true;
    if (!node.empty() && v.node() != node) continue;
    lines.push_back(absl::StrCat("name=\"", name, "\" host=\"", v.node(), "\" value=\"", v.value(), "\""));
  }
  if (!any) {
    err << "Could not query value of " << name << ": attribute does not exist\n";
    return kExitConfig;
  }
  if (lines.empty()) return fail(absl::NotFoundError(absl::StrCat("Could not map name=", node, " to a UUID")));
  for (const auto& l : lines) out << l << "\n";
  return kExitOk;
}

}  // namespace baton::cli::tools
