// DC election: exactly one designated coordinator per view, chosen by a pure
// function of what every member of the view knows — its members, which of
// them are ready, and each one's incarnation (the wall-clock time its crmd
// started, carried by every heartbeat) — so all members choose the same DC
// without another round of messages.
//
// The DC is the ready member that has run longest (the lowest incarnation;
// the lowest id breaks a tie), as Pacemaker's controllers prefer the one
// with the longest uptime. So a node that joins, or restarts and rejoins,
// never takes the role from a running DC (which would throw away its
// transition and make the newcomer decide from less history); a new DC
// follows within one view change (so within a token) when the DC is lost.
//
// The same DC serves every purpose: the controller's (quorate or not:
// without quorum it applies no-quorum-policy) and, in quorate views only,
// the CIB's single writer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "crmd/membership/membership.h"

namespace baton::membership {

// `ready`: each ready member of the view -> its incarnation.
inline std::optional<NodeId> ElectDc(const std::map<NodeId, uint64_t>& ready) {
  std::optional<NodeId> best;
  uint64_t best_incarnation = 0;
  for (const auto& [id, incarnation] : ready) {
    if (!best || incarnation < best_incarnation) {  // ids ascend: a tie keeps the lower id
      best = id;
      best_incarnation = incarnation;
    }
  }
  return best;
}

// The DC as `m` sees its current view.
inline std::optional<NodeId> ElectDc(const Membership& m) { return ElectDc(m.ReadyCandidates()); }

}  // namespace baton::membership
