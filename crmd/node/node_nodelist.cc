// The Node's nodelist changes (node.h, invariant 9): crm cluster join and
// remove, and members adopting a newer cluster.conf from each other.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmd/node/node.h"
#include "crmd/node/node_internal.h"
#include "crmd/node/nodelist_change.h"
#include "lib/control/control.h"

namespace baton::node {

using internal::kConfChangeWaitMs;
using internal::QuorumConfig;

// --- the nodelist: crm cluster join / remove (invariant 9) ---------------------

// Stores the new cluster.conf and applies it live: membership, quorum and
// the controller follow (the shell follows with the peer connections). A
// node no longer in the nodelist sets its file aside and stops.
absl::Status Node::ApplyClusterConf(const config::ClusterConfig& c, const std::string& why) {
  const config::NodeEntry* me = nullptr;
  for (const auto& n : c.nodes) {
    if (n.nodeid == options_.self) me = &n;
  }
  if (me != nullptr && me->name != self_name_) {
    return absl::InvalidArgumentError(
        absl::StrCat("the new nodelist gives this node's id ", options_.self, " to '", me->name, "'"));
  }
  // Everything is checked before anything is stored or applied, so the
  // stored file never holds a nodelist this node refused.
  std::string text = config::FormatClusterConfig(c);
  if (auto parsed = config::ParseClusterConfig(text); !parsed.ok()) return parsed.status();
  if (me == nullptr) {
    if (auto st = storage_->SetAsideClusterConf(); !st.ok()) {
      Log(absl::StrCat("ERROR: cannot set cluster.conf aside (", st.message(),
                       "): move it away before starting this node again"));
    }
    Log(absl::StrCat("WARNING: this node was removed from the cluster (", why, ", config_version ", c.config_version,
                     "); stopping"));
    finished_ = "removed from the nodelist";
    return absl::OkStatus();
  }
  if (auto q = quorum::Quorum::Create(QuorumConfig(c), options_.self); !q.ok()) return q.status();
  if (auto st = storage_->SaveClusterConf(text); !st.ok()) return st;
  if (auto st = quorum_->Reconfigure(QuorumConfig(c)); !st.ok()) return st;
  options_.config = c;
  node_ids_.clear();
  std::vector<membership::NodeId> ids;
  std::vector<std::pair<std::string, std::string>> names;
  std::vector<std::string> listed;
  for (const auto& n : c.nodes) {
    node_ids_[n.name] = n.nodeid;
    ids.push_back(n.nodeid);
    names.push_back({std::to_string(n.nodeid), n.name});
    listed.push_back(n.name);
  }
  membership_->SetNodes(ids);
  controller_->OnNodelist(names);
  Log(absl::StrCat("nodelist (config_version ", c.config_version, ", ", why, "): [ ", absl::StrJoin(listed, " "),
                   " ], expected votes ", quorum_->expected_votes()));
  return absl::OkStatus();
}

// Applies `c` here, then sends it to every other member of the view; `done`
// runs when all have acknowledged ("") or with what went wrong.
void Node::StartConfChange(const config::ClusterConfig& c, uint64_t now_ms,
                           std::function<void(const std::string&)> done) {
  if (auto st = ApplyClusterConf(c, "changed here"); !st.ok()) {
    done(std::string(st.message()));
    return;
  }
  uint64_t id = next_conf_request_++;
  ConfChange change;
  change.deadline = now_ms + kConfChangeWaitMs;
  change.done = std::move(done);
  crmd::PeerMessage m = ClusterConfMessage(id);
  for (uint32_t member : membership_->view().members) {
    if (member == options_.self || !node_ids_.count(Name(member))) continue;
    change.waiting.insert(member);
    SendPeer(Name(member), m);
  }
  conf_changes_[id] = std::move(change);
  ExpireConfChanges(now_ms);
}

void Node::ExpireConfChanges(uint64_t now_ms) {
  for (auto it = conf_changes_.begin(); it != conf_changes_.end();) {
    ConfChange& c = it->second;
    if (!c.waiting.empty() && now_ms < c.deadline) {
      ++it;
      continue;
    }
    std::vector<std::string> problems = c.errors;
    for (uint32_t m : c.waiting) problems.push_back(absl::StrCat(Name(m), " did not confirm within 10 s"));
    c.done(absl::StrJoin(problems, "; "));
    it = conf_changes_.erase(it);
  }
}

// This node's nodelist as a peer message; `request_id` nonzero asks for an ack.
crmd::PeerMessage Node::ClusterConfMessage(uint64_t request_id) const {
  crmd::PeerMessage m;
  m.mutable_cluster_conf()->set_config_version(options_.config.config_version);
  m.mutable_cluster_conf()->set_text(config::FormatClusterConfig(options_.config));
  m.mutable_cluster_conf()->set_request_id(request_id);
  return m;
}

// A removed node is no longer heard by the others: it stays alone with its
// old nodelist, without quorum, until it is reinstalled or its cluster.conf
// is moved aside — it was stopped or fenced before the removal
// (RemoveNodeRequest), so it runs nothing.
void Node::OnClusterConf(uint32_t from, const crmd::ClusterConf& m) {
  std::string error;
  auto theirs = config::ParseClusterConfig(m.text());
  if (!theirs.ok()) {
    error = absl::StrCat("cluster.conf from ", Name(from), " does not parse: ", theirs.status().message());
  } else {
    switch (CompareCopies(options_.config, *theirs)) {
      case Adopt::kNewer:
        if (auto st = ApplyClusterConf(*theirs, absl::StrCat("from ", Name(from))); !st.ok()) {
          error = std::string(st.message());
        }
        break;
      case Adopt::kOlder:
        // Theirs is older: send ours back (it applies it and answers nothing).
        if (m.request_id() == 0) {
          SendPeer(Name(from), ClusterConfMessage(0));
        } else {
          error = absl::StrCat("has config_version ", options_.config.config_version, ", newer than ",
                               m.config_version());
        }
        break;
      case Adopt::kConflict:
        error = absl::StrCat("a different nodelist with the same config_version ", m.config_version());
        break;
      case Adopt::kOtherCluster:
        error = absl::StrCat("belongs to cluster '", options_.config.cluster_name, "', not '", theirs->cluster_name,
                             "'");
        break;
      case Adopt::kSame:
        break;
    }
  }
  if (!error.empty()) Log(absl::StrCat("WARNING: nodelist from ", Name(from), " not taken: ", error));
  if (m.request_id() != 0) {
    crmd::PeerMessage ack;
    ack.mutable_cluster_conf_ack()->set_request_id(m.request_id());
    ack.mutable_cluster_conf_ack()->set_error(error);
    SendPeer(Name(from), ack);
  }
}

// Why the nodelist may not change to `next` here now ("" = it may): only
// the DC of a quorate partition changes it, one change at a time, so two
// changes never race to the same config_version; and the members up now
// must still have quorum under the new expected votes (a join of a node
// that never starts must not cost the cluster its quorum).
std::string Node::RefuseNodelistChange(const config::ClusterConfig& next) const {
  if (!quorum_->quorate()) return "this partition has no quorum";
  if (!controller_->is_dc()) {
    return absl::StrCat("nodelist changes are made by the DC (",
                        controller_->dc().empty() ? "none yet" : controller_->dc(),
                        "): run it there (crm cluster token there makes a join token)");
  }
  if (!conf_changes_.empty()) return "another nodelist change is still in progress; try again in a few seconds";
  uint32_t total = 0, up = 0;
  for (const auto& n : next.nodes) {
    total += n.votes;
    if (membership_->view().members.count(n.nodeid)) up += n.votes;
  }
  uint32_t needed = next.two_node ? 1 : total / 2 + 1;
  if (next.expected_votes) needed = *next.expected_votes / 2 + 1;
  if (up < needed) {
    return absl::StrCat("after this change ", needed, " votes are needed for quorum and only ", up,
                        " members are up: start the nodes that are down first");
  }
  return "";
}

// An authenticated join request: the nodelist with the new node goes to
// every member before the joiner gets it.
void Node::OnJoinRequest(const JoinRequest& r, uint64_t now_ms) {
  auto next = AddNode(options_.config, r.name, r.ring_addrs);
  auto reply_error = [this, id = r.id](const std::string& e) {
    proto::JoinReplyBody b;
    b.set_error(e);
    out_.join_answers.push_back({id, std::move(b)});
  };
  if (!next.ok()) return reply_error(std::string(next.status().message()));
  if (auto why = RefuseNodelistChange(*next); !why.empty()) return reply_error(why);
  auto answer = [this, id = r.id, name = r.name](const std::string& error) {
    proto::JoinReplyBody b;
    if (!error.empty()) {
      b.set_error(absl::StrCat("the nodelist with ", name, " did not reach every member: ", error));
    } else {
      b.set_cluster_conf(config::FormatClusterConfig(options_.config));
      b.set_authkey(options_.authkey);
      for (const auto& n : options_.config.nodes) {
        if (n.name == name) b.set_nodeid(n.nodeid);
      }
    }
    out_.join_answers.push_back({id, std::move(b)});
  };
  Log(absl::StrCat("join: ", r.name, " (", absl::StrJoin(r.ring_addrs, ", "), ", from ", r.from, ") asks to join"));
  if (next->config_version == options_.config.config_version) return answer("");  // already in, same addresses
  StartConfChange(*next, now_ms, answer);
}

// crm cluster remove NODE: only a node that is not running (the others
// would otherwise fence a node that merely vanished from their list).
void Node::RemoveNodeRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms) {
  const std::string& name = req.nodelist_remove().node();
  auto it = node_ids_.find(name);
  if (it != node_ids_.end() && membership_->view().members.count(it->second)) {
    return Reply(client, absl::FailedPreconditionError(
                             absl::StrCat(name, " is online: stop it first (crm cluster stop, on ", name,
                                          "), so that its resources move away cleanly")));
  }
  // Only a node that left cleanly or was fenced, and runs nothing: the
  // status forgets a removed node, so anything still running there would
  // otherwise be started elsewhere without fencing.
  if (it != node_ids_.end()) {
    auto life = controller_->table().Life(name);
    if (life == transition::NodeLife::kLost || controller_->table().AnyActive(name)) {
      return Reply(client, absl::FailedPreconditionError(absl::StrCat(
                               name, " left without being fenced (or may still run resources): fence it first (crm "
                               "node fence ", name, ", or crm node clearstate ", name, " once you know it is off)")));
    }
  }
  auto next = RemoveNode(options_.config, name);
  if (!next.ok()) return Reply(client, next.status());
  if (auto why = RefuseNodelistChange(*next); !why.empty()) {
    return Reply(client, absl::FailedPreconditionError(why));
  }
  StartConfChange(*next, now_ms, [this, client, name](const std::string& error) {
    if (!error.empty()) {
      Reply(client, absl::UnavailableError(absl::StrCat(name, " was removed here but not everywhere: ", error)));
      return;
    }
    Reply(client, control::TextReply(absl::StrCat(name, " removed; ", options_.config.nodes.size(),
                                                  " nodes, expected votes ", quorum_->expected_votes(), "\n")));
  });
}


}  // namespace baton::node
