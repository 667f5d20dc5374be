// The cluster option table and its typed parse (see cluster_options.h).
// Validity follows Pacemaker 2.1.5's validators (lib/common/options.c):
// booleans as crm_str_to_boolean, integers as strtoll with the INFINITY
// words, percentages as "N%"; intervals as the scheduler reads operation
// intervals (ParseIntervalMs).
#include "crmd/scheduler/cluster_options.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crmd/scheduler/rules.h"
#include "crmd/scheduler/score.h"

namespace baton::scheduler {
namespace {

// How a value is checked; a type can have more than one (a positive
// integer, an interval that may be negative, an enum compared with case).
enum class Check {
  kBoolean,
  kInteger,
  kPositiveInteger,
  kScore,
  kTime,
  kSignedTime,
  kEnum,
  kEnumWithCase,
  kPercentage,
  kAny,
};

struct Spec {
  ClusterOptionInfo info;
  Check check;
};

constexpr unsigned kS = kReadByScheduler;
constexpr unsigned kC = kReadByController;
constexpr unsigned kF = kReadByFencer;
constexpr unsigned kB = kReadByCibManager;

using T = OptionType;

// Pacemaker 2.1.5: lib/pengine/common.c (scheduler), daemons/controld/
// controld_control.c (controller), lib/cib/cib_utils.c (CIB manager); the
// fencer reads stonith-watchdog-timeout from crm_config.
const std::vector<Spec>& Specs() {
  static const std::vector<Spec> kSpecs = {
      // Placement and recovery.
      {{"no-quorum-policy", "", T::kEnum, "stop", "stop, freeze, ignore, demote, suicide",
        "What to do when the partition does not have quorum", kS | kC},
       Check::kEnum},
      {{"symmetric-cluster", "", T::kBoolean, "true", "", "Whether resources may run on any node by default", kS},
       Check::kBoolean},
      {{"maintenance-mode", "", T::kBoolean, "false", "",
        "Whether the cluster leaves resources alone (no monitors, starts or stops)", kS},
       Check::kBoolean},
      {{"start-failure-is-fatal", "", T::kBoolean, "true", "",
        "Whether a failed start bans the resource from that node at once (else migration-threshold counts)",
        kS},
       Check::kBoolean},
      {{"enable-startup-probes", "", T::kBoolean, "true", "",
        "Whether to probe for active resources when a node joins", kS},
       Check::kBoolean},
      {{"shutdown-lock", "", T::kBoolean, "false", "",
        "Whether resources of a cleanly shut down node stay locked to it until it returns", kS | kC},
       Check::kBoolean},
      {{"shutdown-lock-limit", "", T::kTime, "0", "",
        "How long a shutdown lock lasts at most (0: until the node returns)", kS},
       Check::kTime},
      {{"stop-all-resources", "", T::kBoolean, "false", "", "Whether to stop every active resource", kS},
       Check::kBoolean},
      {{"stop-orphan-resources", "", T::kBoolean, "true", "",
        "Whether to stop resources removed from the configuration", kS},
       Check::kBoolean},
      {{"stop-orphan-actions", "", T::kBoolean, "true", "",
        "Whether to cancel recurring operations removed from the configuration", kS},
       Check::kBoolean},
      {{"remove-after-stop", "", T::kBoolean, "false", "",
        "Deprecated: whether to remove stopped resources from the executor", kS},
       Check::kBoolean},
      {{"placement-strategy", "", T::kEnum, "default", "default, utilization, minimal, balanced",
        "How resources are spread over nodes (utilization attributes)", kS},
       Check::kEnum},
      {{"batch-limit", "", T::kInteger, "0", "",
        "How many actions the cluster runs in parallel (0: no fixed limit)", kS},
       Check::kInteger},
      {{"migration-limit", "", T::kInteger, "-1", "",
        "How many live migrations may run in parallel on a node (-1: no limit)", kS},
       Check::kInteger},
      {{"cluster-delay", "", T::kTime, "60s", "",
        "Round-trip allowance between nodes, past an action's own timeout", kS},
       Check::kTime},

      // Node health.
      {{"node-health-strategy", "", T::kEnum, "none", "none, migrate-on-red, only-green, progressive, custom",
        "How #health node attributes affect where resources run", kS},
       Check::kEnum},
      {{"node-health-base", "", T::kScore, "0", "", "The base health score of a node (progressive)", kS},
       Check::kScore},
      {{"node-health-green", "", T::kScore, "0", "", "The score of a health attribute that is green", kS},
       Check::kScore},
      {{"node-health-yellow", "", T::kScore, "0", "", "The score of a health attribute that is yellow", kS},
       Check::kScore},
      {{"node-health-red", "", T::kScore, "-INFINITY", "", "The score of a health attribute that is red", kS},
       Check::kScore},

      // Fencing.
      {{"stonith-enabled", "", T::kBoolean, "true", "",
        "Whether lost nodes are fenced before their resources are recovered elsewhere", kS},
       Check::kBoolean},
      {{"stonith-action", "", T::kEnum, "reboot", "reboot, off, poweroff",
        "The fencing action (poweroff is a deprecated name of off)", kS},
       Check::kEnumWithCase},
      {{"stonith-timeout", "", T::kTime, "60s", "", "How long a fencing action may take", kS},
       Check::kTime},
      {{"have-watchdog", "", T::kBoolean, "false", "",
        "Set by the cluster: whether SBD watchdog self-fencing is in use", kS},
       Check::kBoolean},
      {{"concurrent-fencing", "", T::kBoolean, "false", "", "Whether several nodes may be fenced at once", kS},
       Check::kBoolean},
      {{"startup-fencing", "", T::kBoolean, "true", "", "Whether nodes never seen are fenced at start-up", kS},
       Check::kBoolean},
      {{"priority-fencing-delay", "", T::kTime, "0", "",
        "Delay for fencing the nodes that run the most important resources (split brain)", kS},
       Check::kTime},
      {{"stonith-watchdog-timeout", "", T::kTime, "0", "",
        "How long until a lost node has surely self-fenced by watchdog (0: never assumed; negative: twice "
        "SBD_WATCHDOG_TIMEOUT)",
        kC | kF},
       Check::kSignedTime},
      {{"stonith-max-attempts", "", T::kInteger, "10", "",
        "How many failed fencing attempts before a target is no longer retried at once", kC},
       Check::kPositiveInteger},
      {{"fence-reaction", "", T::kEnum, "stop", "stop, panic",
        "What a node does when told it was fenced: stop the cluster stack, or reboot", kC},
       Check::kEnum},

      // Controller.
      {{"dc-version", "", T::kString, "none", "", "Set by the cluster: the DC's version", kC}, Check::kAny},
      {{"cluster-infrastructure", "", T::kString, "corosync", "",
        "Set by the cluster: the messaging layer", kC},
       Check::kAny},
      {{"cluster-name", "", T::kString, "", "",
        "A name for the cluster (the #cluster-name node attribute in rules)", kC | kS},
       Check::kAny},
      {{"dc-deadtime", "", T::kTime, "20s", "", "How long to wait for other nodes at start-up", kC},
       Check::kTime},
      {{"cluster-recheck-interval", "", T::kTime, "15min", "",
        "Recheck the cluster at least this often (time-based rules; 0: never)", kC},
       Check::kTime},
      {{"load-threshold", "", T::kPercentage, "80%", "",
        "The system load at which the cluster slows its recovery", kC},
       Check::kPercentage},
      {{"node-action-limit", "", T::kInteger, "0", "",
        "How many actions a node runs at once (0: twice its cores)", kC},
       Check::kInteger},
      {{"election-timeout", "", T::kTime, "2min", "", "An election not decided in this time has failed", kC},
       Check::kTime},
      {{"shutdown-escalation", "", T::kTime, "20min", "", "Exit if a shutdown is not done in this time", kC},
       Check::kTime},
      {{"join-integration-timeout", "crmd-integration-timeout", T::kTime, "3min", "",
        "How long the DC waits for joining nodes to be integrated", kC},
       Check::kTime},
      {{"join-finalization-timeout", "crmd-finalization-timeout", T::kTime, "30min", "",
        "How long the DC waits for a join to be finalized", kC},
       Check::kTime},
      {{"transition-delay", "crmd-transition-delay", T::kTime, "0s", "",
        "Wait this long after an event before scheduling (slows every recovery)", kC},
       Check::kTime},

      // Scheduler input archive.
      {{"pe-error-series-max", "", T::kInteger, "-1", "",
        "How many scheduler inputs with errors to keep (-1: all, 0: none)", kS},
       Check::kInteger},
      {{"pe-warn-series-max", "", T::kInteger, "5000", "",
        "How many scheduler inputs with warnings to keep (-1: all, 0: none)", kS},
       Check::kInteger},
      {{"pe-input-series-max", "", T::kInteger, "4000", "",
        "How many other scheduler inputs to keep (-1: all, 0: none)", kS},
       Check::kInteger},

      // CIB manager.
      {{"enable-acl", "", T::kBoolean, "false", "", "Whether access control lists apply to the CIB", kB},
       Check::kBoolean},
      {{"cluster-ipc-limit", "", T::kInteger, "500", "",
        "How many messages may queue for a cluster daemon before it is disconnected", kB},
       Check::kPositiveInteger},
  };
  return kSpecs;
}

const Spec* FindSpec(std::string_view name) {
  for (const Spec& s : Specs()) {
    if (s.info.name == name || (!s.info.legacy_name.empty() && s.info.legacy_name == name)) return &s;
  }
  return nullptr;
}

// Debian's Abseil has its own string_view type.
absl::string_view A(std::string_view v) { return absl::string_view(v.data(), v.size()); }

bool IsInfinityWord(std::string_view v) { return v == "INFINITY" || v == "+INFINITY"; }

// strtoll's reading: leading blanks and a sign, at least one digit, no
// overflow; what follows the digits is ignored (Pacemaker warns, no more).
bool ScanInteger(std::string_view v, long long* out) {
  std::string text(v);
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || errno != 0) return false;
  *out = n;
  return true;
}

bool ParseBoolean(std::string_view v, bool* out) {
  std::string t = absl::AsciiStrToLower(A(v));
  if (t == "true" || t == "on" || t == "yes" || t == "y" || t == "1") {
    *out = true;
    return true;
  }
  if (t == "false" || t == "off" || t == "no" || t == "n" || t == "0") {
    *out = false;
    return true;
  }
  return false;
}

bool InAllowed(std::string_view allowed, std::string_view v, bool with_case) {
  for (absl::string_view a : absl::StrSplit(A(allowed), ", ")) {
    if (with_case ? a == A(v) : absl::EqualsIgnoreCase(a, A(v))) return true;
  }
  return false;
}

bool Valid(const Spec& s, std::string_view v) {
  long long n = 0;
  bool b = false;
  switch (s.check) {
    case Check::kBoolean:
      return ParseBoolean(v, &b);
    case Check::kInteger:
    case Check::kScore:
      return IsInfinityWord(v) || v == "-INFINITY" || ScanInteger(v, &n);
    case Check::kPositiveInteger:
      return IsInfinityWord(v) || (ScanInteger(v, &n) && n > 0);
    case Check::kTime:
      return ParseIntervalMs(v).has_value();
    case Check::kSignedTime:
      return ParseIntervalMs(!v.empty() && v[0] == '-' ? v.substr(1) : v).has_value();
    case Check::kEnum:
      return InAllowed(s.info.allowed, v, false);
    case Check::kEnumWithCase:
      return InAllowed(s.info.allowed, v, true);
    case Check::kPercentage: {
      std::string text(v);
      char* end = nullptr;
      long p = std::strtol(text.c_str(), &end, 10);
      return *end == '%' && p >= 0;
    }
    case Check::kAny:
      return true;
  }
  return false;
}

std::string Expects(const Spec& s) {
  switch (s.check) {
    case Check::kBoolean:
      return "a boolean (true or false; yes/no, on/off, y/n and 1/0 also do)";
    case Check::kInteger:
      return "an integer";
    case Check::kPositiveInteger:
      return "a positive integer or INFINITY";
    case Check::kScore:
      return "a score (an integer, INFINITY or -INFINITY)";
    case Check::kTime:
      return "a time interval (such as 90, 60s, 500ms, 5min, 1h or PT1M)";
    case Check::kSignedTime:
      return "a time interval (such as 60s or 5min), or a negative one for twice SBD_WATCHDOG_TIMEOUT";
    case Check::kEnum:
    case Check::kEnumWithCase:
      return absl::StrCat("one of ", A(s.info.allowed));
    case Check::kPercentage:
      return "a percentage (such as 80%)";
    case Check::kAny:
      return "any text";
  }
  return "";
}

int ToInt(std::string_view v, int limit) {
  if (IsInfinityWord(v)) return kInfinity;
  if (v == "-INFINITY") return -kInfinity;
  long long n = 0;
  ScanInteger(v, &n);
  if (n > limit) return limit;
  if (n < -limit) return -limit;
  return static_cast<int>(n);
}

// The values Pacemaker would use: configured and valid, else the default.
class Reader {
 public:
  Reader(const std::map<std::string, std::string>& values, std::vector<std::string>* problems)
      : values_(values), problems_(problems) {}

