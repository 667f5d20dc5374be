// One cluster node, I/O-free: the components that make a baton-crmd —
// Membership, Quorum, the DC election, CibReplica, Controller, Executor and
// the attribute store — composed, with every decision that joins them.
// baton-crmd (crmd/daemon) is a thin shell around it: it polls sockets,
// decodes, feeds a Node, sends what the Node returns and runs the agents and
// fencing calls the Node asks for. tests/sim/cluster_sim drives several
// Nodes over a simulated network, clock, disks, agents and fencer.
//
// Inputs: heartbeats, peer messages, fence results, agent results (through
// the executor's ProcessRunner seam), control requests, join requests, a
// shutdown request, and ticks with monotonic and wall time. Outputs, taken
// in one call (TakeOutputs): heartbeats, peer messages, fence requests,
// control replies, join answers, log lines, and the fencing devices the
// configuration wants. State that must survive a restart goes through the
// Storage seam (and the CIB through cib::CibStore) before anything that
// depends on it is sent.
//
// Decisions made here, each with its invariant:
//  1. Election (membership/election.h): one DC per partition, the member
//     that has run longest; the same function for the controller (with or
//     without quorum) and the CIB (quorate views only; in a two-node
//     cluster also only once the absent peer is known down, as both halves
//     of a split are quorate). A node that joins never displaces a DC.
//  2. Only the partition's current DC may run an operation here; a node
//     reports only its own results; an operation in flight is reported
//     pending to every member before its result (a notification is not:
//     it is no part of the resource's history).
//  3. A recurring monitor is cancelled by any operation that changes the
//     resource's state here (all but probes and notifications), and
//     replaced by a monitor with the same interval.
//  4. Fencing devices (stonith resources) run in the fencer: here they only
//     have a role. In a two-node cluster fencing of the lower-id node waits
//     priority-fencing-delay (else 2 s), so one side of a split survives.
//  5. Attributes: a permanent one goes to every member; a transient one
//     has one writer, its node (another member's change is asked of it),
//     which tells every member; on a new ring each member sends all of its
//     own, replacing what the others held; a node's transient attributes
//     go with it when it leaves or starts again (a new incarnation, also
//     within a token: its old life's history goes too). So the members of
//     a quiet view agree on them. Fail counts the DC sets travel the same
//     way, before the next schedule.
//  6. A fencing kills the life (incarnation) of the node that was up when
//     it began: when that life leaves the membership it is down, not lost,
//     so one loss is fenced once — by the DC or by an operator. crm node
//     fence announces its fencing first (fence-begin): while it runs, a DC
//     that sees that life leave waits for its outcome (node-fenced, or
//     fence-failed, or its timeout) before scheduling anything.
//  7. A clean leave (crm cluster stop: "shutdown" announced, resources
//     handed over) and every node's state travel with the executor
//     histories, so a new DC — even one that just restarted — knows which
//     absent nodes are down and which are lost.
//  8. A shutdown announces itself, waits until nothing runs here (moved
//     away, or stopped by this node itself as the DC when it is alone) or
//     30 s, then ends.
//  9. Nodelist changes (crm cluster join/remove): only by the DC of a
//     quorate partition, one at a time, keeping quorum; a removed node
//     stops; a member with an older nodelist adopts the newer.
// Thread-safety: none; one loop owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control.pb.h"
#include "crmd.pb.h"
#include "crmd/attrd/attrd.h"
#include "crmd/cib/replication.h"
#include "crmd/executor/executor.h"
#include "crmd/membership/membership.h"
#include "crmd/quorum/quorum.h"
#include "crmd/service/local_requests.h"
#include "crmd/transition/controller.h"
#include "join.pb.h"
#include "lib/common/log_limiter.h"
#include "lib/config/cluster_config.h"

