// Promotable clones: promotion scores (master-<rsc> node attributes,
// location constraints with role Promoted, colocations with roles) and the
// choice of which instances are promoted.
#pragma once

#include "crmd/scheduler/working_set.h"

namespace baton::scheduler {

// Before instances are placed: positive promotion scores bias placement.
void AddPromotionScores(WorkingSet* ws, Resource* clone);

// After placement: sets each instance's next role (Promoted/Unpromoted).
void SetInstanceRoles(WorkingSet* ws, Resource* clone);

// A dependent colocated with a role of a promotable clone, while the
// dependent is being placed.
void UpdateDependentWithPromotable(Resource* primary, Resource* dependent, const Colocation* c);

// The promotion score of an instance (primitive or group) on a node, or
// nullopt when no score is set.
std::optional<int> PromotionScore(const Resource* inst, const Node* node);

}  // namespace baton::scheduler
