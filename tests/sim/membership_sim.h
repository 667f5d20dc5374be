// Deterministic simulation of membership, quorum and DC election: N nodes in
// one process, a fake clock and a fake network that loses, delays,
// duplicates and reorders heartbeats, cuts links one way or both, replays
// heartbeats it delivered earlier, and crashes and restarts nodes, all
// driven by one seed. After every step the invariants are checked; the
// first violation stops the run with a description that names the seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crmd/membership/membership.h"
#include "crmd/quorum/quorum.h"

namespace baton::sim {

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int links = 2;
  uint64_t token_ms = 500;
  uint64_t heartbeat_ms = 100;
  uint64_t fault_ms = 4000;  // faults are injected during this time
  uint64_t heal_ms = 3000;   // then everything is healed and must converge
  uint64_t step_ms = 10;
  double loss = 0.05;
  double duplicate = 0.02;
  uint64_t max_delay_ms = 30;
  // Replay fault (an attacker on the LAN): the network keeps the datagrams
  // it delivered, the latest `replay_recent` of them and a uniform sample
  // of `replay_archive` older ones, and each step, with probability
  // `replay`, re-delivers 1 to `replay_burst` of them, each to its original
  // receiver or to any node, in whatever life that node is now. Replays run
  // through healing too: they must change nothing (membership.h, 4).
  double replay = 0;
  int replay_burst = 4;
  size_t replay_recent = 256;
  size_t replay_archive = 256;
  // Testing the tests: deliberately break the protocol (install the own
  // proposal without waiting for agreement) to see the checker catch it.
  bool break_agreement = false;
  // Likewise: every node considers itself quorate.
  bool break_quorum = false;
  // Likewise: receivers count heartbeats without checking that they are
  // addressed to them, in this life (membership.h, 4).
  bool break_echo = false;
  // votequorum options (see crmd/quorum). With two_node both halves of a
  // split stay quorate by design (fencing decides), so the disjoint-quorate
  // check is off for it.
  bool two_node = false;
  bool auto_tie_breaker = false;
  bool wait_for_all = false;
};

struct SimResult {
  bool ok = true;
  std::string failure;  // what broke, when, and how to rerun
  uint64_t view_changes = 0;
  uint64_t messages = 0;
  uint64_t replays = 0;          // replayed datagrams handed to a running node
  uint64_t replays_refused = 0;  // of those, the ones it did not count
};

SimResult RunMembershipSim(const SimOptions& options);

}  // namespace baton::sim
