// The transition graph as crm_simulate saves it: XML (-G) and Graphviz (-D).
#pragma once

#include <string>
#include <vector>

#include "crmd/scheduler/scheduler.h"

namespace baton::cli {

std::string GraphXml(const scheduler::WorkingSet& ws, const std::vector<const scheduler::Action*>& graph);
std::string GraphDot(const scheduler::WorkingSet& ws, const std::vector<const scheduler::Action*>& graph);

}  // namespace baton::cli