  std::string Text(std::string_view name) {
    const Spec& s = *FindSpec(name);
    const std::string* v = Lookup(s.info.name);
    if (v == nullptr && !s.info.legacy_name.empty()) {
      v = Lookup(s.info.legacy_name);
      if (v) {
        Note(absl::StrCat("cluster option '", A(s.info.legacy_name), "' is a deprecated name of '",
                          A(s.info.name), "'"));
      }
    }
    if (v && !Valid(s, *v)) {
      Note(absl::StrCat("using the default ", s.info.default_value.empty() ? "(none)" : A(s.info.default_value),
                        " for cluster option '", A(s.info.name), "' because '", *v, "' is not ", Expects(s)));
      v = nullptr;
    }
    return v ? *v : std::string(s.info.default_value);
  }
  bool Bool(std::string_view name) {
    bool b = false;
    ParseBoolean(Text(name), &b);
    return b;
  }
  int Int(std::string_view name) { return ToInt(Text(name), INT_MAX); }
  int Score(std::string_view name) { return ToInt(Text(name), kInfinity); }
  int64_t Ms(std::string_view name) {
    std::string t = Text(name);
    if (!t.empty() && t[0] == '-') return -ParseIntervalMs(t.substr(1)).value_or(0);
    return ParseIntervalMs(t).value_or(0);
  }
  std::string Lower(std::string_view name) { return absl::AsciiStrToLower(Text(name)); }