namespace baton::node {

// What a node keeps on its disk besides the CIB. Each call is durable when
// it returns OK.
class Storage {
 public:
  virtual ~Storage() = default;
  virtual absl::Status SaveRingSeq(uint64_t seq) = 0;
  // The permanent attributes (AttributeStore::SerializePermanent).
  virtual absl::Status SaveAttributes(const std::string& text) = 0;
  virtual absl::Status SaveClusterConf(const std::string& text) = 0;
  // This node was removed from the nodelist: its cluster.conf is set aside.
  virtual absl::Status SetAsideClusterConf() = 0;
};

struct NodeOptions {
  config::ClusterConfig config;
  std::string authkey;  // handed to a node that joins
  uint32_t self = 0;
  uint64_t incarnation = 0;    // a new one at every start (wall-clock ms)
  uint64_t persisted_seq = 0;  // the ring sequence Storage last saved
  std::string permanent_attributes;  // what Storage last saved
  executor::ExecutorOptions executor;
  transition::ControllerOptions controller;  // self and nodes are filled in
  cib::ReplicaOptions replica;
  // Tests only (the simulation's mutations): no fencing before recovery;
  // attribute updates not sent to the other members; the CIB's writer
  // elected without quorum; histories without node lives (invariant 7);
  // fenced lives not remembered (invariant 6).
  bool unsafe_skip_fencing = false;
  bool unsafe_drop_attribute_updates = false;
  bool unsafe_writer_without_quorum = false;
  bool unsafe_forget_lives = false;
  bool unsafe_ignore_fenced_lives = false;
};

struct PeerOut {
  uint32_t to = 0;
  std::string payload;  // a serialized crmd::PeerMessage
};

struct FenceOut {
  uint64_t id = 0;  // FenceResult's id
  std::string target, action;
  int64_t timeout_ms = 0;
  int64_t delay_ms = 0;
};

// A fencing device the configuration defines (a stonith primitive).
struct Device {
  std::string id, agent;
  std::map<std::string, std::string> params;
  bool operator==(const Device&) const = default;
};

struct ControlReply {
  uint64_t client = 0;
  control::ControlReply reply;
};

struct JoinRequest {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> ring_addrs;
  std::string from;  // the joiner's address, for the log
};

struct JoinAnswer {
  uint64_t id = 0;
  proto::JoinReplyBody body;
};

struct Outputs {
  std::vector<membership::Heartbeat> heartbeats;  // each addressed to its peer; send on every link
  std::vector<PeerOut> peers;
  std::vector<FenceOut> fences;
  std::vector<ControlReply> replies;
  std::vector<JoinAnswer> join_answers;
  std::vector<std::pair<std::string, crmd::PeerMessage>> reports;  // crm report traffic, from NODE
  std::optional<std::vector<Device>> devices;  // set when the wanted devices may have changed
  std::vector<std::string> log;
};

class Node {
 public:
  // Loads the CIB from `cib_store`; `runner` runs the agents.
  static absl::StatusOr<std::unique_ptr<Node>> Create(NodeOptions options, cib::CibStore* cib_store,
                                                      Storage* storage, process::ProcessRunner* runner,
                                                      uint64_t now_ms, int64_t wall_s);

  // A heartbeat that passed authentication; `source` names its sender's
  // address for the log of refusals.
  void OnHeartbeat(const membership::Heartbeat& hb, const std::string& source, uint64_t now_ms);
  // One that did not (bad signature, wrong cluster, wrong link).
  void OnBadHeartbeat(const std::string& source, const std::string& why, uint64_t now_ms);
  // A message the peer transport authenticated as coming from `from`.
  void OnPeerMessage(uint32_t from, const std::string& payload, uint64_t now_ms);
  void OnFenceResult(uint64_t id, bool ok, const std::string& detail, uint64_t now_ms);
  // A control request (proto/control.proto); the reply comes through
  // Outputs::replies, at once or when its outcome is known.
  void OnControl(uint64_t client, const control::ControlRequest& request, uint64_t now_ms);
  void OnJoinRequest(const JoinRequest& r, uint64_t now_ms);
  // SIGTERM: a clean leave (invariant 8). A second call ends at once.
  void BeginShutdown(uint64_t now_ms, int64_t wall_s);
  // Advances time: membership, quorum, election, replication, the
  // executor and the controller.
  void Tick(uint64_t now_ms, int64_t wall_s);

