// votequorum's rules over one node's view: see quorum.h.
#include "crmd/quorum/quorum.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace baton::quorum {
namespace {

uint64_t SumOfVotes(const Config& config) {
  uint64_t sum = 0;
  for (const NodeVotes& n : config.nodes) sum += n.votes;
  return sum;
}

absl::Status CheckNodelist(const Config& config) {
  if (config.nodes.empty()) {
    return absl::InvalidArgumentError(
        "quorum: the nodelist is empty; add a node { nodeid: N } for every cluster node");
  }
  std::set<uint32_t> seen;
  for (const NodeVotes& n : config.nodes) {
    if (n.node_id == 0) {
      return absl::InvalidArgumentError(
          "quorum: node id 0 is reserved; give every node a nodeid of 1 or more");
    }
    if (!seen.insert(n.node_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("quorum: node id ", n.node_id, " is listed twice in the nodelist"));
    }
  }
  if (SumOfVotes(config) == 0) {
    return absl::InvalidArgumentError(
        "quorum: the nodes' votes add up to 0; give at least one node quorum_votes: 1");
  }
  if (SumOfVotes(config) > UINT32_MAX / 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("quorum: the nodes' votes add up to ", SumOfVotes(config),
                     ", more than votequorum can count; lower quorum_votes"));
  }
  return absl::OkStatus();
}

