// The Node's control requests (node.h): status, the CIB, attributes,
// operator fencing, cleanup, and configuration changes through the DC.
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/node/node.h"
#include "crmd/node/node_internal.h"
#include "lib/cib/cib_xml.h"
#include "lib/control/control.h"

namespace baton::node {

using internal::kChangeWaitMs;

// --- control requests -------------------------------------------------------------

void Node::Reply(uint64_t client, absl::StatusOr<control::ControlReply> r) {
  out_.replies.push_back({client, r.ok() ? *std::move(r) : control::ErrorReply(r.status())});
}

// The one table of control requests the Node answers (control.proto says
// what each does). The daemon answers join tokens and crm report itself:
// they need its files, threads and listener.
const std::map<control::ControlRequest::RequestCase, Node::ControlHandler>& Node::ControlHandlers() {
  using R = control::ControlRequest;
  static const std::map<R::RequestCase, ControlHandler> kHandlers = {
      {R::kStatus, &Node::OnStatusRequest},
      {R::kCib, &Node::OnCibRequest},
      {R::kCibReplace, &Node::SubmitChange},
      {R::kClusterConf, &Node::OnClusterConfRequest},
      {R::kNodeInfo, &Node::OnAttributeRequest},
      {R::kAttrSet, &Node::OnAttributeRequest},
      {R::kAttrGet, &Node::OnAttributeRequest},
      {R::kAttrDelete, &Node::OnAttributeRequest},
      {R::kAttrQuery, &Node::OnAttributeRequest},
      {R::kCleanup, &Node::OnCleanupRequest},
      {R::kConfirmDown, &Node::OnConfirmDown},
      {R::kFenceBegin, &Node::OnFenceBegin},
      {R::kFenceEnd, &Node::OnFenceEnd},
      {R::kNodelistRemove, &Node::RemoveNodeRequest},
  };
  return kHandlers;
}

void Node::OnControl(uint64_t client, const control::ControlRequest& req, uint64_t now_ms) {
  auto it = ControlHandlers().find(req.request_case());
  if (it == ControlHandlers().end()) {
    return Reply(client, absl::InvalidArgumentError(absl::StrCat(
                             "control request ", static_cast<int>(req.request_case()), " is not one this node answers")));
  }
  (this->*(it->second))(client, req, now_ms);
}

service::ClusterView Node::View() const {
  service::ClusterView v;
  v.self = options_.self;
  for (const auto& n : options_.config.nodes) v.nodes.push_back({n.nodeid, n.name});
  v.members = membership_->view().members;
  v.quorate = quorum_->quorate();
  if (v.quorate) v.dc = dc_;
  return v;
}

std::string Node::StatusText(bool cluster, uint64_t now_ms) const {
  const auto& view = membership_->view();
  bool quorate = quorum_->quorate();
  const auto& nodes = options_.config.nodes;
  std::ostringstream out;
  out << "Cluster Summary:\n  * Stack: baton\n";
  if (dc_ && quorate) {
    out << "  * Current DC: " << Name(*dc_) << " (version 0.1.0) - partition with quorum\n";
  } else if (dc_) {
    out << "  * Current DC: " << Name(*dc_) << " (version 0.1.0) - partition WITHOUT quorum\n";
  } else {
    out << "  * Current DC: NONE\n";
  }
  out << "  * " << nodes.size() << " node" << (nodes.size() == 1 ? "" : "s")
      << " configured\n  * 0 resource instances configured\n\nNode List:\n";
  std::vector<std::string> online, offline;
  for (const auto& n : nodes) (view.members.count(n.nodeid) ? online : offline).push_back(n.name);
  if (!online.empty()) out << "  * Online: [ " << absl::StrJoin(online, " ") << " ]\n";
  if (!offline.empty()) out << "  * OFFLINE: [ " << absl::StrJoin(offline, " ") << " ]\n";
  if (!cluster) return out.str();
  out << "\nMembership:\n  * Ring ID: " << view.ring.representative << "." << view.ring.seq << "\n"
      << "  * Votes: " << quorum_->total_votes() << " of " << quorum_->expected_votes() << " expected, quorum "
      << quorum_->quorum() << (quorate ? " (quorate)" : " (not quorate)") << "\n  * Links:\n";
  std::vector<bool> links = membership_->LinkStatus(now_ms);
  for (size_t l = 0; l < links.size(); ++l) {
    out << "    * ring" << l << ": " << (links[l] ? "up" : (view.members.size() > 1 ? "DOWN" : "no peer")) << "\n";
  }
  for (const auto& n : nodes) {
    if (n.nodeid == options_.self) continue;
    uint32_t bits = membership_->LinksUp(n.nodeid, now_ms);
    std::vector<std::string> up;
    for (size_t l = 0; l < links.size(); ++l) {
      if (bits & (1u << l)) up.push_back("ring" + std::to_string(l));
    }
    out << "  * Node " << n.name << ": " << (up.empty() ? "not heard" : "heard on " + absl::StrJoin(up, " ")) << "\n";
  }
  out << "  * Heartbeats dropped (bad, forged or replayed): " << dropped() << "\n";
  return out.str();
}

void Node::OnStatusRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms) {
  Reply(client, control::TextReply(StatusText(req.status().cluster(), now_ms)));
}

