// The Node (node.h): membership and election, replication, the controller
// and the executor of one node, and the decisions that join them.
#include "crmd/node/node.h"

#include <algorithm>
#include <sstream>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/membership/election.h"
#include "crmd/node/node_internal.h"
#include "crmd/scheduler/score.h"
#include "crmd/service/peer_messages.h"
#include "lib/cib/cib_xml.h"
#include "lib/control/control.h"

namespace baton::node {

// The quorum { } section and the nodelist's votes, as votequorum reads them.
quorum::Config internal::QuorumConfig(const config::ClusterConfig& c) {
  quorum::Config qc;
  for (const auto& n : c.nodes) qc.nodes.push_back({n.nodeid, n.votes});
  qc.expected_votes = c.expected_votes;
  qc.two_node = c.two_node;
  qc.wait_for_all = c.wait_for_all;
  qc.last_man_standing = c.last_man_standing;
  qc.last_man_standing_window_ms = c.last_man_standing_window_ms;
  qc.auto_tie_breaker = c.auto_tie_breaker;
  return qc;
}

namespace {

using executor::ExecStatus;
using service::FromProto;
using service::ToProto;
using executor::OcfRc;

// OpResult.action of an operation that started and has no result yet.
constexpr int kPendingAction = -2;
// OpResultRecord.op_status of an operation in flight (Pacemaker's PCMK_EXEC_PENDING).
constexpr int kOpPending = -1;

constexpr uint64_t kShutdownWaitMs = 30000;  // the handover of a clean leave


std::vector<Device> WantedDevices(const cib::Cib& c) {
  std::vector<Device> want;
  for (const auto& r : c.configuration.resources) {
    if (r.kind != cib::Resource::Kind::kPrimitive || r.cls != "stonith") continue;
    Device d{r.id, r.type, {}};
    for (const auto& set : r.instance) {
      for (const auto& p : set.pairs) d.params[p.name] = p.value.value_or("");
    }
    want.push_back(std::move(d));
  }
  return want;
}

}  // namespace

Node::Node(NodeOptions options, cib::CibStore* cib_store, Storage* storage, process::ProcessRunner* runner)
    : options_(std::move(options)), cib_store_(cib_store), storage_(storage), runner_(runner) {}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeOptions options, cib::CibStore* cib_store, Storage* storage,
                                                   process::ProcessRunner* runner, uint64_t now_ms, int64_t wall_s) {
  std::unique_ptr<Node> n(new Node(std::move(options), cib_store, storage, runner));
  if (auto st = n->Init(now_ms, wall_s); !st.ok()) return st;
  return n;
}

absl::Status Node::Init(uint64_t now_ms, int64_t wall_s) {
  const auto& cfg = options_.config;
  wall_s_ = wall_s;
  self_name_ = Name(options_.self);
  if (self_name_ == std::to_string(options_.self)) {
    return absl::InvalidArgumentError(absl::StrCat("node id ", options_.self, " is not in the nodelist"));
  }
  if (auto st = attrs_.LoadPermanent(options_.permanent_attributes); !st.ok()) {
    return absl::DataLossError(absl::StrCat("stored attributes: ", st.message()));
  }
  requests_.emplace(&attrs_, [this](const std::string& text) { return storage_->SaveAttributes(text); });
  requests_->OnAttributeChange([this](const std::string& node, const std::string& name,
                                      const std::optional<std::string>& value, attrd::Lifetime lifetime) {
    SetAttribute(node, name, value, lifetime, /*applied_here=*/true);
  });
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& n : cfg.nodes) {
    node_ids_[n.name] = n.nodeid;
    ids.push_back({std::to_string(n.nodeid), n.name});
  }
  executor_ = std::make_unique<executor::Executor>(options_.executor, runner_);
  transition::ControllerOptions co = options_.controller;
  co.self = self_name_;
  co.nodes = ids;
  controller_ = std::make_unique<transition::Controller>(co, &attrs_, static_cast<int64_t>(now_ms));
  replica_ = std::make_unique<cib::CibReplica>(options_.self, cib_store_, options_.replica);
  if (auto st = replica_->Init(); !st.ok()) return st;
  RefreshConfigured();
  membership::Options mo;
  mo.self = options_.self;
  for (const auto& n : cfg.nodes) mo.nodes.push_back(n.nodeid);
  mo.links = static_cast<uint32_t>(cfg.nodes.front().ring_addrs.size());
  mo.token_ms = cfg.token_ms;
  mo.heartbeat_interval_ms = cfg.heartbeat_interval_ms;
  persisted_seq_ = options_.persisted_seq;
  membership_ = std::make_unique<membership::Membership>(mo, options_.incarnation, persisted_seq_, now_ms);
  auto q = quorum::Quorum::Create(internal::QuorumConfig(cfg), options_.self);
  if (!q.ok()) return q.status();
  quorum_ = std::make_unique<quorum::Quorum>(*std::move(q));
  seen_ = membership_->view();
  quorum_->OnMembership(seen_.members, now_ms);
  return absl::OkStatus();
}

