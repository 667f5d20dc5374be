// The state of one CreateActions run (actions.h), internal to the scheduler:
// actions.cc creates the actions and orderings, actions_propagate.cc runs the
// fixpoint that spreads "mandatory" and "runnable" along them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

struct NotifyData;  // notify.cc

class ActionBuilder {
 public:
  explicit ActionBuilder(WorkingSet* ws) : ws_(ws) {}
  void Run();

 private:
  // Action creation.
  Action* Custom(Resource* r, const std::string& task, Node* node, bool optional, long long interval = 0);
  Action* Pseudo(Resource* r, const std::string& task, bool optional);
  void UpdateRunnable(Action* a);
  void Stop(Resource* r, bool optional);
  void Start(Resource* r, Node* node, bool optional);
  void Promote(Resource* r, Node* node, bool optional);
  void Demote(Resource* r, bool optional);
  void Transition(Resource* r, Role from, Role to, Node* node, bool optional);
  void PrimitiveActions(Resource* r);
  void Recurring(Resource* r);
  void StoppedMonitor(Resource* r, long long interval);
  void CollectiveActions(Resource* r);
  void ResourceActions(Resource* r);
  void Probes();
  void UnpackActions();
  void OrderProbes();
  bool ProbeOne(Resource* r, Node* node);
  void Fencing();
  void OrderVsFence(Action* fence, Node* target);
  // Orderings.
  void PrimitiveInternal(Resource* r);
  void GroupInternal(Resource* g);
  void CloneInternal(Resource* c);
  void Internal(Resource* r);
  std::vector<Action*> ActionsOf(Resource* r, const std::string& task, bool create_first);
  void Constraints();
  void LinkOrder(Resource* first, const std::string& ftask, Resource* then, const std::string& ttask,
                 unsigned flags, const std::string& id, bool create_first);
  // Propagation.
  bool Propagate();
  void FinalizeCollective(Resource* r);
  bool Update(Action* then, int depth);
  bool ApplyOrdering(Ordering* o);
  bool MakeMandatory(Action* a, Action* because);
  bool MakeUnrunnable(Action* a, Action* because);
  bool EffectiveOptional(Action* a);
  bool EffectiveRunnable(Action* a);
  // Whether a clone's action is optional as seen from an action on `node`.
  bool OptionalOn(Action* a, const Node* node);
  bool BlockColocated();
  // Clone notifications (notify.cc). A notify clone's pre/post pseudo-actions
  // for one task (start, stop, promote, demote):
  //   pre -> confirmed-pre -> clone's task ... clone's completion -> post ->
  //   confirmed-post, each instance's notify between pre (post) and
  //   confirmed-pre (confirmed-post).
  struct NotifyOps {
    Action* pre = nullptr;
    Action* pre_done = nullptr;
    Action* post = nullptr;
    Action* post_done = nullptr;
  };
  Action* NotifyPseudo(Resource* r, const Action* action, const std::string& task, const std::string& notified,
                       const std::string& type);
  NotifyOps NotifyPseudos(Resource* r, const std::string& task, Action* action, Action* complete);
  // After the clone's `task` and completion pseudo-actions are created.
  void CloneNotifyPseudos(Resource* clone, const std::string& task);
  // What an ordering whose first is `first`'s `completed_task` ("running")
  // waits for instead: the clone's confirmed-post notification, or nullptr.
  Action* NotifyDone(Resource* first, const std::string& completed_task);
  Action* InstanceNotify(Resource* inst, Node* node, Action* op, Action* done,
                         const std::map<std::string, std::string>& keys);
  void InstancePostNotify(Resource* inst, Node* node, const NotifyOps& ops,
                          const std::map<std::string, std::string>& keys);
  void NotifyInstances(Resource* r, const std::string& task, const NotifyOps& ops, const NotifyData& d);
  void SettleNotifyPseudos(Resource* clone, const std::string& task, const NotifyOps& ops);
  // After propagation: the lists and the instances' notify actions.
  void CreateNotifications();
  void NotifyAfterFencing(Action* stop, Action* fence);

  WorkingSet* ws_;
  std::vector<Action*> fencing_;
  std::vector<Action*> touched_;
  std::vector<Action*> probes_;  // actions changed by the last ApplyOrdering
  std::map<const Resource*, std::map<std::string, NotifyOps>> notify_;  // clone -> task -> pseudo-actions
};

// The "-ed" pseudo-action that stands for a collective's task as a `first`
// ("running" for "start"); other tasks unchanged.
std::string Completed(const std::string& task);

// A resource's non-recurring actions for `task`: a collective's own action,
// or a primitive's on every node.
std::vector<Action*> ActionsFor(WorkingSet* ws, Resource* r, const std::string& task);

}  // namespace baton::scheduler
