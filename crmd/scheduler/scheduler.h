// The scheduler: a pure function from a CIB and a time to a transition (the
// actions with their orderings) and placement scores. No I/O, no clock reads,
// no randomness: the same input always gives the same output. Serves the DC
// and `crm simulate`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crmd/cib/cib.h"
#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

// Runs the whole pipeline. `now` is seconds since the epoch (the CIB's
// execution-date, if present, wins). The returned working set refers to
// `cib`, which must outlive it.
absl::StatusOr<std::unique_ptr<WorkingSet>> Schedule(const cib::Cib& cib, long long now);

// The "Transition Summary" lines (without the header), as crm_simulate prints
// them: fencing first, then one line per resource that changes.
std::vector<std::string> TransitionSummary(const WorkingSet& ws);

// Whether an action goes into the transition graph.
bool InGraph(const Action& a);

}  // namespace baton::scheduler
