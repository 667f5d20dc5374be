#include "crmd/scheduler/scheduler.h"

#include "crmd/scheduler/actions.h"
#include "crmd/scheduler/assign.h"
#include "crmd/scheduler/constraints.h"
#include "crmd/scheduler/unpack.h"

namespace baton::scheduler {

absl::StatusOr<std::unique_ptr<WorkingSet>> Schedule(const cib::Cib& cib, long long now) {
  auto ws = std::make_unique<WorkingSet>(cib);
  if (auto st = Unpack(ws.get(), now); !st.ok()) return st;
  UnpackConstraints(ws.get());
  ApplyNodeCriteria(ws.get());
  AssignResources(ws.get());
  CreateActions(ws.get());
  return ws;
}

bool InGraph(const Action& a) {
  if (!a.runnable) return false;
  if (a.optional && !a.extra.count("print_always")) return false;
  if (a.pseudo || a.task == "stonith" || a.task == "do_shutdown") return true;
  if (a.rsc && !a.rsc->managed && a.task != "monitor" && a.task != "cancel") return false;
  if (a.node == nullptr) return false;
  return a.node->online && !a.node->unclean;
}

}  // namespace baton::scheduler
