// Small helpers shared by the scheduler's stages.
#pragma once

#include <string>
#include <string_view>

#include "lib/cib/cib.h"

namespace baton::scheduler {

// The <template> with this id, or nullptr.
const cib::Resource* FindTemplate(const cib::Cib& cib, const std::string& id);

}  // namespace baton::scheduler
