// Unpacking: CIB -> WorkingSet. Reads cluster options, nodes and their
// state, the resource tree (clone instances expanded) and each resource's
// operation history into its current role, failures and fail counts.
#pragma once

#include "absl/status/status.h"
#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

// `now` is seconds since the epoch; the CIB's execution-date, if any, wins.
absl::Status Unpack(WorkingSet* ws, long long now);

}  // namespace baton::scheduler
