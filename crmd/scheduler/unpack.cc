// CIB -> WorkingSet (see unpack.h).
#include "crmd/scheduler/unpack.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "crmd/scheduler/rules.h"
#include "crmd/scheduler/scheduler.h"
#include "crmd/scheduler/util.h"

namespace baton::scheduler {

namespace {

using cib::Get;

int ParseIntOr(const std::string& s, int fallback) {
  if (s.empty()) return fallback;
  auto v = ParseScore(s);
  return v ? *v : fallback;
}

class Unpacker {
 public:
  Unpacker(WorkingSet* ws) : ws_(ws), cib_(ws->cib()) {}
  absl::Status Run(long long now);

 private:
  void Options(long long now);
  void Nodes();
  void NodeStates();
  void DetermineOnline(Node* node, const cib::NodeState& ns);
  void FenceNode(Node* node, const std::string& reason);
  Resource* BuildResource(const cib::Resource& def, Resource* parent, const std::string& suffix);
  void ApplyMeta(Resource* r, const cib::Resource& def);
  void Resources();
  void Histories();
  void History(Node* node, const cib::ResourceHistory& h);
  Resource* FindForHistory(Node* node, const std::string& id);
  Resource* MakeOrphan(const cib::ResourceHistory& h);
  Resource* MakeOrphanInstance(const std::string& id);
  void ProcessOps(Resource* rsc, NodeHistory* nh);
  void FailCounts();
  void Finish(Resource* r);