std::string Node::Name(uint32_t id) const {
  for (const auto& n : options_.config.nodes) {
    if (n.nodeid == id) return n.name;
  }
  return std::to_string(id);
}

std::optional<uint32_t> Node::IdOf(const std::string& name) const {
  auto it = node_ids_.find(name);
  if (it == node_ids_.end()) return std::nullopt;
  return it->second;
}

std::set<std::string> Node::MemberNames() const {
  std::set<std::string> out;
  for (uint32_t m : membership_->view().members) out.insert(Name(m));
  return out;
}

uint64_t Node::dropped() const {
  const auto& c = membership_->counters();
  return dropped_ + c.stale + c.old_incarnation + c.unknown_sender + c.misaddressed;
}

Outputs Node::TakeOutputs() { return std::exchange(out_, Outputs{}); }

void Node::Fatal(const std::string& why) {
  if (!finished_.empty()) return;
  finished_ = why;
  failed_ = true;
  Log("ERROR: " + why + "; stopping");
}

// --- peers -------------------------------------------------------------------

void Node::SendPeerId(uint32_t to, const std::string& payload) {
  if (to == options_.self) return;
  out_.peers.push_back({to, payload});
}

void Node::SendPeer(const std::string& node, const crmd::PeerMessage& msg) {
  auto id = IdOf(node);
  if (id) SendPeerId(*id, msg.SerializeAsString());
}

void Node::Broadcast(const crmd::PeerMessage& msg) {
  std::string bytes = msg.SerializeAsString();
  for (uint32_t m : membership_->view().members) SendPeerId(m, bytes);
}

void Node::OnHeartbeat(const membership::Heartbeat& hb, const std::string& source, uint64_t now_ms) {
  const membership::Counters before = membership_->counters();
  auto life_before = membership_->PeerIncarnation(hb.sender);
  membership_->OnHeartbeat(hb, now_ms);
  auto life_after = membership_->PeerIncarnation(hb.sender);
  if (life_before && life_after && *life_after != *life_before) {
    // The sender started again, perhaps within a token, so no view showed
    // it gone: what its last life announced (a "shutdown", promotion
    // scores) and ran is void. This comes before any peer message of the
    // new life, which the transport accepts only from a known incarnation.
    std::string name = Name(hb.sender);
    attrs_.ClearTransient(name);
    controller_->OnNodeRestarted(name);
  }
  const membership::Counters& after = membership_->counters();
  std::string reason;
  if (after.stale != before.stale) reason = "replayed (old sequence number)";
  if (after.old_incarnation != before.old_incarnation) reason = "from an earlier life of the sender";
  if (after.misaddressed != before.misaddressed) reason = "addressed to another node (replayed)";
  if (after.unknown_sender != before.unknown_sender) reason = "not from a configured node";
  if (reason.empty()) return;
  if (auto line = refusals_.Note("heartbeat", source, reason, now_ms)) Log(*line);
}

void Node::OnBadHeartbeat(const std::string& source, const std::string& why, uint64_t now_ms) {
  ++dropped_;
  if (auto line = refusals_.Note("heartbeat", source, why, now_ms)) Log(*line);
}

crmd::PeerMessage Node::HistoryMessage() const {
  crmd::PeerMessage m;
  auto* h = m.mutable_history();
  for (const auto& r : own_.Records(self_name_)) ToProto(r, h->add_records());
  for (const auto& l : controller_->table().Lives()) {
    if (options_.unsafe_forget_lives) break;
    auto* p = h->add_lives();
    p->set_node(l.node);
    p->set_life(static_cast<int>(l.life));
    p->set_since(l.since);
  }
  return m;
}

