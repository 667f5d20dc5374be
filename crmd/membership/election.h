// DC election: exactly one designated coordinator per quorate view. The
// choice is a pure function of what every member of the view knows (its
// members and which of them are ready), so all members choose the same DC
// without another round of messages. A new DC follows within one view
// change (so within a token) when the DC is lost.
#pragma once

#include <optional>
#include <set>

#include "crmd/membership/membership.h"

namespace baton::membership {

// The lowest node id among the view's ready members, if the view is quorate.
inline std::optional<NodeId> ElectDc(const std::set<NodeId>& ready_members, bool quorate) {
  if (!quorate || ready_members.empty()) return std::nullopt;
  return *ready_members.begin();
}

}  // namespace baton::membership
