// Cluster status in crm_mon's text layout: the node list and the resource
// list, as `crm status` and crm_simulate's "Current/Revised Cluster Status"
// print them.
#pragma once

#include <string>
#include <vector>

#include "crmd/scheduler/scheduler.h"

namespace baton::cli {

struct StatusOptions {
  int indent = 2;            // spaces before the top-level "* " items
  bool show_inactive = true;  // "Full List of Resources" (stopped resources too)
};

// "* Node List:" and its items, at the given indent.
std::vector<std::string> NodeListLines(const scheduler::WorkingSet& ws, int indent);

// One line (or block) per top-level resource, at the given indent.
std::vector<std::string> ResourceLines(const scheduler::WorkingSet& ws, int indent, bool show_inactive);

// "x of y resource instances DISABLED and z BLOCKED ..." (empty when none).
std::string DisabledBlockedLine(const scheduler::WorkingSet& ws);

// Counts for "N resource instances configured" and the disabled/blocked notes.
struct ResourceCounts {
  int instances = 0;
  int disabled = 0;
  int blocked = 0;
};
ResourceCounts CountResources(const scheduler::WorkingSet& ws);

}  // namespace baton::cli