void Node::OnPeerMessage(uint32_t from, const std::string& payload, uint64_t now_ms) {
  crmd::PeerMessage m;
  if (!m.ParseFromString(payload)) {
    ++dropped_;
    return;
  }
  std::string from_name = Name(from);
  switch (m.body_case()) {
    case crmd::PeerMessage::kRepl: {
      auto repl = service::DecodeRepl(payload, from);
      if (!repl.ok()) {
        ++dropped_;
        return;
      }
      replica_->OnMessage(*repl, static_cast<int64_t>(now_ms));
      PumpReplication(now_ms);
      return;
    }
    case crmd::PeerMessage::kOp:
      // Invariant 2: only the DC of our partition runs actions here.
      if (from_name != controller_->dc()) {
        ++dropped_;
        return;
      }
      RunLocal(m.op().graph(), FromProto(m.op(), self_name_), now_ms);
      return;
    case crmd::PeerMessage::kResult:
      if (m.result().node() != from_name) {  // a node reports its own results only
        ++dropped_;
        return;
      }
      if (m.result().action() == kPendingAction) {
        controller_->OnPending(FromProto(m.result()));
      } else {
        controller_->OnOpResult(m.result().graph(), m.result().action(), FromProto(m.result()));
      }
      return;
    case crmd::PeerMessage::kHistoryQuery:
      // To everyone: a node that just joined learns the others' state too.
      Broadcast(HistoryMessage());
      return;
    case crmd::PeerMessage::kHistory: {
      std::vector<transition::OpResultRecord> records;
      for (const auto& r : m.history().records()) {
        if (r.node() == from_name) records.push_back(FromProto(r));
      }
      std::vector<transition::StatusTable::KnownLife> lives;
      for (const auto& l : m.history().lives()) {
        if (l.life() < 0 || l.life() > static_cast<int>(transition::NodeLife::kDown) || !node_ids_.count(l.node())) {
          continue;
        }
        lives.push_back({l.node(), static_cast<transition::NodeLife>(l.life()), l.since()});
      }
      controller_->OnHistory(from_name, records, lives);
      // What this node knows for certain outweighs another member's view:
      // a life it knows was fenced stays fenced (invariant 6).
      for (const auto& l : lives) {
        auto dead = dead_incarnation_.find(l.node);
        auto id = IdOf(l.node);
        if (dead == dead_incarnation_.end() || !id || membership_->view().members.count(*id)) continue;
        auto life = membership_->PeerIncarnation(*id);
        if (life && *life <= dead->second && controller_->table().Life(l.node) == transition::NodeLife::kLost) {
          controller_->OnNodeFenced(l.node);
        }
      }
      return;
    }
    case crmd::PeerMessage::kReportRequest:
    case crmd::PeerMessage::kReport:
      out_.reports.push_back({from_name, std::move(m)});
      return;
    case crmd::PeerMessage::kCleanup:
      Cleanup(m.cleanup().rsc(), m.cleanup().node());
      return;
    case crmd::PeerMessage::kClusterConf:
      OnClusterConf(from, m.cluster_conf());
      return;
    case crmd::PeerMessage::kClusterConfAck: {
      auto it = conf_changes_.find(m.cluster_conf_ack().request_id());
      if (it == conf_changes_.end()) return;
      if (!m.cluster_conf_ack().error().empty()) {
        it->second.errors.push_back(absl::StrCat(from_name, ": ", m.cluster_conf_ack().error()));
      }
      it->second.waiting.erase(from);
      ExpireConfChanges(now_ms);
      return;
    }
    case crmd::PeerMessage::kFenced: {
      // An operator's confirmation (incarnation 0) is only for a node that
      // is not a member; a fencing names the life it ended.
      const std::string& node = m.fenced().node();
      if (!node_ids_.count(node) || (m.fenced().incarnation() == 0 && controller_->is_member(node))) {
        ++dropped_;
        return;
      }
      NoteFenced(node, m.fenced().incarnation(), /*tell_others=*/false);
      return;
    }
    case crmd::PeerMessage::kAttr:
      OnAttributeUpdate(from, m.attr());
      return;
    case crmd::PeerMessage::kFencing: {
      const auto& f = m.fencing();
      if (!node_ids_.count(f.node()) || f.timeout_ms() < 0 || f.timeout_ms() > 3700000) {
        ++dropped_;
        return;
      }
      if (f.done()) {
        operator_fences_.erase(f.node());
      } else if (!options_.unsafe_ignore_fenced_lives) {
        operator_fences_[f.node()] = {f.incarnation(), now_ms + static_cast<uint64_t>(f.timeout_ms())};
      }
      return;
    }
    case crmd::PeerMessage::kAttrSnapshot: {
      if (m.attr_snapshot().node() != from_name) {  // a node sends its own only
        ++dropped_;
        return;
      }
      std::map<std::string, std::string> values(m.attr_snapshot().values().begin(),
                                                m.attr_snapshot().values().end());
      if (!attrs_.ReplaceTransient(from_name, values).ok()) {
        ++dropped_;
        return;
      }
      controller_->OnAttributesChanged();
      return;
    }
    default:
      ++dropped_;
      return;
  }
}

// --- attributes ----------------------------------------------------------------

