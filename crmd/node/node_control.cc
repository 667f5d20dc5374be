// The Node's control requests (node.h): status, the CIB, attributes,
// operator fencing, cleanup, and configuration changes through the DC.
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/cib/cib_xml.h"
#include "crmd/node/node.h"
#include "crmd/node/node_internal.h"
#include "crmd/service/control.h"

namespace baton::node {

using internal::kChangeWaitMs;

// --- control requests -------------------------------------------------------------

void Node::Reply(uint64_t client, const absl::StatusOr<std::string>& r) {
  out_.replies.push_back({client, r.ok() ? *r : service::ErrorReply(r.status())});
}

void Node::OnControl(uint64_t client, const std::vector<std::string>& req, uint64_t now_ms) {
  if (!req.empty() && req[0] == "cib-replace") return SubmitChange(client, req, now_ms);
  if (!req.empty() && req[0] == "nodelist-remove") return RemoveNodeRequest(client, req, now_ms);
  Reply(client, Handle(req, now_ms));
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

absl::StatusOr<std::string> Node::Handle(const std::vector<std::string>& req, uint64_t now_ms) {
  const std::string cmd = req.empty() ? "" : req[0];
  if (cmd == "status" || cmd == "cluster-status") {
    if (req.size() != 1) return absl::InvalidArgumentError(absl::StrCat("'", cmd, "' takes no arguments"));
    return StatusText(cmd == "cluster-status", now_ms);
  }
  if (cmd == "cib-config" && req.size() == 1) {
    // The replicated configuration alone, to edit and send back, with the
    // nodes of cluster.conf so constraints can name them.
    cib::Cib c = configured_;
    c.version = replica_->current().version;
    for (const auto& n : options_.config.nodes) {
      bool present = false;
      for (const auto& existing : c.configuration.nodes) present = present || existing.uname == n.name;
      if (present) continue;
      cib::Node node;
      node.id = std::to_string(n.nodeid);
      node.uname = n.name;
      c.configuration.nodes.push_back(node);
    }
    return cib::WriteCibXml(c);
  }
  if (cmd == "cib" && req.size() == 1) {
    // Configuration + the cluster's status, with this node's attributes view.
    cib::Cib c = controller_->CurrentCib();
    c.version = replica_->current().version;
    return cib::WriteCibXml(c);
  }
  if (cmd == "confirm-down") {
    // crm node clearstate: the operator says NODE is down (its fencer was told too).
    if (req.size() != 2 || !node_ids_.count(req[1])) {
      return absl::InvalidArgumentError("usage: confirm-down NODE (a node of the cluster)");
    }
    if (controller_->is_member(req[1])) {
      return absl::FailedPreconditionError(absl::StrCat(req[1], " is a member of the cluster: it is up"));
    }
    NoteFenced(req[1], 0, /*tell_others=*/true);
    return std::string("ok\n");
  }
  if (cmd == "node-incarnation") {
    // crm node fence, before it fences: which life of NODE it will end.
    if (req.size() != 2 || !node_ids_.count(req[1])) {
      return absl::InvalidArgumentError("usage: node-incarnation NODE (a node of the cluster)");
    }
    auto life = req[1] == self_name_ ? std::optional<uint64_t>(membership_->incarnation())
                                     : membership_->PeerIncarnation(node_ids_.at(req[1]));
    return absl::StrCat(life.value_or(0), "\n");
  }
  if (cmd == "fence-begin") {
    // crm node fence, before it fences: which life of NODE it ends; the
    // members wait for its outcome if they see that life leave meanwhile.
    int64_t timeout_ms = 0;
    if (req.size() != 3 || !node_ids_.count(req[1]) || !absl::SimpleAtoi(req[2], &timeout_ms) || timeout_ms < 0 ||
        timeout_ms > 3600000) {
      return absl::InvalidArgumentError("usage: fence-begin NODE TIMEOUT_MS (0 to 3600000; 0: stonith-timeout)");
    }
    if (timeout_ms == 0) timeout_ms = controller_->cluster_options().stonith_timeout_ms;
    auto life = req[1] == self_name_ ? std::optional<uint64_t>(membership_->incarnation())
                                     : membership_->PeerIncarnation(node_ids_.at(req[1]));
    if (life && !options_.unsafe_ignore_fenced_lives) {
      operator_fences_[req[1]] = {*life, now_ms + static_cast<uint64_t>(timeout_ms) + 10000};
      crmd::PeerMessage m;
      m.mutable_fencing()->set_node(req[1]);
      m.mutable_fencing()->set_incarnation(*life);
      m.mutable_fencing()->set_timeout_ms(timeout_ms + 10000);
      Broadcast(m);
    }
    return absl::StrCat(life.value_or(0), "\n");
  }
  if (cmd == "fence-failed") {
    uint64_t incarnation = 0;
    if (req.size() != 3 || !node_ids_.count(req[1]) || !absl::SimpleAtoi(req[2], &incarnation)) {
      return absl::InvalidArgumentError("usage: fence-failed NODE INCARNATION (from fence-begin)");
    }
    operator_fences_.erase(req[1]);
    crmd::PeerMessage m;
    m.mutable_fencing()->set_node(req[1]);
    m.mutable_fencing()->set_incarnation(incarnation);
    m.mutable_fencing()->set_done(true);
    Broadcast(m);
    return std::string("ok\n");
  }
  if (cmd == "node-fenced") {
    // crm node fence, after it fenced: that life of NODE is over (invariant 6).
    uint64_t incarnation = 0;
    if (req.size() != 3 || !node_ids_.count(req[1]) || !absl::SimpleAtoi(req[2], &incarnation) || incarnation == 0) {
      return absl::InvalidArgumentError("usage: node-fenced NODE INCARNATION (from node-incarnation, not 0)");
    }
    Log(absl::StrCat(req[1], " was fenced by an operator"));
    NoteFenced(req[1], incarnation, /*tell_others=*/true);
    return std::string("ok\n");
  }
  if (cmd == "cleanup") {
    if (req.size() != 3) return absl::InvalidArgumentError("usage: cleanup RSC NODE|\"\"");
    if (!req[2].empty() && !node_ids_.count(req[2])) {
      return absl::NotFoundError(absl::StrCat("no node '", req[2], "' in the cluster"));
    }
    crmd::PeerMessage m;
    m.mutable_cleanup()->set_rsc(req[1]);
    m.mutable_cleanup()->set_node(req[2]);
    Broadcast(m);
    Cleanup(req[1], req[2]);
    return std::string("ok\n");
  }
  if (cmd == "cluster-conf" && req.size() == 1) return config::FormatClusterConfig(options_.config);
  return requests_->Handle(req, View());
}

void Node::SubmitChange(uint64_t client, const std::vector<std::string>& req, uint64_t now_ms) {
  cib::Version base;
  if (req.size() != 5 || !absl::SimpleAtoi(req[1], &base.admin_epoch) || !absl::SimpleAtoi(req[2], &base.epoch) ||
      !absl::SimpleAtoi(req[3], &base.num_updates)) {
    return Reply(client, absl::InvalidArgumentError("usage: cib-replace ADMIN_EPOCH EPOCH NUM_UPDATES XML"));
  }
  auto parsed = cib::ParseCibXml(req[4]);
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
      Reply(it->second.first,
            absl::StrCat("ok ", r.version.admin_epoch, ".", r.version.epoch, ".", r.version.num_updates, "\n"));
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
