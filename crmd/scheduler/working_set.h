// The scheduler's working set: the CIB unpacked into nodes, a resource tree
// with each resource's current state, and the actions and orderings the
// scheduler creates. Owned by one Scheduler run; single-threaded.
//
// Invariants:
//  1. Every Resource*/Node*/Action* points into this WorkingSet's storage,
//     which never moves once unpacking is done (deques and unique_ptrs).
//  2. Resource::children are in CIB order; clone instances are numbered
//     0..clone-max-1 in `children`.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crmd/scheduler/cluster_options.h"
#include "crmd/scheduler/score.h"
#include "lib/cib/cib.h"

namespace baton::scheduler {

enum class Role { kUnknown, kStopped, kStarted, kUnpromoted, kPromoted };

// "Stopped", "Started", "Unpromoted", "Promoted" ("Unknown").
const char* RoleName(Role r);
// Accepts the current and legacy names in any case (Master, Slave, started).
Role ParseRole(std::string_view text);

struct Node {
  std::string id;
  std::string name;
  int index = 0;  // configuration order
  std::string type = "member";
  bool online = false;
  bool unclean = false;
  bool pending = false;
  bool standby = false;
  bool standby_onfail = false;
  bool maintenance = false;
  bool shutdown = false;
  bool expected_up = false;
  bool unseen = false;  // no node_state
  bool is_dc = false;
  bool remote = false;
  std::string fence_reason;
  int weight = 0;         // node score (health, <node score>)
  int assigned = 0;       // resources assigned here so far (tie-break)
  std::map<std::string, std::string> attrs;  // node attributes incl. #uname, #id, #kind
  bool CanRunResources() const {
    return online && !unclean && !standby && !maintenance && !shutdown && !pending;
  }
};

// One lrm_rsc_op, typed.
struct OpEntry {
  std::string id;
  std::string task;
  long long interval_ms = 0;
  int call_id = 0;
  int rc = 0;
  int status = 0;  // op-status: -1 pending, 0 done, 1 cancelled, 2 timeout, ...
  int target_rc = 0;
  long long last_rc_change = 0;
  std::string op_digest;
  std::string restart_digest;
  std::string migrate_source;
  std::string migrate_target;
  std::string exit_reason;
  const cib::OpRecord* record = nullptr;
};

// What a resource's history on one node says.
struct NodeHistory {
  Node* node = nullptr;
  std::string history_id;  // the lrm_resource id
  Role role = Role::kStopped;
  bool failed = false;
  std::string on_fail;       // the on-fail that applies to the failure
  bool known = false;        // probed or otherwise known
  std::vector<OpEntry> ops;  // sorted by call-id
  std::map<long long, const OpEntry*> active_monitors;  // interval -> last op
  int fail_count = 0;
  long long last_failure = 0;
  bool pending = false;
  bool stop_failed = false;
  bool banned = false;  // a hard error: never run here again
  bool fatal = false;   // not configured: never run anywhere
};

struct Action;
struct Colocation;
struct Location;

struct Resource {
  enum class Kind { kPrimitive, kGroup, kClone };
  Kind kind = Kind::kPrimitive;
  std::string id;        // instance id: "rsc", "rsc:2"
  std::string base_id;   // configured id, without ":N"
  const cib::Resource* def = nullptr;  // for instances: the cloned child's definition
  Resource* parent = nullptr;
  std::vector<Resource*> children;
  int order = 0;  // depth-first CIB order
  std::string cls, provider, type;

  // Effective configuration (meta attributes with defaults applied).
  std::map<std::string, std::string> meta;
  std::map<std::string, std::string> params;
  std::vector<const cib::Operation*> ops;
  int priority = 0;
  int stickiness = 0;
  int migration_threshold = kInfinity;
  long long failure_timeout_ms = 0;
  bool managed = true;
  bool maintenance = false;
  bool failure_ignored = false;
  std::optional<Role> target_role;
  bool promotable = false;
  bool unique = false;     // globally-unique clone
  bool interleave = false;
  bool notify = false;  // clone meta "notify": instances are told of each other's actions
  int clone_max = 0;
  int clone_node_max = 1;
  int promoted_max = 1;
  int promoted_node_max = 1;
  bool ordered = true;      // group/clone "ordered"
  bool collocated = true;
  std::string requires_;   // "fencing", "quorum", "nothing", "unfencing"
  bool is_fencing_device = false;
  int instance_number = -1;  // clone instances