// Invariant 5. A permanent attribute: applied here and sent to every member.
// A transient one is written by its node: its own changes are applied and
// sent to every member; a change of another member's is applied here (so a
// reader here sees it at once) and asked of that member, which applies it
// and tells every member — so each node's transient attributes have one
// writer and one order, and its snapshot on a new ring (BroadcastOwnAttributes)
// never undoes a change it made.
void Node::SetAttribute(const std::string& node, const std::string& name, const std::optional<std::string>& value,
                        attrd::Lifetime lifetime, bool applied_here) {
  if (!applied_here) {
    if (value) (void)attrs_.Set(node, name, *value, lifetime);
    else (void)attrs_.Delete(node, name, lifetime);
  }
  controller_->OnAttributesChanged();
  if (options_.unsafe_drop_attribute_updates) return;
  crmd::PeerMessage m;
  auto* a = m.mutable_attr();
  a->set_node(node);
  a->set_name(name);
  a->set_value(value.value_or(""));
  a->set_remove(!value.has_value());
  a->set_forever(lifetime == attrd::Lifetime::kForever);
  if (lifetime == attrd::Lifetime::kForever || node == self_name_) {
    Broadcast(m);
    return;
  }
  // Another node's: only a member has transient attributes to write (a
  // node that is down gets a fresh set when it joins).
  auto id = IdOf(node);
  if (!id || !membership_->view().members.count(*id)) return;
  a->set_request(true);
  SendPeerId(*id, m.SerializeAsString());
}

void Node::OnAttributeUpdate(uint32_t from, const crmd::AttrUpdate& a) {
  auto lifetime = a.forever() ? attrd::Lifetime::kForever : attrd::Lifetime::kReboot;
  // A transient attribute comes from its own node, or is asked of it.
  if (!a.forever() && !(a.request() ? a.node() == self_name_ : a.node() == Name(from))) {
    ++dropped_;
    return;
  }
  absl::Status st = a.remove() ? attrs_.Delete(a.node(), a.name(), lifetime).status()
                               : attrs_.Set(a.node(), a.name(), a.value(), lifetime);
  if (!st.ok()) {
    ++dropped_;
    return;
  }
  if (lifetime == attrd::Lifetime::kForever) {
    if (auto saved = storage_->SaveAttributes(attrs_.SerializePermanent()); !saved.ok()) {
      Log(absl::StrCat("WARNING: attribute ", a.name(), " of ", a.node(), " not saved: ", saved.message()));
    }
  }
  controller_->OnAttributesChanged();
  if (a.request()) {
    // This node's own attribute, changed by another member: tell everyone.
    SetAttribute(a.node(), a.name(), a.remove() ? std::nullopt : std::optional<std::string>(a.value()),
                 attrd::Lifetime::kReboot, /*applied_here=*/true);
  }
}

void Node::BroadcastOwnAttributes() {
  if (options_.unsafe_drop_attribute_updates) return;
  crmd::PeerMessage m;
  auto* snap = m.mutable_attr_snapshot();
  snap->set_node(self_name_);
  auto it = attrs_.transient().find(self_name_);
  if (it != attrs_.transient().end()) snap->mutable_values()->insert(it->second.begin(), it->second.end());
  Broadcast(m);
}

// Fail counts the DC set: applied here, sent to every member, and the
// controller reschedules with them.
void Node::ApplyControllerAttributes() {
  for (const auto& a : controller_->TakeAttrs()) {
    SetAttribute(a.node, a.name, a.remove ? std::nullopt : std::optional<std::string>(a.value),
                 attrd::Lifetime::kReboot, /*applied_here=*/false);
  }
}

void Node::Cleanup(const std::string& rsc, const std::string& node) {
  if (node.empty() || node == self_name_) {
    (void)executor_->ForgetResource(rsc);
    own_.Forget(self_name_, rsc);
  }
  for (const auto& n : options_.config.nodes) {
    if (!node.empty() && n.name != node) continue;
    auto it = attrs_.transient().find(n.name);
    if (it == attrs_.transient().end()) continue;
    std::vector<std::string> names;
    for (const auto& [name, value] : it->second) {
      if (name.rfind("fail-count-" + rsc + "#", 0) == 0 || name.rfind("last-failure-" + rsc + "#", 0) == 0) {
        names.push_back(name);
      }
    }
    for (const auto& name : names) (void)attrs_.Delete(n.name, name, attrd::Lifetime::kReboot);
  }
  controller_->OnCleanup(rsc, node);
}

// --- fencing -----------------------------------------------------------------