 private:
  const std::string* Lookup(std::string_view name) const {
    auto it = values_.find(std::string(name));
    return it == values_.end() ? nullptr : &it->second;
  }
  void Note(std::string line) {
    if (problems_) problems_->push_back(std::move(line));
  }

  const std::map<std::string, std::string>& values_;
  std::vector<std::string>* problems_;
};

NoQuorumPolicy ToNoQuorumPolicy(const std::string& v) {
  if (v == "freeze") return NoQuorumPolicy::kFreeze;
  if (v == "ignore") return NoQuorumPolicy::kIgnore;
  if (v == "demote") return NoQuorumPolicy::kDemote;
  if (v == "suicide") return NoQuorumPolicy::kSuicide;
  return NoQuorumPolicy::kStop;
}

PlacementStrategy ToPlacementStrategy(const std::string& v) {
  if (v == "utilization") return PlacementStrategy::kUtilization;
  if (v == "minimal") return PlacementStrategy::kMinimal;
  if (v == "balanced") return PlacementStrategy::kBalanced;
  return PlacementStrategy::kDefault;
}

NodeHealthStrategy ToNodeHealthStrategy(const std::string& v) {
  if (v == "migrate-on-red") return NodeHealthStrategy::kMigrateOnRed;
  if (v == "only-green") return NodeHealthStrategy::kOnlyGreen;
  if (v == "progressive") return NodeHealthStrategy::kProgressive;
  if (v == "custom") return NodeHealthStrategy::kCustom;
  return NodeHealthStrategy::kNone;
}

}  // namespace

