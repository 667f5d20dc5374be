// Small helpers shared by the scheduler's stages.
#pragma once

#include <string>
#include <string_view>

#include "crmd/cib/cib.h"

namespace baton::scheduler {

// Case-insensitive, numeric-aware order ("node2" < "node10"), as Pacemaker
// sorts node names.
bool NaturalLess(std::string_view a, std::string_view b);

// The <template> with this id, or nullptr.
const cib::Resource* FindTemplate(const cib::Cib& cib, const std::string& id);

}  // namespace baton::scheduler