void Node::OnCibRequest(uint64_t client, const control::ControlRequest& req, uint64_t) {
  cib::Cib c;
  if (req.cib().configuration_only()) {
    // The replicated configuration alone, to edit and send back, with the
    // nodes of cluster.conf so constraints can name them.
    c = configured_;
    for (const auto& n : options_.config.nodes) {
      bool present = false;
      for (const auto& existing : c.configuration.nodes) present = present || existing.uname == n.name;
      if (present) continue;
      cib::Node node;
      node.id = std::to_string(n.nodeid);
      node.uname = n.name;
      c.configuration.nodes.push_back(node);
    }
  } else {
    // Configuration + the cluster's status, with this node's attributes view.
    c = controller_->CurrentCib();
  }
  c.version = replica_->current().version;
  Reply(client, control::TextReply(cib::WriteCibXml(c)));
}

void Node::OnClusterConfRequest(uint64_t client, const control::ControlRequest&, uint64_t) {
  Reply(client, control::TextReply(config::FormatClusterConfig(options_.config)));
}

void Node::OnAttributeRequest(uint64_t client, const control::ControlRequest& req, uint64_t) {
  if (req.has_node_info()) return Reply(client, service::LocalRequests::NodeInfo(View()));
  Reply(client, requests_->Attribute(req, View()));
}