const char* OptionTypeName(OptionType type) {
  switch (type) {
    case OptionType::kBoolean: return "boolean";
    case OptionType::kInteger: return "integer";
    case OptionType::kScore: return "score";
    case OptionType::kTime: return "time";
    case OptionType::kEnum: return "enum";
    case OptionType::kString: return "string";
    case OptionType::kPercentage: return "percentage";
  }
  return "?";
}

const char* StonithActionName(StonithAction action) {
  return action == StonithAction::kOff ? "off" : "reboot";
}

const std::vector<ClusterOptionInfo>& ClusterOptionTable() {
  static const std::vector<ClusterOptionInfo> kTable = [] {
    std::vector<ClusterOptionInfo> t;
    for (const Spec& s : Specs()) t.push_back(s.info);
    return t;
  }();
  return kTable;
}

const ClusterOptionInfo* FindClusterOption(std::string_view name) {
  for (const ClusterOptionInfo& info : ClusterOptionTable()) {
    if (info.name == name || (!info.legacy_name.empty() && info.legacy_name == name)) return &info;
  }
  return nullptr;
}

absl::Status ValidateClusterOption(std::string_view name, std::string_view value) {
  const Spec* s = FindSpec(name);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("unknown cluster option '", A(name), "'"));
  if (Valid(*s, value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("cluster option '", A(name), "' expects ", Expects(*s), ", not '", A(value), "'"));
}