  // Current state (from the status section).
  std::vector<NodeHistory> history;
  std::vector<Node*> running_on;
  Role role = Role::kStopped;
  bool failed = false;
  bool orphan = false;
  bool blocked = false;
  bool multiply_active = false;
  std::string orphan_history_id;
  std::set<Node*> banned;
  std::set<Node*> definition_changed;  // recorded op-digest differs: restart here
  bool reload = false;                 // only reloadable parameters changed
  std::set<std::pair<Node*, long long>> reschedule;  // recurring monitors with new parameters  // -INFINITY from failures (stop failed, on-fail=migrate, hard errors)

  // Placement.
  std::map<Node*, int> scores;  // allowed nodes
  Node* assigned = nullptr;
  bool assigned_done = false;
  Role next_role = Role::kUnknown;
  std::string stop_reason;  // why next_role is Stopped (for the summary)
  int promotion_priority = 0;
  int sort_index = 0;

  std::vector<Colocation*> this_with;  // colocations where this is the dependent
  std::vector<Colocation*> with_this;  // colocations where this is the primary
  std::vector<Location*> locations;
  std::vector<Action*> actions;  // this resource's actions, in creation order

  bool IsClone() const { return kind == Kind::kClone; }
  bool IsGroup() const { return kind == Kind::kGroup; }
  bool IsPrimitive() const { return kind == Kind::kPrimitive; }
  Resource* Top() { Resource* r = this; while (r->parent) r = r->parent; return r; }
  Node* CurrentNode() const { return running_on.size() == 1 ? running_on[0] : nullptr; }
  NodeHistory* HistoryOn(const Node* n) {
    for (auto& h : history) if (h.node == n) return &h;
    return nullptr;
  }
};

struct Ordering;

struct Action {
  int id = 0;
  std::string task;          // start, stop, monitor, promote, demote, stonith, running, ...
  Resource* rsc = nullptr;
  Node* node = nullptr;
  long long interval_ms = 0;
  bool pseudo = false;
  bool optional = true;
  bool runnable = true;
  bool is_probe = false;
  bool dumped = false;
  std::string reason;
  std::string fence_action;  // stonith: reboot, off, on
  std::string key;           // rsc_task_interval
  std::map<std::string, std::string> extra;  // graph meta
  // Clone notifications: Pacemaker's CRM_meta_notify_* values, keyed
  // without the "CRM_meta_" prefix, for the executor to pass to the agent
  // as OCF_RESKEY_CRM_meta_<key>.
  //  - An instance's `notify` action (task "notify") has every key:
  //    notify_type ("pre" or "post"), notify_operation (start, stop, promote
  //    or demote), notify_key_type and notify_key_operation (as in the
  //    action's key: "post" and "running" for a post-start notification),
  //    and the lists below.
  //  - A required start, stop, promote or demote of an instance of a notify
  //    clone has the lists only.
  //  - The clone's notify/notified pseudo-actions have the four
  //    notify_type/_operation/_key_type/_key_operation keys only.
  // Lists (space-separated; an empty list is exactly " "): the planned
  // actions notify_{start,stop,promote,demote}_{resource,uname}; the state
  // before the transition notify_active_{resource,uname},
  // notify_inactive_resource, notify_{promoted,unpromoted}_{resource,uname}
  // and their legacy copies notify_{master,slave}_{resource,uname};
  // notify_available_uname (the clone's allowed nodes) and notify_all_uname
  // (every node). `_uname` lists pair up with `_resource` lists by position.
  // The same lists go on every notification and action of one clone in one
  // transition.
  std::map<std::string, std::string> notify;
  std::vector<Ordering*> before;  // orderings where this is `then`
  std::vector<Ordering*> after;   // orderings where this is `first`
};

enum OrderFlags : unsigned {
  kOrderNone = 0,
  kOrderOptional = 1u << 0,
  kOrderImpliesThen = 1u << 1,   // first mandatory -> then mandatory
  kOrderImpliesFirst = 1u << 2,  // then mandatory -> first mandatory
  kOrderRunnableLeft = 1u << 3,  // first unrunnable -> then unrunnable
  kOrderRestart = 1u << 4,
  kOrderSerialize = 1u << 5,
  kOrderOneOrMore = 1u << 6,
  kOrderImpliesFirstPrinted = 1u << 7,
  kOrderImpliesThenPrinted = 1u << 8,
  kOrderAsymmetrical = 1u << 9,
  kOrderStopBlocks = 1u << 10,
};

struct Ordering {
  Action* first = nullptr;
  Action* then = nullptr;
  unsigned flags = 0;
  std::string origin;  // constraint id, for reasons
};

struct Colocation {
  std::string id;
  Resource* dependent = nullptr;
  Resource* primary = nullptr;
  int score = 0;
  Role dependent_role = Role::kUnknown;
  Role primary_role = Role::kUnknown;
  std::string node_attribute = "#uname";
  bool influence = true;
};

struct Location {
  std::string id;
  Resource* rsc = nullptr;
  std::vector<std::pair<Node*, int>> nodes;
  Role role = Role::kUnknown;
  std::string discovery = "always";
};

enum class OrderKind { kMandatory, kOptional, kSerialize };

struct OrderConstraint {
  std::string id;
  Resource* first = nullptr;
  std::string first_task = "start";
  Resource* then = nullptr;
  std::string then_task;  // defaults to first_task
  OrderKind kind = OrderKind::kMandatory;
  bool symmetrical = true;
  unsigned flags = 0;
  // Set orderings with require-all=false go through a pseudo action.
  std::vector<Resource*> first_any;  // non-empty: one-or-more of these
  std::string one_or_more_id;
  int clone_min = 0;  // first is a clone and this many instances must run first
};

class WorkingSet {
 public:
  explicit WorkingSet(const cib::Cib& cib) : cib_(cib) {}
  WorkingSet(const WorkingSet&) = delete;
  WorkingSet& operator=(const WorkingSet&) = delete;

