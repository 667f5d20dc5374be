// The cluster options (the CIB's crm_config cluster_property_sets), typed:
// the table of every option Pacemaker 2.1.5's scheduler, controller, fencer
// and CIB manager read, and one parse of the sets into ClusterOptions that
// the scheduler, the controller and the daemon share.
//
// It lives in the scheduler library because reading the sets needs the rule
// evaluation (rules.h), and the cib library cannot depend on the scheduler.
//
// Invariants:
//  1. A value is used only if Pacemaker 2.1.5 would accept it; an absent or
//     invalid value gives the option's default (Pacemaker logs and uses the
//     default: ParseClusterOptions reports it in `problems`).
//  2. ValidateClusterOption accepts exactly the values ParseClusterOptions
//     uses, so a value a command accepted is never silently replaced.
// Thread-safety: the table is immutable; the functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lib/cib/cib.h"

namespace baton::scheduler {

enum class OptionType { kBoolean, kInteger, kScore, kTime, kEnum, kString, kPercentage };

// "boolean", "integer", "score", "time", "enum", "string", "percentage".
const char* OptionTypeName(OptionType type);

// Which daemons read an option (bits).
enum OptionReader : unsigned {
  kReadByScheduler = 1u << 0,
  kReadByController = 1u << 1,
  kReadByFencer = 1u << 2,
  kReadByCibManager = 1u << 3,
};

struct ClusterOptionInfo {
  std::string_view name;
  std::string_view legacy_name;    // a deprecated name still read when `name` is absent, or ""
  OptionType type;
  std::string_view default_value;  // "" for cluster-name, which has none
  std::string_view allowed;        // kEnum: the values, ", "-separated
  std::string_view description;
  unsigned readers;                // OptionReader bits
};

// Every option, grouped by topic.
const std::vector<ClusterOptionInfo>& ClusterOptionTable();

// The option called `name` (its current or legacy name), or nullptr.
const ClusterOptionInfo* FindClusterOption(std::string_view name);

// OK if `value` is valid for the option `name`. Else NotFound "unknown
// cluster option 'NAME'" for a name no daemon reads, or InvalidArgument
// naming the option, what it expects and the value given
// ("cluster option 'stonith-enabled' expects a boolean (...), not 'maybe'").
absl::Status ValidateClusterOption(std::string_view name, std::string_view value);

enum class NoQuorumPolicy { kStop, kFreeze, kIgnore, kDemote, kSuicide };
enum class StonithAction { kReboot, kOff };  // "poweroff" is Pacemaker's deprecated "off"
enum class PlacementStrategy { kDefault, kUtilization, kMinimal, kBalanced };
enum class NodeHealthStrategy { kNone, kMigrateOnRed, kOnlyGreen, kProgressive, kCustom };
enum class FenceReaction { kStop, kPanic };

// "reboot" or "off", as a fencing request names the action.
const char* StonithActionName(StonithAction action);

// Durations are milliseconds; the defaults are Pacemaker 2.1.5's.
struct ClusterOptions {
  // Scheduler: placement and recovery.
  bool symmetric_cluster = true;
  NoQuorumPolicy no_quorum_policy = NoQuorumPolicy::kStop;
  bool maintenance_mode = false;
  bool start_failure_is_fatal = true;
  bool enable_startup_probes = true;
  bool shutdown_lock = false;
  int64_t shutdown_lock_limit_ms = 0;
  bool stop_all_resources = false;
  bool stop_orphan_resources = true;
  bool stop_orphan_actions = true;
  bool remove_after_stop = false;
  PlacementStrategy placement_strategy = PlacementStrategy::kDefault;
  NodeHealthStrategy node_health_strategy = NodeHealthStrategy::kNone;
  int node_health_base = 0;
  int node_health_green = 0;
  int node_health_yellow = 0;
  int node_health_red = -1000000;  // -INFINITY
  int batch_limit = 0;             // 0: no fixed limit
  int migration_limit = -1;        // -1: no limit
  int64_t cluster_delay_ms = 60000;
  int pe_error_series_max = -1;
  int pe_warn_series_max = 5000;
  int pe_input_series_max = 4000;

  // Fencing.
  bool stonith_enabled = true;
  StonithAction stonith_action = StonithAction::kReboot;
  int64_t stonith_timeout_ms = 60000;
  bool have_watchdog = false;
  bool concurrent_fencing = false;
  bool startup_fencing = true;
  int64_t priority_fencing_delay_ms = 0;
  // Negative: twice SBD_WATCHDOG_TIMEOUT (Pacemaker's "auto"); 0: no
  // watchdog self-fencing.
  int64_t stonith_watchdog_timeout_ms = 0;
  int stonith_max_attempts = 10;
  FenceReaction fence_reaction = FenceReaction::kStop;

  // Controller.
  std::string dc_version = "none";
  std::string cluster_infrastructure = "corosync";
  std::string cluster_name;
  int64_t dc_deadtime_ms = 20000;
  int64_t cluster_recheck_interval_ms = 15 * 60000;
  int load_threshold_percent = 80;
  int node_action_limit = 0;
  int64_t election_timeout_ms = 2 * 60000;
  int64_t shutdown_escalation_ms = 20 * 60000;
  int64_t join_integration_timeout_ms = 3 * 60000;
  int64_t join_finalization_timeout_ms = 30 * 60000;
  int64_t transition_delay_ms = 0;

  // CIB manager.
  bool enable_acl = false;
  int cluster_ipc_limit = 500;

  bool operator==(const ClusterOptions&) const = default;
};

// Reads the crm_config sets once, as Pacemaker does: the set with id
// "cib-bootstrap-options" first, then by score; rules evaluated at `now_s`
// (seconds since the epoch). Invalid values are replaced by the default,
// with a line for each in `problems` if given.
ClusterOptions ParseClusterOptions(const cib::Cib& cib, int64_t now_s,
                                   std::vector<std::string>* problems = nullptr);

// The same, from name -> value pairs already read from the sets.
ClusterOptions ClusterOptionsFromValues(const std::map<std::string, std::string>& values,
                                        std::vector<std::string>* problems = nullptr);

}  // namespace baton::scheduler
