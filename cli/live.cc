#include "cli/live.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "cli/configure.h"
#include "lib/cib/cib.h"
#include "lib/cib/cib_xml.h"
#include "lib/common/files.h"
#include "lib/control/control.h"

namespace baton::cli {
namespace {

constexpr int kUsage = 2;

std::optional<std::string> Env(ToolContext& ctx, const std::string& name) {
  if (!ctx.env) return std::nullopt;
  auto v = ctx.env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// The configuration to edit: $CIB_file, or the DC's replicated one.
absl::StatusOr<cib::Cib> LoadConfig(ToolContext& ctx) {
  if (auto file = Env(ctx, "CIB_file")) return cib::ReadCibFile(*file);
  auto xml = control::ReplyText(ctx.backend->Call(control::request::Cib(/*configuration_only=*/true)));
  if (!xml.ok()) return xml.status();
  return cib::ParseCibXml(*xml);
}

absl::StatusOr<cib::Cib> LoadLive(ToolContext& ctx) {
  if (auto file = Env(ctx, "CIB_file")) return cib::ReadCibFile(*file);
  auto xml = control::ReplyText(ctx.backend->Call(control::request::Cib(/*configuration_only=*/false)));
  if (!xml.ok()) return xml.status();
  return cib::ParseCibXml(*xml);
}


// Reads the configuration, applies `change`, commits; retries when another
// change landed in between (compare-and-swap refused).
absl::Status Commit(ToolContext& ctx, const std::function<absl::Status(cib::Cib*)>& change) {
  for (int attempt = 0;; ++attempt) {
    auto c = LoadConfig(ctx);
    if (!c.ok()) return c.status();
    cib::Version base = c->version;
    cib::Cib next = *c;
    if (auto st = change(&next); !st.ok()) return st;
    if (auto file = Env(ctx, "CIB_file")) {
      ++next.version.epoch;
      return common::WriteFileDurably(*file, cib::WriteCibXml(next), 0644);
    }
    auto r = ctx.backend->Call(
        control::request::CibReplace(base.admin_epoch, base.epoch, base.num_updates, cib::WriteCibXml(next)));
    if (r.ok()) return absl::OkStatus();
    bool raced = r.status().code() == absl::StatusCode::kFailedPrecondition &&
                 std::string(r.status().message()).find("changed since it was read") != std::string::npos;
    if (!raced || attempt >= 4) return r.status();
  }
}

int Fail(ToolContext& ctx, const std::string& what, const absl::Status& st) {
  *ctx.err << what << ": " << st.message();
  if (st.code() == absl::StatusCode::kUnavailable) *ctx.err << " (is baton-crmd running on this node?)";
  *ctx.err << "\n";
  return 1;
}

cib::Resource* FindResource(std::vector<cib::Resource>& rs, const std::string& id) {
  for (auto& r : rs) {
    if (r.id == id) return &r;
    if (cib::Resource* c = FindResource(r.children, id)) return c;
  }
  return nullptr;
}

void SetMeta(cib::Resource* r, const std::string& name, const std::string& value) {
  for (auto& set : r->meta) {
    for (auto& p : set.pairs) {
      if (p.name == name) {
        p.value = value;
        return;
      }
    }
  }
  if (r->meta.empty()) r->meta.push_back(cib::NvSet{r->id + "-meta_attributes", std::nullopt, {}, {}});
  r->meta.front().pairs.push_back({r->meta.front().id + "-" + name, name, value});
}

// A promotable clone: <master>, or a clone with meta promotable=true.
bool IsPromotable(const cib::Resource& r) {
  if (r.kind != cib::Resource::Kind::kClone) return false;
  if (r.master_element) return true;
  for (const auto& set : r.meta) {
    for (const auto& p : set.pairs) {
      if (p.name == "promotable") return p.value && (*p.value == "true" || *p.value == "yes" || *p.value == "1");
    }
  }
  return false;
}

bool HasNode(const cib::Cib& c, const std::string& name) {
  for (const auto& n : c.configuration.nodes) {
    if (n.uname == name) return true;
  }
  return false;
}

}  // namespace

int RunConfigure(const std::vector<std::string>& args, ToolContext& ctx) {
  if (args.empty()) {
    *ctx.err << "usage: crm configure show [ID...] | crm configure COMMAND ARGS... (crm shell syntax)\n";
    return kUsage;
  }
  if (args[0] == "show") {
    auto c = LoadConfig(ctx);
    if (!c.ok()) return Fail(ctx, "crm configure show", c.status());
    auto text = ShowConfigure(*c, std::vector<std::string>(args.begin() + 1, args.end()));
    if (!text.ok()) return Fail(ctx, "crm configure show", text.status());
    *ctx.out << *text;
    return 0;
  }
  absl::Status st = Commit(ctx, [&](cib::Cib* c) { return ApplyConfigure(args, c); });
  if (!st.ok()) {
    *ctx.err << "crm configure: " << st.message() << "\n";
    return st.code() == absl::StatusCode::kInvalidArgument ? kUsage : 1;
  }
  return 0;
}

int RunResource(const std::vector<std::string>& words, ToolContext& ctx) {
  constexpr char kUsageText[] =
      "usage: crm resource start|stop RSC | move RSC NODE [--promoted] | ban RSC [NODE] [--promoted] |\n"
      "       clear RSC | cleanup [RSC [NODE]] | status [RSC] | locate RSC\n";
  // --promoted (--master, its old name): move or ban a promotable clone's
  // promoted role rather than the clone, as crm_resource --promoted does.
  std::vector<std::string> args;
  bool promoted_role = false;
  for (const auto& w : words) {
    if (w == "--promoted" || w == "--master") promoted_role = true;
    else args.push_back(w);
  }
  if (args.empty()) {
    *ctx.err << kUsageText;
    return kUsage;
  }
  const std::string& cmd = args[0];
  auto need = [&](size_t lo, size_t hi) {
    if (args.size() - 1 >= lo && args.size() - 1 <= hi) return true;
    *ctx.err << "crm resource " << cmd << ": wrong number of arguments\n" << kUsageText;
    return false;
  };
  if (cmd == "start" || cmd == "stop") {
    if (!need(1, 1)) return kUsage;
    std::string id = args[1];
    absl::Status st = Commit(ctx, [&](cib::Cib* c) -> absl::Status {
      cib::Resource* r = FindResource(c->configuration.resources, id);
      if (!r) return absl::NotFoundError(absl::StrCat("no resource '", id, "'"));
      SetMeta(r, "target-role", cmd == "start" ? "Started" : "Stopped");
      return absl::OkStatus();
    });
    return st.ok() ? 0 : Fail(ctx, "crm resource " + cmd, st);
  }
  if (cmd == "move" || cmd == "migrate" || cmd == "ban") {
    if (!need(cmd == "ban" ? 1 : 2, 2)) return kUsage;
    std::string id = args[1];
    std::string node = args.size() > 2 ? args[2] : "";
    if (cmd == "ban" && node.empty()) {
      // Ban from where it runs now.
      auto live = LoadLive(ctx);
      if (!live.ok()) return Fail(ctx, "crm resource ban", live.status());
      // Where its last operation left it running (not where a probe found it stopped).
      for (const auto& ns : live->status) {
        for (const auto& h : ns.resources) {
          if (h.id != id) continue;
          for (const auto& op : h.ops) {
            if (op.id != id + "_last_0") continue;
            std::string task = cib::Get(op.attrs, "operation");
            std::string rc = cib::Get(op.attrs, "rc-code");
            if (task != "stop" && (rc == "0" || rc == "8")) node = cib::Get(ns.attrs, "uname");
          }
        }
      }
      if (node.empty()) {
        *ctx.err << "crm resource ban: " << id << " runs nowhere: name the node to ban it from\n";
        return 1;
      }
    }
    absl::Status st = Commit(ctx, [&](cib::Cib* c) -> absl::Status {
      const cib::Resource* r = FindResource(c->configuration.resources, id);
      if (!r) return absl::NotFoundError(absl::StrCat("no resource '", id, "'"));
      if (!HasNode(*c, node)) return absl::NotFoundError(absl::StrCat("no node '", node, "'"));
      if (promoted_role && !IsPromotable(*r)) {
        return absl::InvalidArgumentError(absl::StrCat("--promoted: '", id, "' is not a promotable clone"));
      }
      if (!promoted_role && cmd != "ban" && IsPromotable(*r)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", id, "' is a promotable clone, active on several nodes: to move its promoted role, give --promoted"));
      }
      cib::Constraint loc;
      loc.kind = cib::Constraint::Kind::kLocation;
      loc.id = cmd == "ban" ? absl::StrCat("cli-ban-", id, "-on-", node) : absl::StrCat("cli-prefer-", id);
      loc.attrs = {{"rsc", id}, {"node", node}, {"score", cmd == "ban" ? "-INFINITY" : "INFINITY"},
                   {"role", promoted_role ? "Promoted" : "Started"}};
      auto& cs = c->configuration.constraints;
      std::erase_if(cs, [&](const cib::Constraint& x) { return x.id == loc.id; });
      cs.push_back(loc);
      return absl::OkStatus();
    });
    if (!st.ok()) return Fail(ctx, "crm resource " + cmd, st);
    if (cmd == "ban") {
      *ctx.out << "INFO: \"ban\" of " << id << " from " << node
               << " stays until \"crm resource clear " << id << "\"\n";
    } else {
      *ctx.out << "INFO: Move constraint created for " << id << " to " << node << "\n";
    }
    return 0;
  }
  if (cmd == "clear" || cmd == "unmove" || cmd == "unmigrate" || cmd == "unban") {
    if (!need(1, 1)) return kUsage;
    std::string id = args[1];
    int removed = 0;
    absl::Status st = Commit(ctx, [&](cib::Cib* c) -> absl::Status {
      removed = static_cast<int>(std::erase_if(c->configuration.constraints, [&](const cib::Constraint& x) {
        return x.id == "cli-prefer-" + id || x.id.rfind("cli-ban-" + id + "-on-", 0) == 0;
      }));
      return absl::OkStatus();
    });
    if (!st.ok()) return Fail(ctx, "crm resource clear", st);
    *ctx.out << "INFO: Removed " << removed << " constraint" << (removed == 1 ? "" : "s") << " for " << id << "\n";
    return 0;
  }
  if (cmd == "cleanup" || cmd == "refresh") {
    if (!need(0, 2)) return kUsage;
    std::string rsc = args.size() > 1 ? args[1] : "";
    std::string node = args.size() > 2 ? args[2] : "";
    std::vector<std::string> targets;
    if (!rsc.empty()) {
      targets.push_back(rsc);
    } else {
      auto c = LoadConfig(ctx);
      if (!c.ok()) return Fail(ctx, "crm resource cleanup", c.status());
      std::function<void(const std::vector<cib::Resource>&)> all = [&](const std::vector<cib::Resource>& rs) {
        for (const auto& r : rs) {
          if (r.kind == cib::Resource::Kind::kPrimitive) targets.push_back(r.id);
          all(r.children);
        }
      };
      all(c->configuration.resources);
    }
    for (const auto& t : targets) {
      auto r = ctx.backend->Call(control::request::Cleanup(t, node));
      if (!r.ok()) return Fail(ctx, "crm resource cleanup", r.status());
      *ctx.out << "Cleaned up " << t << (node.empty() ? "" : " on " + node) << "\n";
    }
    return 0;
  }
  if (cmd == "status" || cmd == "locate" || cmd == "show") {
    if (!need(0, 1)) return kUsage;
    if (args.size() == 1) return RunTool("crm_mon", {"-1", "-r"}, ctx);
    return RunTool("crm_resource", {"--locate", "--resource", args[1]}, ctx);
  }
  *ctx.err << "crm resource: unknown command '" << cmd << "'\n" << kUsageText;
  return kUsage;
}

int RunNodeState(const std::vector<std::string>& args, ToolContext& ctx) {
  if (args.empty() || args.size() > 2 || (args[0] != "standby" && args[0] != "online")) {
    *ctx.err << "usage: crm node standby|online [NODE]\n";
    return kUsage;
  }
  std::string node;
  if (args.size() == 2) {
    node = args[1];
  } else {
    auto info = ctx.backend->Call(control::request::NodeInfo());
    if (!info.ok()) return Fail(ctx, "crm node " + args[0], info.status());
    node = info->node_info().self_name();
  }
  // As crmsh: the node's standby attribute in the CIB's nodes section, so
  // every node (also one that is down now) sees it.
  std::string value = args[0] == "standby" ? "on" : "off";
  absl::Status st = Commit(ctx, [&](cib::Cib* c) -> absl::Status {
    for (auto& n : c->configuration.nodes) {
      if (n.uname != node) continue;
      for (auto& set : n.attributes) {
        for (auto& p : set.pairs) {
          if (p.name == "standby") {
            p.value = value;
            return absl::OkStatus();
          }
        }
      }
      if (n.attributes.empty()) n.attributes.push_back(cib::NvSet{"nodes-" + n.id, std::nullopt, {}, {}});
      n.attributes.front().pairs.push_back({n.attributes.front().id + "-standby", "standby", value});
      return absl::OkStatus();
    }
    return absl::NotFoundError(absl::StrCat("no node '", node, "' in the cluster"));
  });
  return st.ok() ? 0 : Fail(ctx, "crm node " + args[0], st);
}

}  // namespace baton::cli
