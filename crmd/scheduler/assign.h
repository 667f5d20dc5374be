// Placement: node scores from locations, stickiness, health and failures;
// then assignment of every resource to a node (or none) in Pacemaker's
// order, honouring colocations, group chains, clone instance limits and
// promotion.
#pragma once

#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

// Initial allowed-node scores for every resource (symmetric default,
// location constraints, stickiness, migration-threshold bans).
void ApplyNodeCriteria(WorkingSet* ws);

// Assigns every resource; sets Resource::assigned and next_role.
void AssignResources(WorkingSet* ws);

// Node availability as Pacemaker's pcmk__node_available(consider_score=false).
bool NodeAvailable(const Node* n);

}  // namespace baton::scheduler