ClusterOptions ClusterOptionsFromValues(const std::map<std::string, std::string>& values,
                                        std::vector<std::string>* problems) {
  Reader r(values, problems);
  ClusterOptions o;
  o.symmetric_cluster = r.Bool("symmetric-cluster");
  o.no_quorum_policy = ToNoQuorumPolicy(r.Lower("no-quorum-policy"));
  o.maintenance_mode = r.Bool("maintenance-mode");
  o.start_failure_is_fatal = r.Bool("start-failure-is-fatal");
  o.enable_startup_probes = r.Bool("enable-startup-probes");
  o.shutdown_lock = r.Bool("shutdown-lock");
  o.shutdown_lock_limit_ms = r.Ms("shutdown-lock-limit");
  o.stop_all_resources = r.Bool("stop-all-resources");
  o.stop_orphan_resources = r.Bool("stop-orphan-resources");
  o.stop_orphan_actions = r.Bool("stop-orphan-actions");
  o.remove_after_stop = r.Bool("remove-after-stop");
  o.placement_strategy = ToPlacementStrategy(r.Lower("placement-strategy"));
  o.node_health_strategy = ToNodeHealthStrategy(r.Lower("node-health-strategy"));
  o.node_health_base = r.Score("node-health-base");
  o.node_health_green = r.Score("node-health-green");
  o.node_health_yellow = r.Score("node-health-yellow");
  o.node_health_red = r.Score("node-health-red");
  o.batch_limit = r.Int("batch-limit");
  o.migration_limit = r.Int("migration-limit");
  o.cluster_delay_ms = r.Ms("cluster-delay");
  o.pe_error_series_max = r.Int("pe-error-series-max");
  o.pe_warn_series_max = r.Int("pe-warn-series-max");
  o.pe_input_series_max = r.Int("pe-input-series-max");

  o.stonith_enabled = r.Bool("stonith-enabled");
  o.stonith_action = r.Text("stonith-action") == "reboot" ? StonithAction::kReboot : StonithAction::kOff;
  o.stonith_timeout_ms = r.Ms("stonith-timeout");
  o.have_watchdog = r.Bool("have-watchdog");
  o.concurrent_fencing = r.Bool("concurrent-fencing");
  o.startup_fencing = r.Bool("startup-fencing");
  o.priority_fencing_delay_ms = r.Ms("priority-fencing-delay");
  o.stonith_watchdog_timeout_ms = r.Ms("stonith-watchdog-timeout");
  o.stonith_max_attempts = r.Int("stonith-max-attempts");
  o.fence_reaction = r.Lower("fence-reaction") == "panic" ? FenceReaction::kPanic : FenceReaction::kStop;

  o.dc_version = r.Text("dc-version");
  o.cluster_infrastructure = r.Text("cluster-infrastructure");
  o.cluster_name = r.Text("cluster-name");
  o.dc_deadtime_ms = r.Ms("dc-deadtime");
  o.cluster_recheck_interval_ms = r.Ms("cluster-recheck-interval");
  o.load_threshold_percent = std::atoi(r.Text("load-threshold").c_str());
  o.node_action_limit = r.Int("node-action-limit");
  o.election_timeout_ms = r.Ms("election-timeout");
  o.shutdown_escalation_ms = r.Ms("shutdown-escalation");
  o.join_integration_timeout_ms = r.Ms("join-integration-timeout");
  o.join_finalization_timeout_ms = r.Ms("join-finalization-timeout");
  o.transition_delay_ms = r.Ms("transition-delay");

  o.enable_acl = r.Bool("enable-acl");
  o.cluster_ipc_limit = r.Int("cluster-ipc-limit");
  return o;
}

ClusterOptions ParseClusterOptions(const cib::Cib& cib, int64_t now_s, std::vector<std::string>* problems) {
  RuleContext ctx;
  ctx.now = now_s;
  std::map<std::string, std::string> values;
  UnpackNvSets(cib.configuration.crm_config, ctx, &values, /*overwrite=*/false, "cib-bootstrap-options");
  return ClusterOptionsFromValues(values, problems);
}

}  // namespace baton::scheduler
