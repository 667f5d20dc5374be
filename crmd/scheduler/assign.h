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

// pcmk__add_colocated_node_scores(): `nodes` with `r`'s preferences (and
// those of what is colocated with `r`) merged in at `factor`. With
// `rollback`, nothing changes if the result leaves no usable node; with
// `positive`, merged scores never go below zero.
std::map<Node*, int> MergeColocatedScores(WorkingSet* ws, Resource* r, const std::map<Node*, int>& nodes,
                                          const std::string& attr, float factor, bool rollback, bool positive);

}  // namespace baton::scheduler
