// The scheduler: a pure function from a CIB and a time to a transition (the
// actions with their orderings) and placement scores. No I/O, no clock reads,
// no randomness: the same input always gives the same output. Serves the DC
// and `crm simulate`.
//
// This is the scheduler's public header: the CLI includes nothing else of it
// (the working set it returns is declared in working_set.h, included here).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crmd/scheduler/working_set.h"
#include "lib/cib/cib.h"

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

// Parses an ISO 8601 date/time ("2005-020T12:30", "2014-05-07 00:28:00Z")
// to seconds since the epoch (UTC). With `ignore_offset`, a numeric zone
// offset is read but not applied, as Pacemaker 2.1.5's rule evaluation does.
std::optional<long long> ParseIsoDateTime(std::string_view text, bool ignore_offset = false);

// Case-insensitive, numeric-aware order ("node2" < "node10"), as Pacemaker
// sorts node names.
bool NaturalLess(std::string_view a, std::string_view b);

}  // namespace baton::scheduler