// Invariant 6: the life `incarnation` of `node` (0: whichever it had, for a
// node that is not a member) is over.
void Node::NoteFenced(const std::string& node, uint64_t incarnation, bool tell_others) {
  auto id = IdOf(node);
  if (!id) return;
  if (options_.unsafe_ignore_fenced_lives) incarnation = 0;
  uint64_t& dead = dead_incarnation_[node];
  dead = std::max(dead, incarnation);
  operator_fences_.erase(node);  // its outcome is known
  bool member = membership_->view().members.count(*id) > 0;
  auto life = membership_->PeerIncarnation(*id);
  if (!member && (incarnation == 0 || !life || *life <= dead)) controller_->OnNodeFenced(node);
  // A member whose fenced life has not left the membership yet: its
  // departure will be a fenced one (PumpController).
  if (tell_others) {
    crmd::PeerMessage m;
    m.mutable_fenced()->set_node(node);
    m.mutable_fenced()->set_incarnation(incarnation);
    Broadcast(m);
  }
}

void Node::StartFence(const transition::FenceOut& f) {
  PendingFence p{f, std::nullopt};
  if (auto id = IdOf(f.target)) p.incarnation = membership_->PeerIncarnation(*id);
  uint64_t id = next_fence_id_++;
  const scheduler::ClusterOptions& opts = controller_->cluster_options();
  FenceOut out{id, f.target, f.action, opts.stonith_timeout_ms, 0};
  // Invariant 4: a two-node split: each side fences the other. Fencing of
  // the lower-id node waits (priority-fencing-delay when set, else 2 s), so
  // the lower-id node fences first and exactly one survives.
  if (options_.config.two_node && f.action != "on") {
    uint32_t lowest = options_.config.nodes.front().nodeid;
    for (const auto& n : options_.config.nodes) lowest = std::min(lowest, n.nodeid);
    if (IdOf(f.target) == lowest) {
      out.delay_ms = opts.priority_fencing_delay_ms > 0 ? opts.priority_fencing_delay_ms : 2000;
    }
  }
  Log(absl::StrCat("fencing ", f.target, " (", f.action, ")"));
  fences_[id] = std::move(p);
  if (options_.unsafe_skip_fencing) {
    // Mutation: report success without asking the fencer.
    OnFenceResult(id, true, "skipped (unsafe_skip_fencing)", 0);
    return;
  }
  out_.fences.push_back(std::move(out));
}

void Node::OnFenceResult(uint64_t id, bool ok, const std::string& detail, uint64_t now_ms) {
  (void)now_ms;
  auto it = fences_.find(id);
  if (it == fences_.end()) return;
  PendingFence p = std::move(it->second);
  fences_.erase(it);
  Log(absl::StrCat("fencing ", p.f.target, ": ", detail));
  controller_->OnFenceResult(p.f.graph, p.f.action_id, p.f.target, ok);
  if (ok && p.f.action != "on") {
    // The fencing ended every life of the target up to its completion: the
    // one it was asked for, and one that joined while it ran (a node that
    // restarted meanwhile). A life that began after the fencing completed
    // cannot have been heard yet: the result arrives milliseconds after
    // the power went off, a boot takes seconds.
    uint64_t life = p.incarnation.value_or(0);
    if (auto id = IdOf(p.f.target)) life = std::max(life, membership_->PeerIncarnation(*id).value_or(0));
    NoteFenced(p.f.target, life, /*tell_others=*/true);
  }
}

// --- the executor --------------------------------------------------------------

void Node::ReportResult(const transition::OpResultRecord& r, uint64_t graph, int action) {
  own_.Record(r);
  controller_->OnOpResult(graph, action, r);
  crmd::PeerMessage m;
  ToProto(r, m.mutable_result());
  m.mutable_result()->set_graph(graph);
  m.mutable_result()->set_action(action);
  Broadcast(m);
}

// A result of this node's for the operation; the executor fills in the rest.
transition::OpResultRecord Node::OwnRecord(const ExecCtx& ctx, const std::string& task) const {
  transition::OpResultRecord r;
  r.node = self_name_;
  r.rsc = ctx.rsc;
  r.rsc_class = ctx.cls;
  r.provider = ctx.provider;
  r.type = ctx.type;
  r.task = task;
  r.interval_ms = ctx.interval_ms;
  r.target_rc = ctx.target_rc;
  r.op_digest = ctx.op_digest;
  r.transition_key = absl::StrCat(ctx.action, ":", ctx.graph, ":", ctx.target_rc, ":baton");
  r.last_rc_change_s = r.last_run_s = wall_s_;
  return r;
}