absl::Status Node::KnownNode(const std::string& name) const {
  if (node_ids_.count(name)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no node '", name, "' in the cluster"));
}

void Node::OnConfirmDown(uint64_t client, const control::ControlRequest& req, uint64_t) {
  // crm node clearstate: the operator says NODE is down (its fencer was told too).
  const std::string& node = req.confirm_down().node();
  if (auto st = KnownNode(node); !st.ok()) return Reply(client, st);
  if (controller_->is_member(node)) {
    return Reply(client, absl::FailedPreconditionError(absl::StrCat(node, " is a member of the cluster: it is up")));
  }
  NoteFenced(node, 0, /*tell_others=*/true);
  Reply(client, control::ControlReply());
}

void Node::OnFenceBegin(uint64_t client, const control::ControlRequest& req, uint64_t now_ms) {
  // crm node fence, before it fences: which life of NODE it ends; the
  // members wait for its outcome if they see that life leave meanwhile.
  const std::string& node = req.fence_begin().node();
  int64_t timeout_ms = req.fence_begin().timeout_ms();
  if (auto st = KnownNode(node); !st.ok()) return Reply(client, st);
  if (timeout_ms < 0 || timeout_ms > 3600000) {
    return Reply(client, absl::InvalidArgumentError(absl::StrCat(
                             "fencing timeout ", timeout_ms, " ms is not between 0 and 3600000 (0: stonith-timeout)")));
  }
  if (timeout_ms == 0) timeout_ms = controller_->cluster_options().stonith_timeout_ms;
  auto life = node == self_name_ ? std::optional<uint64_t>(membership_->incarnation())
                                 : membership_->PeerIncarnation(node_ids_.at(node));
  if (life && !options_.unsafe_ignore_fenced_lives) {
    operator_fences_[node] = {*life, now_ms + static_cast<uint64_t>(timeout_ms) + 10000};
    crmd::PeerMessage m;
    m.mutable_fencing()->set_node(node);
    m.mutable_fencing()->set_incarnation(*life);
    m.mutable_fencing()->set_timeout_ms(timeout_ms + 10000);
    Broadcast(m);
  }
  control::ControlReply r;
  r.set_incarnation(life.value_or(0));
  Reply(client, r);
}

void Node::OnFenceEnd(uint64_t client, const control::ControlRequest& req, uint64_t) {
  const auto& f = req.fence_end();
  if (auto st = KnownNode(f.node()); !st.ok()) return Reply(client, st);
  if (f.fenced()) {
    // crm node fence, after it fenced: that life of NODE is over (invariant 6).
    if (f.incarnation() == 0) {
      return Reply(client, absl::InvalidArgumentError("a fenced life is the incarnation fence_begin gave, not 0"));
    }
    Log(absl::StrCat(f.node(), " was fenced by an operator"));
    NoteFenced(f.node(), f.incarnation(), /*tell_others=*/true);
    return Reply(client, control::ControlReply());
  }
  // It failed: the members stop waiting for it.
  operator_fences_.erase(f.node());
  crmd::PeerMessage m;
  m.mutable_fencing()->set_node(f.node());
  m.mutable_fencing()->set_incarnation(f.incarnation());
  m.mutable_fencing()->set_done(true);
  Broadcast(m);
  Reply(client, control::ControlReply());
}

void Node::OnCleanupRequest(uint64_t client, const control::ControlRequest& req, uint64_t) {
  const auto& c = req.cleanup();
  if (!c.node().empty()) {
    if (auto st = KnownNode(c.node()); !st.ok()) return Reply(client, st);
  }
  crmd::PeerMessage m;
  m.mutable_cleanup()->set_rsc(c.rsc());
  m.mutable_cleanup()->set_node(c.node());
  Broadcast(m);
  Cleanup(c.rsc(), c.node());
  Reply(client, control::ControlReply());
}

void Node::SubmitChange(uint64_t client, const control::ControlRequest& req, uint64_t now_ms) {
  const auto& change = req.cib_replace();
  cib::Version base{change.base().admin_epoch(), change.base().epoch(), change.base().num_updates()};
  auto parsed = cib::ParseCibXml(change.xml());
  if (!parsed.ok()) return Reply(client, parsed.status());
  if (auto st = cib::Validate(*parsed); !st.ok()) return Reply(client, st);
  // Only the configuration is replicated; the status section is live.
  parsed->status.clear();
  parsed->attrs.erase("have-quorum");
  parsed->attrs.erase("dc-uuid");
  uint64_t id = ++next_request_id_;
  waiting_[id] = {client, now_ms + kChangeWaitMs};
  replica_->Submit(id, base, cib::WriteCibXml(*parsed), static_cast<int64_t>(now_ms));
  PumpReplication(now_ms);
}

void Node::ReplyChanges(uint64_t now_ms) {
  for (auto& r : replica_->TakeResults()) {
    auto it = waiting_.find(r.request_id);
    if (it == waiting_.end()) continue;
    if (r.status.ok()) {
      control::ControlReply reply;
      reply.mutable_version()->set_admin_epoch(r.version.admin_epoch);
      reply.mutable_version()->set_epoch(r.version.epoch);
      reply.mutable_version()->set_num_updates(r.version.num_updates);
      Reply(it->second.first, reply);
    } else {
      Reply(it->second.first, r.status);
    }
    waiting_.erase(it);
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (now_ms < it->second.second) {
      ++it;
      continue;
    }
    Reply(it->second.first,
          absl::DeadlineExceededError("no answer from the DC within 30 s; the change may or may not have been made "
                                      "(check the configuration)"));
    it = waiting_.erase(it);
  }
}


}  // namespace baton::node
