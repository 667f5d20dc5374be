// The state of one CreateActions run (actions.h), internal to the scheduler:
// actions.cc creates the actions and orderings, actions_propagate.cc runs the
// fixpoint that spreads "mandatory" and "runnable" along them.
#pragma once

#include <string>
#include <vector>

#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

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
  bool BlockColocated();

  WorkingSet* ws_;
  std::vector<Action*> fencing_;
  std::vector<Action*> touched_;
  std::vector<Action*> probes_;  // actions changed by the last ApplyOrdering
};

// A resource's non-recurring actions for `task`: a collective's own action,
// or a primitive's on every node.
std::vector<Action*> ActionsFor(WorkingSet* ws, Resource* r, const std::string& task);

}  // namespace baton::scheduler
