// Actions and orderings: what each resource must do to reach its assigned
// node and role (stop/start/promote/demote, recurring monitors, probes),
// fencing of unclean nodes, ordering constraints turned into action links,
// and the propagation of "mandatory" and "runnable" along those links.
#pragma once

#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

void CreateActions(WorkingSet* ws);

}  // namespace baton::scheduler