absl::Status CheckFeatures(const Config& config) {
  const uint64_t sum = SumOfVotes(config);
  const bool wait_for_all = config.wait_for_all.value_or(config.two_node);
  if (config.expected_votes == 0u) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quorum: expected_votes: 0 is invalid; remove it to use the sum of the nodes' votes (", sum,
        ")"));
  }
  if (config.expected_votes.has_value() && *config.expected_votes > UINT32_MAX / 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("quorum: expected_votes: ", *config.expected_votes, " is too large"));
  }
  if (config.two_node && config.nodes.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("quorum: two_node: 1 needs exactly 2 nodes in the nodelist, found ",
                     config.nodes.size(), "; remove two_node"));
  }
  if (config.two_node && config.auto_tie_breaker) {
    return absl::InvalidArgumentError(
        "quorum: two_node and auto_tie_breaker cannot both be on: two_node leaves a split to "
        "fencing, auto_tie_breaker to the lowest node id; remove one of them");
  }
  if (wait_for_all && config.expected_votes.value_or(0) > sum) {
    return absl::InvalidArgumentError(
        absl::StrCat("quorum: wait_for_all can never be satisfied: expected_votes (",
                     *config.expected_votes, ") is more than the nodes' votes (", sum,
                     "); lower expected_votes or set wait_for_all: 0"));
  }
  if (config.last_man_standing) {
    for (const NodeVotes& n : config.nodes) {
      if (n.votes != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("quorum: last_man_standing needs every node to have 1 vote, node ",
                         n.node_id, " has ", n.votes, "; remove its quorum_votes"));
      }
    }
  }
  if (config.auto_tie_breaker && sum % 2 == 1 && !wait_for_all) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quorum: auto_tie_breaker with an odd number of votes (", sum,
        ") needs wait_for_all: 1, so that a restarted majority without the tie-breaker node "
        "cannot become quorate by itself"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Validate(const Config& config) {
  if (absl::Status s = CheckNodelist(config); !s.ok()) return s;
  return CheckFeatures(config);
}

absl::StatusOr<Quorum> Quorum::Create(Config config, uint32_t my_node_id) {
  if (absl::Status s = Validate(config); !s.ok()) return s;
  const bool listed = std::any_of(config.nodes.begin(), config.nodes.end(),
                                  [&](const NodeVotes& n) { return n.node_id == my_node_id; });
  if (!listed) {
    return absl::InvalidArgumentError(
        absl::StrCat("quorum: this node's id ", my_node_id,
                     " is not in the nodelist; add it or fix this node's nodeid"));
  }
  return Quorum(std::move(config), my_node_id);
}

Quorum::Quorum(Config config, uint32_t my_node_id)
    : config_(std::move(config)), my_node_id_(my_node_id) {
  uint32_t sum = 0;
  for (const NodeVotes& n : config_.nodes) {
    votes_[n.node_id] = n.votes;
    sum += n.votes;
  }
  lowest_node_id_ = votes_.begin()->first;
  expected_votes_ = config_.expected_votes.value_or(sum);
  waiting_for_all_ = config_.wait_for_all.value_or(config_.two_node);
  members_ = {my_node_id_};
  Recompute();
}

absl::Status Quorum::Reconfigure(Config config) {
  auto next = Create(std::move(config), my_node_id_);
  if (!next.ok()) return next.status();
  bool satisfied = !waiting_for_all_;
  std::set<uint32_t> members = members_;
  *this = *std::move(next);
  if (satisfied) waiting_for_all_ = false;
  for (uint32_t id : members) {
    if (votes_.contains(id)) members_.insert(id);
  }
  Recompute();
  return absl::OkStatus();
}

void Quorum::OnMembership(const std::set<uint32_t>& members, uint64_t now_ms) {
  ExpireLastManStanding(now_ms);
  std::set<uint32_t> next;
  for (uint32_t id : members) {
    if (votes_.contains(id)) next.insert(id);
  }
  next.insert(my_node_id_);
  if (next == members_) return;
  // Any change restarts a pending window: expected votes come down only
  // after the view has been stable for the whole window.
  if (config_.last_man_standing && (lms_deadline_ms_ || LastManStandingArms(next))) {
    lms_deadline_ms_ = now_ms + config_.last_man_standing_window_ms;
  }
  members_ = std::move(next);
  Recompute();
}

void Quorum::OnPeerState(uint32_t node_id, const PeerState& state) {
  if (node_id == my_node_id_ || !members_.contains(node_id)) return;
  if (!state.quorate || state.expected_votes == 0) return;
  // A quorate peer is the authority: an inquorate node takes its expected
  // votes even when lower (last man standing brought them down), and the
  // wait for all is over since the partition already saw everyone.
  expected_votes_ =
      quorate_ ? std::max(expected_votes_, state.expected_votes) : state.expected_votes;
  waiting_for_all_ = false;
  Recompute();
}

void Quorum::OnTick(uint64_t now_ms) { ExpireLastManStanding(now_ms); }

uint32_t Quorum::VotesOf(const std::set<uint32_t>& nodes) const {
  uint32_t sum = 0;
  for (uint32_t id : nodes) {
    auto it = votes_.find(id);
    if (it != votes_.end()) sum += it->second;
  }
  return sum;
}

bool Quorum::TieBreakerPresent(const std::set<uint32_t>& nodes) const {
  return config_.auto_tie_breaker && nodes.contains(lowest_node_id_);
}

// As corosync arms its timer: some members left and the rest still hold
// quorum, or the rest is at most quorum but holds the tie-breaker node (so
// that the last two can shrink to one).
bool Quorum::LastManStandingArms(const std::set<uint32_t>& next) const {
  const bool someone_left =
      !std::includes(next.begin(), next.end(), members_.begin(), members_.end());
  const uint32_t votes = VotesOf(next);
  return (someone_left && votes >= quorum_) || (votes <= quorum_ && TieBreakerPresent(next));
}

void Quorum::ExpireLastManStanding(uint64_t now_ms) {
  if (!lms_deadline_ms_ || now_ms < *lms_deadline_ms_) return;
  lms_deadline_ms_.reset();
  if (!quorate_) return;
  expected_votes_ = total_votes_;
  Recompute();
}

void Quorum::Recompute() {
  total_votes_ = VotesOf(members_);
  expected_votes_ = std::max(expected_votes_, total_votes_);
  // Validate allows two_node only with 2 configured nodes, so a view never
  // holds more than two.
  quorum_ = config_.two_node ? 1 : expected_votes_ / 2 + 1;
  if (waiting_for_all_ && total_votes_ >= expected_votes_) waiting_for_all_ = false;
  quorate_ = Quorate();
}

bool Quorum::Quorate() const {
  if (waiting_for_all_) return false;
  if (total_votes_ >= quorum_) return true;
  // An exact half: the other half has as many votes, too few for quorum,
  // and only one of the two can hold the lowest configured node id.
  return total_votes_ * 2 == expected_votes_ && TieBreakerPresent(members_);
}

}  // namespace baton::quorum