  Outputs TakeOutputs();

  // Whether the loop should end, and why ("" = keep running): a shutdown
  // that finished, a removal from the nodelist, or storage that failed.
  const std::string& finished() const { return finished_; }
  // Finished because this node cannot do its part (its storage failed).
  bool failed() const { return failed_; }

  // Read-only views for the shell (status, crm report) and the simulation.
  uint32_t self() const { return options_.config.nodes.empty() ? 0 : options_.self; }
  const std::string& self_name() const { return self_name_; }
  const config::ClusterConfig& config() const { return options_.config; }
  const membership::Membership& membership() const { return *membership_; }
  const quorum::Quorum& quorum() const { return *quorum_; }
  const cib::CibReplica& replica() const { return *replica_; }
  const transition::Controller& controller() const { return *controller_; }
  const attrd::AttributeStore& attributes() const { return attrs_; }
  // The partition's DC by the election (invariant 1); quorate or not.
  std::optional<uint32_t> dc() const { return dc_; }
  std::string Name(uint32_t id) const;
  std::optional<uint32_t> IdOf(const std::string& name) const;
  std::set<std::string> MemberNames() const;
  // Heartbeats and peer messages refused (bad, forged, replayed).
  uint64_t dropped() const;
  // Resources this node's executor reports active.
  bool AnyActiveHere() const { return own_.AnyActive(self_name_); }

 private:
  Node(NodeOptions options, cib::CibStore* cib_store, Storage* storage, process::ProcessRunner* runner);
  absl::Status Init(uint64_t now_ms, int64_t wall_s);

  void Log(std::string line) { out_.log.push_back(std::move(line)); }
  void Fatal(const std::string& why);
  void SendPeer(const std::string& node, const crmd::PeerMessage& msg);
  void SendPeerId(uint32_t to, const std::string& payload);
  void Broadcast(const crmd::PeerMessage& msg);
  void Reply(uint64_t client, absl::StatusOr<control::ControlReply> r);

  // Membership, election and the components that follow them.
  void FollowView(uint64_t now_ms);
  void ElectAndFollow(uint64_t now_ms);
  void RecordDepartures(const std::set<uint32_t>& before, const std::set<uint32_t>& after);
  void PumpReplication(uint64_t now_ms);
  void RefreshConfigured();

  // Controller and executor.
  void PumpController(uint64_t now_ms, int64_t wall_s);
  void PumpExecutor(uint64_t now_ms);
  void RunLocal(uint64_t graph, const transition::GraphAction& a, uint64_t now_ms);
  void ReportResult(const transition::OpResultRecord& r, uint64_t graph, int action);
  void StartFence(const transition::FenceOut& f);
  void ApplyControllerAttributes();
  void SetAttribute(const std::string& node, const std::string& name, const std::optional<std::string>& value,
                    attrd::Lifetime lifetime, bool applied_here);
  void BroadcastOwnAttributes();
  void OnAttributeUpdate(uint32_t from, const crmd::AttrUpdate& a);
  void Cleanup(const std::string& rsc, const std::string& node);
  crmd::PeerMessage HistoryMessage() const;
  void NoteFenced(const std::string& node, uint64_t incarnation, bool tell_others);