void Node::RunLocal(uint64_t graph, const transition::GraphAction& a, uint64_t now_ms) {
  const ExecCtx ctx{graph, a.id, a.target_rc, a.op_digest, a.rsc_class, a.provider, a.type, a.rsc, a.interval_ms};
  transition::OpResultRecord r = OwnRecord(ctx, a.task);
  if (a.task == "cancel") {
    std::string op = a.meta.count("operation") ? a.meta.at("operation") : "monitor";
    (void)executor_->Cancel(a.rsc, op, a.interval_ms);
    ReportResult(r, graph, a.id);
    return;
  }
  if (a.rsc_class == "stonith") {
    // Invariant 4: devices run in the fencer; here they only have a role.
    bool up = devices_started_.count(a.rsc) > 0;
    if (a.task == "start") devices_started_.insert(a.rsc);
    if (a.task == "stop") devices_started_.erase(a.rsc);
    r.rc = static_cast<int>(OcfRc::kOk);
    if (a.task == "monitor" && !up && a.interval_ms == 0) r.rc = static_cast<int>(OcfRc::kNotRunning);
    r.call_id = static_cast<int>(++next_request_id_);
    ReportResult(r, graph, a.id);
    return;
  }
  if (a.rsc_class != "ocf") {
    r.rc = static_cast<int>(OcfRc::kUnimplemented);
    r.op_status = static_cast<int>(ExecStatus::kNotSupported);
    r.exit_reason = "baton runs ocf and stonith resources only";
    ReportResult(r, graph, a.id);
    return;
  }
  executor::OperationRequest req;
  req.rsc_id = a.rsc;
  req.provider = a.provider;
  req.type = a.type;
  req.action = a.task;
  req.interval_ms = a.interval_ms;
  req.timeout_ms = a.timeout_ms;
  req.params = a.params;
  req.meta = a.meta;
  // Invariant 3: recurring monitors end before anything changes the
  // resource's state here (start, stop, promote, demote, ...; not a probe or
  // a notification), as Pacemaker's controller ends them: a promoted-role
  // monitor must not run on across a demote. A new monitor replaces the old.
  const bool changes_state = a.interval_ms == 0 && a.task != "monitor" && a.task != "notify";
  if (changes_state || a.interval_ms > 0) {
    for (const auto& [call, ctx] : exec_ctx_) {
      if (ctx.rsc == a.rsc && ctx.interval_ms > 0 && (changes_state || ctx.interval_ms == a.interval_ms)) {
        (void)executor_->Cancel(a.rsc, "monitor", ctx.interval_ms);
      }
    }
  }
  auto call = executor_->Submit(req, static_cast<int64_t>(now_ms));
  if (!call.ok()) {
    r.rc = static_cast<int>(OcfRc::kError);
    r.op_status = static_cast<int>(ExecStatus::kError);
    r.exit_reason = std::string(call.status().message());
    ReportResult(r, graph, a.id);
    return;
  }
  exec_ctx_[*call] = ctx;
  if (a.interval_ms == 0 && a.task != "notify") {
    // Invariant 2: in flight, every node (and a DC that takes over
    // meanwhile) sees it pending until the result replaces it.
    r.call_id = *call;
    r.op_status = kOpPending;
    own_.Record(r);
    controller_->OnPending(r);
    crmd::PeerMessage m;
    ToProto(r, m.mutable_result());
    m.mutable_result()->set_graph(graph);
    m.mutable_result()->set_action(kPendingAction);
    Broadcast(m);
  }
}

void Node::PumpExecutor(uint64_t now_ms) {
  for (const auto& res : executor_->OnTick(static_cast<int64_t>(now_ms))) {
    auto it = exec_ctx_.find(res.call_id);
    if (it == exec_ctx_.end()) continue;
    ExecCtx& ctx = it->second;
    if (res.status == ExecStatus::kCancelled) {
      exec_ctx_.erase(it);
      continue;
    }
    transition::OpResultRecord r = OwnRecord(ctx, res.action);
    r.call_id = res.call_id;
    r.rc = res.rc;
    r.op_status = static_cast<int>(res.status);
    r.exit_reason = res.exit_reason;
    r.exec_ms = res.exec_time_ms();
    r.queue_ms = res.queue_time_ms();
    uint64_t graph = ctx.graph;
    int action = ctx.action;
    if (res.interval_ms > 0) {
      ctx.action = -1;  // later reports of this monitor are changes, not graph actions
    } else {
      exec_ctx_.erase(it);
    }
    ReportResult(r, graph, action);
  }
}

// --- membership, election, replication ----------------------------------------

