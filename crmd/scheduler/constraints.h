// Constraints from the CIB into the working set (locations, colocations,
// orderings), with tags and resource sets expanded.
#pragma once

#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

void UnpackConstraints(WorkingSet* ws);

}  // namespace baton::scheduler