  // Control requests (node_control.cc): one handler per request kind.
  using ControlHandler = void (Node::*)(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  static const std::map<control::ControlRequest::RequestCase, ControlHandler>& ControlHandlers();
  void OnStatusRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnCibRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnClusterConfRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnAttributeRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnConfirmDown(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnFenceBegin(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnFenceEnd(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void OnCleanupRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  void SubmitChange(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  absl::Status KnownNode(const std::string& name) const;
  void ReplyChanges(uint64_t now_ms);
  std::string StatusText(bool cluster, uint64_t now_ms) const;
  service::ClusterView View() const;

  // Nodelist changes.
  absl::Status ApplyClusterConf(const config::ClusterConfig& c, const std::string& why);
  void StartConfChange(const config::ClusterConfig& c, uint64_t now_ms,
                       std::function<void(const std::string&)> done);
  crmd::PeerMessage ClusterConfMessage(uint64_t request_id) const;
  void OnClusterConf(uint32_t from, const crmd::ClusterConf& m);
  void ExpireConfChanges(uint64_t now_ms);
  void RemoveNodeRequest(uint64_t client, const control::ControlRequest& req, uint64_t now_ms);
  std::string RefuseNodelistChange(const config::ClusterConfig& next) const;

  NodeOptions options_;
  cib::CibStore* cib_store_;
  Storage* storage_;
  process::ProcessRunner* runner_;
  std::string self_name_;
  std::map<std::string, uint32_t> node_ids_;  // name -> id
  Outputs out_;
  std::string finished_;
  bool failed_ = false;

  std::unique_ptr<membership::Membership> membership_;
  std::unique_ptr<quorum::Quorum> quorum_;
  membership::View seen_;
  uint64_t persisted_seq_ = 0;
  std::optional<uint32_t> dc_;
  std::optional<std::pair<std::set<uint32_t>, std::optional<uint32_t>>> replica_view_;
  // (members, DC, ring sequence, quorate) last given to the controller.
  std::optional<std::tuple<std::set<std::string>, std::string, uint64_t, bool>> controller_view_;
  uint64_t dropped_ = 0;
  common::LogLimiter refusals_;
  std::vector<bool> links_seen_;

  attrd::AttributeStore attrs_;
  std::optional<service::LocalRequests> requests_;
  std::unique_ptr<cib::CibReplica> replica_;
  cib::Cib configured_;
  cib::StoredCib refreshed_from_;
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> waiting_;  // change request id -> (client, deadline)
  uint64_t next_request_id_ = 0;

  std::unique_ptr<executor::Executor> executor_;
  std::unique_ptr<transition::Controller> controller_;
  transition::StatusTable own_;  // this node's own results, for a new DC's history query
  struct ExecCtx {
    uint64_t graph = 0;
    int action = -1;
    int target_rc = 0;
    std::string op_digest, cls, provider, type, rsc;
    int64_t interval_ms = 0;
  };
  std::map<int, ExecCtx> exec_ctx_;        // by executor call id
  transition::OpResultRecord OwnRecord(const ExecCtx& ctx, const std::string& task) const;
  std::set<std::string> devices_started_;  // stonith resources "running" here
  std::optional<std::vector<Device>> devices_wanted_;
  struct PendingFence {
    transition::FenceOut f;
    std::optional<uint64_t> incarnation;  // the target's life when it began
  };
  std::map<uint64_t, PendingFence> fences_;
  uint64_t next_fence_id_ = 1;
  // node -> the newest of its lives known to be fenced (invariant 6).
  std::map<std::string, uint64_t> dead_incarnation_;
  // Operators' fencings under way (crm node fence): node -> (the life it
  // ends, when to stop waiting for its outcome).
  std::map<std::string, std::pair<uint64_t, uint64_t>> operator_fences_;
  void HoldForOperatorFencing(uint64_t now_ms);
  int64_t wall_s_ = 0;

  uint64_t shutdown_since_ = 0;

  struct ConfChange {
    std::set<uint32_t> waiting;  // members yet to acknowledge
    std::vector<std::string> errors;
    uint64_t deadline = 0;
    std::function<void(const std::string&)> done;  // "" = every member has it
  };
  std::map<uint64_t, ConfChange> conf_changes_;
  uint64_t next_conf_request_ = 1;
};

}  // namespace baton::node