void Node::FollowView(uint64_t now_ms) {
  if (membership_->view() == seen_) return;
  seen_ = membership_->view();
  quorum_->OnMembership(seen_.members, now_ms);
  std::vector<std::string> names;
  for (uint32_t m : seen_.members) names.push_back(Name(m));
  Log(absl::StrCat("view ", seen_.ring.representative, ".", seen_.ring.seq, ": [ ", absl::StrJoin(names, " "), " ] ",
                   quorum_->quorate() ? "quorate" : "NOT quorate"));
  // Every member says which nodelist it has; one with an older one adopts
  // the newer (a node that was away during a join catches up).
  Broadcast(ClusterConfMessage(0));
}

void Node::ElectAndFollow(uint64_t now_ms) {
  dc_ = membership::ElectDc(*membership_);
  bool may_write = quorum_->quorate();
  if (may_write && options_.config.two_node) {
    // Both halves of a two-node split are quorate; the fencing race decides
    // which survives. No change is committed until the peer is known down
    // (fenced, or left cleanly), so the survivor never loses one.
    for (const auto& n : options_.config.nodes) {
      if (!membership_->view().members.count(n.nodeid) &&
          controller_->table().Life(n.name) != transition::NodeLife::kDown) {
        may_write = false;
      }
    }
  }
  std::optional<uint32_t> writer = may_write || options_.unsafe_writer_without_quorum ? dc_ : std::nullopt;
  auto view = std::make_pair(membership_->view().members, writer);
  if (replica_view_ && *replica_view_ == view) return;
  replica_view_ = view;
  // The term: the ring sequence, then its representative, so two
  // partitions that chose the same sequence never share a term.
  const auto& ring = membership_->view().ring;
  uint64_t term = (ring.seq << 16) | (ring.representative & 0xffff);
  replica_->OnView(term, view.first, writer, static_cast<int64_t>(now_ms));
  PumpReplication(now_ms);
}

void Node::PumpReplication(uint64_t now_ms) {
  for (auto& o : replica_->TakeOutgoing()) SendPeerId(o.to, service::EncodeRepl(o.msg));
  if (!(replica_->current() == refreshed_from_)) RefreshConfigured();
  ReplyChanges(now_ms);
}

void Node::RefreshConfigured() {
  configured_ = cib::Cib{};
  const cib::StoredCib& cur = replica_->current();
  refreshed_from_ = cur;
  if (!cur.config.empty()) {
    auto parsed = cib::ParseCibXml(cur.config);
    if (parsed.ok()) {
      configured_ = *std::move(parsed);
    } else {
      Log(absl::StrCat("ERROR: the stored CIB ", cur.version.admin_epoch, ".", cur.version.epoch, ".",
                       cur.version.num_updates, " does not parse: ", parsed.status().message()));
    }
  }
  configured_.version = cur.version;
  controller_->OnConfig(configured_);
  auto want = WantedDevices(configured_);
  if (!devices_wanted_ || *devices_wanted_ != want) {
    devices_wanted_ = want;
    out_.devices = want;
  }
}

// --- the controller --------------------------------------------------------------

// Invariant 6: while an operator's fencing of a node runs and the life it
// ends has left, nothing is scheduled (recovery waits for that fencing
// instead of fencing again). Past its timeout the DC decides as usual.
void Node::HoldForOperatorFencing(uint64_t now_ms) {
  bool held = false;
  for (auto it = operator_fences_.begin(); it != operator_fences_.end();) {
    if (now_ms >= it->second.second) {
      Log(absl::StrCat("the operator's fencing of ", it->first, " did not report its outcome in time"));
      it = operator_fences_.erase(it);
      continue;
    }
    auto id = IdOf(it->first);
    auto life = id ? membership_->PeerIncarnation(*id) : std::nullopt;
    if (id && !membership_->view().members.count(*id) && (!life || *life <= it->second.first)) held = true;
    ++it;
  }
  controller_->SetHeld(held);
}