  const cib::Cib& cib() const { return cib_; }

  ClusterOptions options;  // crm_config, read once by Unpack
  // Not crm_config options: from the CIB's attributes and resources.
  bool have_quorum = true;
  long long now = 0;  // seconds since the epoch (the CIB's execution-date wins)
  bool have_stonith_resource = false;
  std::deque<Node> nodes;  // sorted by name
  std::vector<std::unique_ptr<Resource>> all_resources;  // storage
  std::vector<Resource*> resources;  // top level, CIB order
  std::deque<Action> actions;
  std::deque<Ordering> orderings;
  // Every (resource, node) history in the order it was read, so actions that
  // Pacemaker creates while unpacking are created in the same order.
  std::vector<std::pair<Resource*, Node*>> history_order;
  std::deque<Colocation> colocations;
  std::deque<Location> locations;
  std::deque<OrderConstraint> orders;
  Node* dc = nullptr;
  std::vector<std::string> config_errors;

  Node* FindNode(const std::string& name_or_id);
  Node* FindNodeById(const std::string& id);
  Resource* FindResource(const std::string& id);  // configured or instance id
  Resource* NewResource();

  Action* FindAction(const Resource* rsc, const std::string& task, const Node* node,
                     long long interval_ms = 0);
  Action* NewAction(Resource* rsc, const std::string& task, Node* node, bool optional,
                    long long interval_ms = 0);
  // Actions told apart by key rather than by task, as notifications are
  // ("rsc_pre_notify_start_0"): finds or creates `rsc`'s action with this
  // key on `node` (nullptr for a pseudo-action).
  Action* FindKeyedAction(const Resource* rsc, const std::string& key, const Node* node);
  Action* NewKeyedAction(Resource* rsc, const std::string& key, const std::string& task, Node* node,
                         bool optional);
  Ordering* Order(Action* first, Action* then, unsigned flags, const std::string& origin = "");

 private:
  const cib::Cib& cib_;
  std::map<std::string, Resource*> by_id_;
  size_t indexed_ = 0;  // all_resources indexed into by_id_ so far
  std::vector<Action*> node_actions_;  // actions without a resource

  Action* Append(Resource* rsc, const std::string& key, const std::string& task, Node* node, bool optional,
                 long long interval_ms);
};

// Depth-first iteration over a resource tree (parents before children).
template <typename Fn>
void ForEachResource(const std::vector<Resource*>& rs, Fn&& fn) {
  for (Resource* r : rs) {
    fn(r);
    ForEachResource(r->children, fn);
  }
}

}  // namespace baton::scheduler