  WorkingSet* ws_;
  const cib::Cib& cib_;
  int order_ = 0;
};

void Unpacker::Options(long long now) {
  ws_->now = now;
  if (auto it = cib_.attrs.find("execution-date"); it != cib_.attrs.end()) {
    long long t = 0;
    if (absl::SimpleAtoi(it->second, &t)) ws_->now = t;
  }
  ws_->options = ParseClusterOptions(cib_, ws_->now, &ws_->config_errors);
  ws_->have_quorum = IsTrue(Get(cib_.attrs, "have-quorum", "false"));
}

void Unpacker::Nodes() {
  for (const auto& cn : cib_.configuration.nodes) {
    Node n;
    n.id = cn.id;
    n.name = cn.uname.empty() ? cn.id : cn.uname;
    n.type = cn.type.empty() ? "member" : cn.type;
    n.remote = n.type == "remote";
    n.weight = cn.score ? ScoreOrZero(*cn.score) : 0;
    ws_->nodes.push_back(std::move(n));
  }
  std::stable_sort(ws_->nodes.begin(), ws_->nodes.end(),
                   [](const Node& a, const Node& b) { return NaturalLess(a.name, b.name); });
  int i = 0;
  for (auto& n : ws_->nodes) {
    n.index = i++;
    n.unseen = true;
    // Until its status says otherwise, a node is unclean (startup-fencing).
    n.unclean = ws_->options.stonith_enabled && ws_->options.startup_fencing;
  }
  std::string dc_uuid = Get(cib_.attrs, "dc-uuid");
  for (auto& n : ws_->nodes) {
    const cib::Node* cn = nullptr;
    for (const auto& c : cib_.configuration.nodes) {
      if (c.id == n.id) cn = &c;
    }
    RuleContext ctx;
    ctx.now = ws_->now;
    if (cn) UnpackNvSets(cn->attributes, ctx, &n.attrs);
    for (const auto& ns : cib_.status) {
      if (ns.id == n.id) UnpackNvSets(ns.transient, ctx, &n.attrs, /*overwrite=*/true);
    }
    n.attrs["#uname"] = n.name;
    n.attrs["#id"] = n.id;
    n.attrs["#kind"] = n.remote ? "remote" : "cluster";
    n.is_dc = !dc_uuid.empty() && dc_uuid == n.id;
    n.attrs["#is_dc"] = n.is_dc ? "true" : "false";
    if (n.is_dc) ws_->dc = &n;
    if (!ws_->options.cluster_name.empty()) n.attrs["#cluster-name"] = ws_->options.cluster_name;
    n.standby = IsTrue(Get(n.attrs, "standby", "false"));
    n.maintenance = IsTrue(Get(n.attrs, "maintenance", "false"));
  }
}

void Unpacker::FenceNode(Node* node, const std::string& reason) {
  if (!node->unclean || node->fence_reason.empty()) {
    if (node->fence_reason.empty()) node->fence_reason = reason;
  }
  node->unclean = true;
}

void Unpacker::DetermineOnline(Node* node, const cib::NodeState& ns) {
  node->unseen = false;
  node->unclean = false;
  std::string in_ccm = Get(ns.attrs, "in_ccm");
  std::string crmd = Get(ns.attrs, "crmd");
  std::string join = Get(ns.attrs, "join");
  std::string expected = Get(ns.attrs, "expected");
  std::string shutdown = Get(node->attrs, "shutdown");
  node->shutdown = !shutdown.empty() && shutdown != "0";
  node->expected_up = !node->shutdown && expected == "member";
  std::string terminate = Get(node->attrs, "terminate");
  bool do_terminate = IsTrue(terminate) ||
                      (!terminate.empty() && terminate[0] != '0' && std::isdigit(static_cast<unsigned char>(terminate[0])));
  bool in_cluster = IsTrue(in_ccm);
  bool crmd_online = absl::EqualsIgnoreCase(crmd, "online");
  bool online = false;
  if (node->type == "ping") {
    online = false;
  } else if (!ws_->options.stonith_enabled) {
    if (!in_cluster) {
      online = false;
    } else if (crmd_online) {
      online = join == "member";
    } else if (!node->expected_up) {
      online = false;
    } else {
      FenceNode(node, "peer is unexpectedly down");
    }
  } else {
    online = in_cluster;
    if (expected.empty()) expected = "down";
    if (node->shutdown) {
      online = crmd_online;
    } else if (!ns.attrs.count("in_ccm")) {
      FenceNode(node, "peer has not been seen by the cluster");
    } else if (join == "nack") {
      FenceNode(node, "peer failed Pacemaker membership criteria");
    } else if (!do_terminate && expected == "down") {
      if (in_cluster || crmd_online) {
        node->standby = true;
        node->pending = true;
      }
    } else if (do_terminate && join == "down" && !in_cluster && !crmd_online) {
      online = false;  // just shot
    } else if (!in_cluster) {
      FenceNode(node, "peer is no longer part of the cluster");
    } else if (!crmd_online) {
      FenceNode(node, "peer process is no longer available");
    } else if (do_terminate) {
      FenceNode(node, "termination was requested");
    } else if (join == "member") {
      // active
    } else if (join == "pending" || join == "down") {
      node->standby = true;
      node->pending = true;
    } else {
      FenceNode(node, "peer was in an unknown state");
    }
  }
  node->online = online;
}

void Unpacker::NodeStates() {
  for (const auto& ns : cib_.status) {
    Node* node = ws_->FindNodeById(ns.id);
    if (node == nullptr) {
      std::string uname = Get(ns.attrs, "uname");
      node = ws_->FindNode(uname);
    }
    if (node == nullptr) continue;
    DetermineOnline(node, ns);
  }
  // Node health: with a strategy, #health-* attributes add to the node's score.
  NodeHealthStrategy strategy = ws_->options.node_health_strategy;
  if (strategy != NodeHealthStrategy::kNone) {
    for (auto& n : ws_->nodes) {
      int sum = 0;
      for (const auto& [k, v] : n.attrs) {
        if (!absl::StartsWith(k, "#health")) continue;
        std::string lv = absl::AsciiStrToLower(v);
        int s = 0;
        if (lv == "red") s = ws_->options.node_health_red;
        else if (lv == "yellow") s = ws_->options.node_health_yellow;
        else if (lv == "green") s = ws_->options.node_health_green;
        else s = ScoreOrZero(v);
        if (strategy == NodeHealthStrategy::kMigrateOnRed) s = s <= -kInfinity || lv == "red" ? -kInfinity : 0;
        else if (strategy == NodeHealthStrategy::kOnlyGreen) s = (lv == "green" || s >= 0) && lv != "yellow" && lv != "red" ? 0 : -kInfinity;
        sum = AddScores(sum, s);
      }
      n.weight = AddScores(n.weight, sum);
    }
  }
}

void Unpacker::ApplyMeta(Resource* r, const cib::Resource& def) {
  RuleContext ctx;
  ctx.now = ws_->now;
  ctx.rsc_class = r->cls;
  ctx.rsc_provider = r->provider;
  ctx.rsc_type = r->type;
  std::map<std::string, std::string> meta;
  UnpackNvSets(def.meta, ctx, &meta);
  if (!def.template_id.empty()) {
    if (const cib::Resource* t = FindTemplate(cib_, def.template_id)) UnpackNvSets(t->meta, ctx, &meta);
  }
  if (r->parent) {
    for (const auto& [k, v] : r->parent->meta) meta.emplace(k, v);
  }
  UnpackNvSets(cib_.configuration.rsc_defaults, ctx, &meta);
  r->meta = meta;
  std::map<std::string, std::string> params;
  UnpackNvSets(def.instance, ctx, &params);
  if (!def.template_id.empty()) {
    if (const cib::Resource* t = FindTemplate(cib_, def.template_id)) UnpackNvSets(t->instance, ctx, &params);
  }
  r->params = params;

  auto m = [&](const char* k) { return Get(r->meta, k); };
  r->priority = ScoreOrZero(m("priority"));
  std::string stick = m("resource-stickiness");
  if (stick.empty()) stick = m("default-resource-stickiness");
  r->stickiness = ScoreOrZero(stick);
  std::string mt = m("migration-threshold");
  r->migration_threshold = mt.empty() ? kInfinity : ScoreOrZero(mt);
  if (r->migration_threshold < 0) r->migration_threshold = 0;
  if (auto ft = ParseIntervalMs(m("failure-timeout"))) r->failure_timeout_ms = *ft;
  std::string managed = m("is-managed");
  r->managed = managed.empty() || IsTrue(managed);
  if (ws_->options.maintenance_mode || IsTrue(m("maintenance"))) {
    r->managed = false;
    r->maintenance = true;
  }
  std::string tr = m("target-role");
  if (!tr.empty() && absl::AsciiStrToLower(tr) != "default") {
    Role role = ParseRole(tr);
    if (role != Role::kUnknown) r->target_role = role;
  }
  r->requires_ = m("requires");
}

Resource* Unpacker::BuildResource(const cib::Resource& def, Resource* parent, const std::string& suffix) {
  Resource* r = ws_->NewResource();
  r->def = &def;
  r->base_id = def.id;
  r->id = def.id + suffix;
  r->parent = parent;
  r->order = order_++;
  r->cls = def.cls;
  r->provider = def.provider;
  r->type = def.type;
  if (!def.template_id.empty()) {
    if (const cib::Resource* t = FindTemplate(cib_, def.template_id)) {
      r->cls = t->cls;
      r->provider = t->provider;
      r->type = t->type;
    }
  }
  switch (def.kind) {
    case cib::Resource::Kind::kGroup: r->kind = Resource::Kind::kGroup; break;
    case cib::Resource::Kind::kClone: r->kind = Resource::Kind::kClone; break;
    default: r->kind = Resource::Kind::kPrimitive; break;
  }
  ApplyMeta(r, def);
  if (r->IsPrimitive()) {
    r->is_fencing_device = r->cls == "stonith";
    if (r->is_fencing_device) ws_->have_stonith_resource = true;
    if (!def.template_id.empty()) {
      if (const cib::Resource* t = FindTemplate(cib_, def.template_id)) {
        for (const auto& op : t->ops) r->ops.push_back(&op);
      }
    }
    for (const auto& op : def.ops) r->ops.push_back(&op);
    if (r->requires_.empty()) {
      r->requires_ = r->is_fencing_device ? "quorum"
                     : ws_->options.stonith_enabled ? "fencing" : "quorum";
    }
  } else if (r->IsGroup()) {
    r->ordered = IsTrue(Get(r->meta, "ordered", "true"));
    r->collocated = IsTrue(Get(r->meta, "collocated", "true"));
    for (const auto& c : def.children) r->children.push_back(BuildResource(c, r, suffix));
  } else {
    auto m = [&](const char* k, const char* legacy) {
      std::string v = Get(r->meta, k);
      return v.empty() && legacy ? Get(r->meta, legacy) : v;
    };
    r->promotable = def.master_element || IsTrue(m("promotable", nullptr));
    r->unique = IsTrue(m("globally-unique", nullptr));
    r->interleave = IsTrue(m("interleave", nullptr));
    r->notify = IsTrue(m("notify", nullptr));
    r->ordered = IsTrue(Get(r->meta, "ordered", "false"));
    int nodes = static_cast<int>(ws_->nodes.size());
    r->clone_max = ParseIntOr(m("clone-max", nullptr), nodes);
    r->clone_node_max = ParseIntOr(m("clone-node-max", nullptr), 1);
    r->promoted_max = ParseIntOr(m("promoted-max", "master-max"), 1);
    r->promoted_node_max = ParseIntOr(m("promoted-node-max", "master-node-max"), 1);
    if (r->clone_max < 0) r->clone_max = 0;
    // Clones are sticky by default, and their instances inherit it.
    if (Get(r->meta, "resource-stickiness").empty()) {
      r->meta["resource-stickiness"] = "1";
      r->stickiness = 1;
    }
    if (!def.children.empty()) {
      for (int i = 0; i < r->clone_max; ++i) {
        Resource* inst = BuildResource(def.children[0], r, absl::StrCat(suffix, ":", i));
        inst->instance_number = i;
        r->children.push_back(inst);
      }
    }
  }
  return r;
}

void Unpacker::Resources() {
  for (const auto& def : cib_.configuration.resources) {
    if (def.kind == cib::Resource::Kind::kTemplate || def.kind == cib::Resource::Kind::kBundle) continue;
    ws_->resources.push_back(BuildResource(def, nullptr, ""));
  }
  std::stable_sort(ws_->resources.begin(), ws_->resources.end(),
                   [](const Resource* a, const Resource* b) { return a->priority > b->priority; });
}


void CollectLocations(Resource* r, std::vector<Node*>* out) {
  if (r->IsPrimitive()) {
    for (Node* n : r->running_on) {
      if (std::find(out->begin(), out->end(), n) == out->end()) out->push_back(n);
    }
    return;
  }
  for (Resource* c : r->children) CollectLocations(c, out);
}



Resource* FindPrimitive(Resource* r, const std::string& base_id) {
  if (r->IsPrimitive()) return r->base_id == base_id ? r : nullptr;
  for (Resource* c : r->children) {
    if (Resource* p = FindPrimitive(c, base_id)) return p;
  }
  return nullptr;
}

Resource* Unpacker::FindForHistory(Node* node, const std::string& id) {
  std::string base = id;
  std::string suffix;
  if (auto colon = id.rfind(':'); colon != std::string::npos) {
    base = id.substr(0, colon);
    suffix = id.substr(colon);
  }
  // A resource outside any clone, by its exact id.
  Resource* exact = ws_->FindResource(id);
  if (exact && exact->IsPrimitive()) {
    Resource* clone = exact->parent;
    while (clone && !clone->IsClone()) clone = clone->parent;
    if (clone == nullptr || clone->unique) return exact;
  }
  Resource* any = ws_->FindResource(base);
  if (any == nullptr || any->orphan) any = ws_->FindResource(base + ":0");  // clone_zero()
  if (any == nullptr) return nullptr;
  Resource* clone = any;
  while (clone && !clone->IsClone()) clone = clone->parent;
  if (clone == nullptr) return nullptr;
  if (clone->unique) return nullptr;  // unique instance beyond clone-max: orphan
  // Anonymous clone (find_anonymous_clone): instance numbers in the history
  // are ignored. An instance active only here takes the entry, unless that
  // member already has one here; otherwise the first inactive instance.
  Resource* found = nullptr;
  Resource* inactive = nullptr;
  bool skip_inactive = false;
  for (Resource* inst : clone->children) {
    std::vector<Node*> locations;
    CollectLocations(inst, &locations);
    if (!locations.empty()) {
      if (locations.size() == 1 && locations[0] == node) {
        Resource* p = FindPrimitive(inst, base);
        if (p && !p->running_on.empty()) {
          skip_inactive = true;
          continue;
        }
        if (p) {
          found = p;
          break;
        }
      }
    } else if (inactive == nullptr && !inst->blocked) {
      inactive = FindPrimitive(inst, base);
    }
  }
  if (found == nullptr && !skip_inactive) found = inactive;
  return found;
}

// History of an anonymous clone with no instance left for it: an extra,
// orphaned instance beyond clone-max (create_anonymous_orphan).
Resource* Unpacker::MakeOrphanInstance(const std::string& id) {
  std::string base = id;
  if (auto colon = id.rfind(':'); colon != std::string::npos) base = id.substr(0, colon);
  Resource* member = ws_->FindResource(base + ":0");
  if (member == nullptr) return nullptr;
  Resource* clone = member->parent;
  while (clone && !clone->IsClone()) clone = clone->parent;
  if (clone == nullptr || clone->unique || clone->def == nullptr || clone->def->children.empty()) return nullptr;
  int number = static_cast<int>(clone->children.size());
  Resource* inst = BuildResource(clone->def->children[0], clone, absl::StrCat(":", number));
  inst->instance_number = number;
  ForEachResource({inst}, [](Resource* r) { r->orphan = true; });
  clone->children.push_back(inst);
  return FindPrimitive(inst, base);
}

Resource* Unpacker::MakeOrphan(const cib::ResourceHistory& h) {
  Resource* r = ws_->FindResource(h.id);
  if (r && r->orphan) return r;
  r = ws_->NewResource();
  r->id = h.id;
  r->base_id = h.id;
  r->orphan = true;
  r->order = order_++;
  r->cls = Get(h.attrs, "class");
  r->provider = Get(h.attrs, "provider");
  r->type = Get(h.attrs, "type");
  r->is_fencing_device = r->cls == "stonith";
  RuleContext ctx;
  ctx.now = ws_->now;
  UnpackNvSets(cib_.configuration.rsc_defaults, ctx, &r->meta);
  r->managed = !ws_->options.maintenance_mode;
  std::string managed = Get(r->meta, "is-managed");
  if (!managed.empty() && !IsTrue(managed)) r->managed = false;
  r->requires_ = ws_->options.stonith_enabled ? "fencing" : "quorum";
  ws_->resources.push_back(r);
  return r;
}

bool InPromotableClone(const Resource* r) {
  for (const Resource* p = r->parent; p; p = p->parent) {
    if (p->IsClone()) return p->promotable;
  }
  return false;
}

OpEntry ToEntry(const cib::OpRecord& rec) {
  OpEntry e;
  e.id = rec.id;
  e.record = &rec;
  e.task = Get(rec.attrs, "operation");
  e.interval_ms = std::atoll(Get(rec.attrs, "interval", "0").c_str());  // recorded in milliseconds
  e.call_id = std::atoi(Get(rec.attrs, "call-id", "0").c_str());
  e.rc = std::atoi(Get(rec.attrs, "rc-code", "0").c_str());
  e.status = std::atoi(Get(rec.attrs, "op-status", "0").c_str());
  e.last_rc_change = std::atoll(Get(rec.attrs, "last-rc-change", Get(rec.attrs, "last-run", "0")).c_str());
  e.op_digest = Get(rec.attrs, "op-digest");
  e.restart_digest = Get(rec.attrs, "op-restart-digest");
  e.migrate_source = Get(rec.attrs, "migrate_source");
  e.migrate_target = Get(rec.attrs, "migrate_target");
  e.exit_reason = Get(rec.attrs, "exit-reason");
  // transition-key: "action:transition:target_rc:uuid"
  std::string key = Get(rec.attrs, "transition-key");
  std::vector<std::string> parts = absl::StrSplit(key, ':');
  e.target_rc = parts.size() >= 3 ? std::atoi(parts[2].c_str()) : 0;
  if (parts.size() < 3) {
    std::string magic = Get(rec.attrs, "transition-magic");
    std::vector<std::string> mp = absl::StrSplit(magic, ':');
    if (mp.size() >= 5) e.target_rc = std::atoi(mp[4].c_str());
  }
  return e;
}

// The configured on-fail of the operation `task`/`interval`, or the default.
std::string OnFailFor(const WorkingSet& ws, const Resource* rsc, const std::string& task, long long interval) {
  for (const cib::Operation* op : rsc->ops) {
    if (op->name != task) continue;
    if (ParseIntervalMs(op->interval).value_or(-1) != interval) continue;
    std::string v = Get(op->attrs, "on-fail");
    if (!v.empty()) return absl::AsciiStrToLower(v);
  }
  // op_defaults may carry on-fail too.
  std::map<std::string, std::string> defaults;
  RuleContext ctx;
  ctx.now = ws.now;
  ctx.op_name = task;
  ctx.op_interval_ms = interval;
  UnpackNvSets(ws.cib().configuration.op_defaults, ctx, &defaults);
  if (auto v = Get(defaults, "on-fail"); !v.empty()) return absl::AsciiStrToLower(v);
  if (task == "stop") return ws.options.stonith_enabled ? "fence" : "block";
  return "restart";
}

int OnFailRank(const std::string& f) {
  // Pacemaker's action_fail_* order: ignore < demote < recover < migrate <
  // block < stop < standby < fence.
  if (f == "ignore") return 0;
  if (f == "demote") return 1;
  if (f == "restart") return 2;
  if (f == "migrate") return 3;
  if (f == "block") return 4;
  if (f == "stop") return 5;
  if (f == "standby") return 6;
  if (f == "fence") return 7;
  return 2;
}

void Unpacker::ProcessOps(Resource* rsc, NodeHistory* nh) {
  std::stable_sort(nh->ops.begin(), nh->ops.end(), [](const OpEntry& a, const OpEntry& b) {
    // Pending ops (call-id -1) sort last.
    int ca = a.call_id < 0 ? INT32_MAX : a.call_id;
    int cb = b.call_id < 0 ? INT32_MAX : b.call_id;
    if (ca != cb) return ca < cb;
    // The same call recorded twice (_last_0 and _last_failure_0): older first.
    return a.last_rc_change < b.last_rc_change;
  });
  Role role = Role::kUnknown;
  std::string on_fail = "ignore";
  const OpEntry* last_failure = nullptr;
  for (const OpEntry& op : nh->ops) {
    const std::string& task = op.task;
    bool probe = task == "monitor" && op.interval_ms == 0;
    if (op.status == 1 /* cancelled */) continue;
    if (task == "notify" || task == "meta-data" || task == "validate-all") continue;
    if (op.status == -1) {  // pending
      nh->pending = true;
      if (task == "start" || task == "migrate_to" || task == "migrate_from") role = Role::kStarted;
      else if (task == "promote") role = Role::kPromoted;
      continue;
    }
    nh->known = true;
    // remap_operation(): a result is judged against the expected rc.
    int rc = op.rc;
    if (task == "monitor" && rc == 190) rc = 0;  // degraded counts as running
    if (task == "monitor" && rc == 191) rc = 8;
    bool masked = probe && (rc == 5 || rc == 2 || op.status == 7);
    int status = op.status;
    if (masked) {
      // A probe that finds the agent missing or misconfigured: not running
      // there, and never to run there.
      nh->banned = true;
      role = Role::kStopped;
      continue;
    }
    bool done = false;
    if (status == 0 || status == 4) {
      done = rc == op.target_rc;
      if (rc == 0 && probe && op.target_rc == 7) done = true;  // probe found it active
      if (rc == 7 && (probe || rc == op.target_rc || !rsc->managed)) {
        role = Role::kStopped;
        on_fail = "ignore";
        continue;
      }
      if (rc == 8) {
        role = Role::kPromoted;
        if (probe) done = true;
      }
      if (rc == 9 || rc == 191) {
        role = Role::kPromoted;
        done = false;
      }
      if (rc == 6) nh->fatal = true;
      if (rc == 5 || rc == 2 || rc == 4 || (rc == 3 && op.interval_ms == 0)) nh->banned = true;
      if (done && rc != 0 && rc != 7 && rc != 8) done = false;
    }
    // Expired failures (failure-timeout) are ignored.
    if (!done && rsc->failure_timeout_ms > 0 && op.last_rc_change > 0 &&
        op.last_rc_change + rsc->failure_timeout_ms / 1000 <= ws_->now) {
      continue;
    }
    if (done) {
      bool clear = false;
      if (rc == 7) {
        clear = true;
      } else if (task == "start" || task == "migrate_from") {
        role = Role::kStarted;
        clear = true;
      } else if (task == "stop") {
        role = Role::kStopped;
        clear = true;
      } else if (task == "promote") {
        role = Role::kPromoted;
        clear = true;
      } else if (task == "demote") {
        role = Role::kUnpromoted;
        clear = on_fail == "demote";
      } else if (task == "migrate_to") {
        role = Role::kStopped;  // the source is stopped once migrated
      } else if (task == "monitor") {
        // A later success of the very operation that failed clears it.
        if (last_failure && last_failure->task == op.task && last_failure->interval_ms == op.interval_ms) clear = true;
        if (role < Role::kStarted) role = Role::kStarted;
      } else if (role < Role::kStarted) {
        role = Role::kStarted;
      }
      if (clear && (on_fail == "ignore" || on_fail == "block" || on_fail == "demote" || on_fail == "restart")) {
        on_fail = "ignore";
      }
      continue;
    }
    // A failure.
    last_failure = &op;
    std::string f = OnFailFor(*ws_, rsc, task, op.interval_ms);
    if (rsc->is_fencing_device && f == "fence") f = "restart";
    if (OnFailRank(f) > OnFailRank(on_fail)) on_fail = f;
    if (task == "stop") nh->stop_failed = true;
    if (task == "promote") {
      role = Role::kPromoted;
    } else if (task == "demote") {
      role = f == "block" ? Role::kPromoted : (op.rc == 7 ? Role::kStopped : Role::kUnpromoted);
    } else if (op.rc == 9 && task == "monitor") {
      role = Role::kPromoted;
    }
    if (role < Role::kStarted) role = Role::kStarted;
  }
  if (role == Role::kUnknown) role = Role::kStopped;
  if (role == Role::kStarted && InPromotableClone(rsc)) role = Role::kUnpromoted;
  nh->role = role;
  nh->on_fail = on_fail;
  nh->failed = on_fail != "ignore" && role != Role::kStopped;
  // Recurring monitors still active: the last op of each interval, if it
  // comes after the last start/promote/demote.
  int last_state_change = 0;
  for (const OpEntry& op : nh->ops) {
    if (op.task == "start" || op.task == "promote" || op.task == "demote" || op.task == "migrate_from") {
      last_state_change = std::max(last_state_change, op.call_id);
    }
  }
  for (const OpEntry& op : nh->ops) {
    if (op.task == "monitor" && op.interval_ms > 0 && op.status != 1) nh->active_monitors[op.interval_ms] = &op;
  }
}

void Unpacker::History(Node* node, const cib::ResourceHistory& h) {
  Resource* rsc = FindForHistory(node, h.id);
  if (rsc == nullptr) rsc = MakeOrphanInstance(h.id);
  if (rsc == nullptr) rsc = MakeOrphan(h);
  NodeHistory nh;
  nh.node = node;
  nh.history_id = h.id;
  for (const auto& rec : h.ops) nh.ops.push_back(ToEntry(rec));
  ProcessOps(rsc, &nh);
  rsc->history.push_back(std::move(nh));
  ws_->history_order.emplace_back(rsc, node);
  NodeHistory& stored = rsc->history.back();
  if (stored.stop_failed || stored.banned) {
    // Hard errors ban the anonymous clone as a whole from the node.
    rsc->banned.insert(node);
  }
  if (stored.fatal) {
    for (auto& n : ws_->nodes) rsc->banned.insert(&n);
  }
  if (stored.role > Role::kStopped && !node->online && !node->maintenance && rsc->managed &&
      ws_->options.stonith_enabled) {
    FenceNode(node, absl::StrCat(rsc->id, " is thought to be active there"));
  }
  // On an unclean node, fencing takes care of the failure.
  std::string on_fail = node->unclean ? "ignore" : stored.on_fail;
  if (stored.role > Role::kStopped) {
    rsc->running_on.push_back(node);
    if (stored.role > rsc->role) rsc->role = stored.role;
    if (stored.failed && on_fail != "ignore") {
      if (on_fail == "block") {
        rsc->blocked = true;
        rsc->managed = false;
        rsc->failed = true;
      } else if (on_fail == "fence") {
        FenceNode(node, absl::StrCat(rsc->id, " failed there"));
        rsc->failed = true;
      } else if (on_fail == "standby") {
        node->standby = true;
        node->standby_onfail = true;
        rsc->failed = true;
      } else if (on_fail == "stop") {
        rsc->failed = true;
        rsc->target_role = Role::kStopped;
      } else if (on_fail == "migrate") {
        rsc->banned.insert(node);
        rsc->failed = true;
      } else if (on_fail == "demote") {
        rsc->failed = true;
      } else {
        rsc->failed = true;
      }
    }
  } else if (stored.failed && on_fail == "migrate") {
    rsc->banned.insert(node);
  }
}

void Unpacker::Histories() {
  // In status order (unpack_node_history). Without fencing, what an offline
  // node ran is assumed stopped, so its history is not read at all.
  for (const auto& ns : cib_.status) {
    Node* node = ws_->FindNodeById(ns.id);
    if (node == nullptr) continue;
    if (!node->online && !ws_->options.stonith_enabled) continue;
    for (const auto& h : ns.resources) History(node, h);
  }
}

// Fail counts per (primitive, node) from fail-count-* node attributes.
void Unpacker::FailCounts() {
  ForEachResource(ws_->resources, [&](Resource* r) {
    if (!r->IsPrimitive()) return;
    bool anonymous = false;
    for (Resource* p = r->parent; p; p = p->parent) {
      if (p->IsClone() && !p->unique) anonymous = true;
    }
    std::string name = anonymous ? r->base_id : r->id;
    for (auto& node : ws_->nodes) {
      int count = 0;
      long long last = 0;
      for (const auto& [k, v] : node.attrs) {
        std::string rest;
        if (absl::StartsWith(k, "fail-count-")) {
          rest = k.substr(strlen("fail-count-"));
          if (rest == name || absl::StartsWith(rest, name + "#")) count = AddScores(count, ScoreOrZero(v));
        } else if (absl::StartsWith(k, "last-failure-")) {
          rest = k.substr(strlen("last-failure-"));
          if (rest == name || absl::StartsWith(rest, name + "#")) last = std::max(last, std::atoll(v.c_str()));
        }
      }
      if (count == 0) continue;
      if (r->failure_timeout_ms > 0 && last > 0 && last + r->failure_timeout_ms / 1000 <= ws_->now) {
        continue;  // expired
      }
      NodeHistory* h = r->HistoryOn(&node);
      if (h == nullptr) {
        NodeHistory nh;
        nh.node = &node;
        nh.history_id = name;
        r->history.push_back(nh);
        h = &r->history.back();
      }
      h->fail_count = count;
      h->last_failure = last;
    }
  });
}

void Unpacker::Finish(Resource* r) {
  for (Resource* c : r->children) Finish(c);
  if (r->IsPrimitive()) {
    if (r->running_on.size() > 1) r->multiply_active = true;
    return;
  }
  // Aggregate: a collective's role is its highest child role.
  r->role = Role::kStopped;
  r->running_on.clear();
  for (Resource* c : r->children) {
    if (c->role > r->role) r->role = c->role;
    for (Node* n : c->running_on) {
      if (std::find(r->running_on.begin(), r->running_on.end(), n) == r->running_on.end()) {
        r->running_on.push_back(n);
      }
    }
    r->failed = r->failed || c->failed;
  }
}

absl::Status Unpacker::Run(long long now) {
  Options(now);
  Nodes();
  NodeStates();
  Resources();
  Histories();
  FailCounts();
  for (Resource* r : ws_->resources) Finish(r);
  return absl::OkStatus();
}

}  // namespace

absl::Status Unpack(WorkingSet* ws, long long now) {
  Unpacker u(ws);
  return u.Run(now);
}

}  // namespace baton::scheduler
