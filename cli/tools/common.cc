// The helpers every tool shim uses: option parsing with --version/--help,
// the environment, the node list, the default node, and the CIB (from
// $CIB_file or the daemon) with its scheduled working set.
#include <ctime>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/tools/internal.h"
#include "crmd/scheduler/scheduler.h"
#include "lib/cib/cib_xml.h"
#include "lib/common/files.h"

namespace baton::cli::tools {

std::optional<int> StartTool(const std::string& tool, const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs, const char* usage, ToolContext& ctx,
                             ParsedArgs* parsed) {
  std::vector<OptionSpec> all = specs;
  all.insert(all.end(), {{'V', "verbose", OptionSpec::kNone},
                         {'$', "version", OptionSpec::kNone},
                         {'h', "help", OptionSpec::kNone}});
  auto p = ParseOptions(args, all);
  if (!p.ok()) {
    *ctx.err << tool << ": " << p.status().message() << "\n" << usage;
    return 64;
  }
  *parsed = *std::move(p);
  for (const auto& o : parsed->options) {
    if (o.name == "version") {
      *ctx.out << kVersionText;
      return 0;
    }
    if (o.name == "help") {
      *ctx.out << usage;
      return 0;
    }
  }
  return std::nullopt;
}

int CibFailure(const std::string& tool, const absl::Status& st, std::ostream& err) {
  if (st.code() == absl::StatusCode::kUnavailable) {
    err << tool << ": Could not connect to the CIB: Transport endpoint is not connected\n";
    return kExitDisconnect;
  }
  err << tool << ": " << st.message() << "\n";
  return kExitError;
}

std::string DateText(long long when) {
  char date[64] = "";
  time_t t = static_cast<time_t>(when);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
  return date;
}

std::optional<std::string> Env(ToolContext& ctx, const std::string& name) {
  if (!ctx.env) return std::nullopt;
  auto v = ctx.env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

bool Has(const ParsedArgs& p, const std::string& name) {
  for (const auto& o : p.options) {
    if (o.name == name) return true;
  }
  return false;
}

std::optional<std::string> Value(const ParsedArgs& p, const std::string& name) {
  std::optional<std::string> v;
  for (const auto& o : p.options) {
    if (o.name == name) v = o.value.value_or("");
  }
  return v;
}

absl::StatusOr<NodeInfo> GetNodeInfo(ToolContext& ctx) {
  auto reply = ctx.backend->Call(control::request::NodeInfo());
  if (!reply.ok()) return reply.status();
  const control::NodeInfo& got = reply->node_info();
  NodeInfo info;
  info.self_id = std::to_string(got.self());
  info.self_name = got.self_name();
  info.quorate = got.quorate();
  for (const auto& n : got.nodes()) info.nodes.push_back({std::to_string(n.id()), n.name(), n.member()});
  return info;
}

absl::StatusOr<std::string> DefaultNode(ToolContext& ctx) {
  if (Env(ctx, "OCF_RESKEY_CRM_meta_container_attribute_target") == "host") {
    if (auto h = Env(ctx, "OCF_RESKEY_CRM_meta_physical_host")) return *h;
  }
  if (auto n = Env(ctx, "OCF_RESKEY_CRM_meta_on_node")) return *n;
  auto info = GetNodeInfo(ctx);
  if (!info.ok()) return info.status();
  return info->self_name;
}

// The CIB: $CIB_file if set (as Pacemaker's tools), else the daemon's.
absl::StatusOr<cib::Cib> LoadCib(ToolContext& ctx) {
  if (auto file = Env(ctx, "CIB_file")) return cib::ReadCibFile(*file);
  auto xml = control::ReplyText(ctx.backend->Call(control::request::Cib(/*configuration_only=*/false)));
  if (!xml.ok()) return xml.status();
  return cib::ParseCibXml(*xml);
}

absl::Status SaveCibFile(const std::string& path, const cib::Cib& c) {
  return common::WriteFileDurably(path, cib::WriteCibXml(c), 0644);
}

absl::StatusOr<Scheduled> LoadWorkingSet(ToolContext& ctx) {
  auto c = LoadCib(ctx);
  if (!c.ok()) return c.status();
  Scheduled s;
  s.cib = std::make_unique<cib::Cib>(*std::move(c));
  auto ws = scheduler::Schedule(*s.cib, static_cast<long long>(std::time(nullptr)));
  if (!ws.ok()) return ws.status();
  s.ws = *std::move(ws);
  return s;
}

}  // namespace baton::cli::tools