void Node::PumpController(uint64_t now_ms, int64_t wall_s) {
  std::set<std::string> members = MemberNames();
  std::string dc_name = dc_ ? Name(*dc_) : "";
  uint64_t ring_seq = membership_->view().ring.seq;
  auto view = std::make_tuple(members, dc_name, ring_seq, quorum_->quorate());
  if (!controller_view_ || *controller_view_ != view) {
    std::set<std::string> before = controller_view_ ? std::get<0>(*controller_view_) : std::set<std::string>{};
    // A new ring with the same members may mean a node restarted in
    // between: everyone re-announces its attributes (invariant 5).
    bool joined = !controller_view_ || std::get<2>(*controller_view_) != ring_seq;
    for (const auto& m : members) joined = joined || !before.count(m);
    controller_view_ = view;
    controller_->OnView(members, dc_name, quorum_->quorate(), ring_seq, static_cast<int64_t>(now_ms));
    for (const auto& gone : before) {
      if (members.count(gone)) continue;
      // Invariant 6: the life that left was fenced already.
      auto dead = dead_incarnation_.find(gone);
      auto id = IdOf(gone);
      auto life = id ? membership_->PeerIncarnation(*id) : std::nullopt;
      if (dead != dead_incarnation_.end() && life && *life <= dead->second) controller_->OnNodeFenced(gone);
      // Its transient attributes go with it (after the controller saw
      // whether it was shutting down cleanly).
      attrs_.ClearTransient(gone);
    }
    if (controller_->is_dc()) controller_->OnHistory(self_name_, own_.Records(self_name_));
    if (joined) BroadcastOwnAttributes();
  }
  ApplyControllerAttributes();  // fail counts first: the schedule must see them
  HoldForOperatorFencing(now_ms);
  controller_->OnTick(static_cast<int64_t>(now_ms), wall_s);
  if (controller_->TakeHistoryQuery()) {
    crmd::PeerMessage q;
    q.mutable_history_query();
    Broadcast(q);
    // The DC's own history too, for the nodes that just joined.
    Broadcast(HistoryMessage());
  }
  for (const auto& e : controller_->TakeExec()) {
    if (e.node == self_name_) {
      RunLocal(e.graph, e.action, now_ms);
      continue;
    }
    crmd::PeerMessage m;
    ToProto(e.graph, e.action, m.mutable_op());
    SendPeer(e.node, m);
  }
  for (const auto& f : controller_->TakeFence()) StartFence(f);
  ApplyControllerAttributes();
  (void)controller_->TakeFencedBroadcast();  // NoteFenced tells the others, with the life it ended
  for (auto& line : controller_->TakeLog()) Log(std::move(line));
}

// --- time ------------------------------------------------------------------------

void Node::BeginShutdown(uint64_t now_ms, int64_t wall_s) {
  if (shutdown_since_ != 0) {
    finished_ = "stopped at once (a second signal)";
    return;
  }
  shutdown_since_ = std::max<uint64_t>(now_ms, 1);
  Log("shutting down: handing over the resources that run here");
  // Invariant 8: the "shutdown" attribute tells the DC to move everything away.
  SetAttribute(self_name_, "shutdown", std::to_string(wall_s), attrd::Lifetime::kReboot, /*applied_here=*/false);
}

void Node::Tick(uint64_t now_ms, int64_t wall_s) {
  wall_s_ = wall_s;
  if (!finished_.empty()) return;
  if (shutdown_since_ != 0) {
    // Alone, this node is its own DC and stops what runs here itself.
    bool active = own_.AnyActive(self_name_);
    if (!active || now_ms - shutdown_since_ > kShutdownWaitMs) {
      if (active) Log("WARNING: resources still run here after 30 s; leaving anyway");
      finished_ = "shutdown complete";
      return;
    }
  }
  auto hb = membership_->Tick(now_ms);
  if (membership_->max_seq() != persisted_seq_) {
    // Ring ids must never repeat: persist before anything carries it.
    if (auto st = storage_->SaveRingSeq(membership_->max_seq()); !st.ok()) {
      Fatal(absl::StrCat("cannot save the ring sequence: ", st.message()));
      return;
    }
    persisted_seq_ = membership_->max_seq();
  }
  FollowView(now_ms);
  quorum_->OnTick(now_ms);
  ElectAndFollow(now_ms);
  replica_->OnTick(static_cast<int64_t>(now_ms));
  PumpReplication(now_ms);
  PumpExecutor(now_ms);
  PumpController(now_ms, wall_s);
  ExpireConfChanges(now_ms);
  // Losing one link is not a membership change, but the operator must know.
  if (membership_->view().members.size() >= 2) {
    std::vector<bool> links = membership_->LinkStatus(now_ms);
    if (links_seen_.empty()) links_seen_ = links;
    for (size_t l = 0; l < links.size(); ++l) {
      if (links[l] == links_seen_[l]) continue;
      Log(absl::StrCat(links[l] ? "notice" : "WARNING", ": ring", l, " is ",
                       links[l] ? "up again" : "DOWN (no peer heard on it); running on the remaining links"));
    }
    links_seen_ = links;
  }
  for (auto& line : refusals_.Flush(now_ms)) Log(std::move(line));
  if (hb) {
    for (const auto& n : options_.config.nodes) {
      if (n.nodeid != options_.self) out_.heartbeats.push_back(membership_->AddressedTo(*hb, n.nodeid));
    }
  }
}

}  // namespace baton::node
