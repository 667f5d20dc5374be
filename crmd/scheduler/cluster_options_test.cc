// The cluster option table, the typed parse of crm_config and validation
// (cluster_options.h). Defaults, types and the handling of invalid values
// are Pacemaker 2.1.5's (lib/pengine/common.c, daemons/controld/
// controld_control.c, lib/common/options.c).
#include "crmd/scheduler/cluster_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/cib/cib_xml.h"

namespace baton::scheduler {
namespace {

constexpr int64_t kNow = 1666729883;  // 2022-10-25T20:31:23Z

// A CIB whose crm_config is `sets` (cluster_property_set elements).
cib::Cib WithSets(const std::string& sets) {
  auto c = cib::ParseCibXml("<cib admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"><configuration><crm_config>" +
                            sets + "</crm_config><nodes/><resources/><constraints/></configuration><status/></cib>");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : cib::Cib{};
}

std::string Set(const std::string& id, const std::vector<std::pair<std::string, std::string>>& pairs,
                const std::string& extra = "", const std::string& rule = "") {
  std::string s = "<cluster_property_set id=\"" + id + "\"" + extra + ">" + rule;
  for (const auto& [k, v] : pairs) s += "<nvpair id=\"" + id + "-" + k + "\" name=\"" + k + "\" value=\"" + v + "\"/>";
  return s + "</cluster_property_set>";
}

TEST(ClusterOptions, DefaultsArePacemakers) {
  std::vector<std::string> problems;
  ClusterOptions o = ParseClusterOptions(WithSets(""), kNow, &problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(o, ClusterOptions{});
  EXPECT_TRUE(o.stonith_enabled);
  EXPECT_EQ(o.stonith_action, StonithAction::kReboot);
  EXPECT_EQ(o.stonith_timeout_ms, 60000);
  EXPECT_EQ(o.stonith_watchdog_timeout_ms, 0);
  EXPECT_EQ(o.priority_fencing_delay_ms, 0);
  EXPECT_FALSE(o.concurrent_fencing);
  EXPECT_TRUE(o.startup_fencing);
  EXPECT_EQ(o.fence_reaction, FenceReaction::kStop);
  EXPECT_TRUE(o.symmetric_cluster);
  EXPECT_EQ(o.no_quorum_policy, NoQuorumPolicy::kStop);
  EXPECT_TRUE(o.start_failure_is_fatal);
  EXPECT_TRUE(o.enable_startup_probes);
  EXPECT_EQ(o.batch_limit, 0);
  EXPECT_EQ(o.migration_limit, -1);
  EXPECT_EQ(o.placement_strategy, PlacementStrategy::kDefault);
  EXPECT_EQ(o.node_health_strategy, NodeHealthStrategy::kNone);
  EXPECT_EQ(o.node_health_red, -1000000);
  EXPECT_EQ(o.cluster_recheck_interval_ms, 15 * 60000);
  EXPECT_EQ(o.dc_deadtime_ms, 20000);
  EXPECT_EQ(o.election_timeout_ms, 120000);
  EXPECT_EQ(o.shutdown_escalation_ms, 20 * 60000);
  EXPECT_EQ(o.join_integration_timeout_ms, 3 * 60000);
  EXPECT_EQ(o.join_finalization_timeout_ms, 30 * 60000);
  EXPECT_EQ(o.transition_delay_ms, 0);
  EXPECT_EQ(o.cluster_delay_ms, 60000);
  EXPECT_EQ(o.pe_input_series_max, 4000);
  EXPECT_EQ(o.pe_warn_series_max, 5000);
  EXPECT_EQ(o.pe_error_series_max, -1);
  EXPECT_EQ(o.load_threshold_percent, 80);
  EXPECT_EQ(o.stonith_max_attempts, 10);
  EXPECT_EQ(o.cluster_name, "");
}

// The table and the struct's defaults say the same: every default is
// valid, and setting any option to its default changes nothing.
TEST(ClusterOptions, TableDefaultsAreValidAndMatchTheStruct) {
  for (const ClusterOptionInfo& info : ClusterOptionTable()) {
    SCOPED_TRACE(std::string(info.name));
    EXPECT_FALSE(info.description.empty());
    EXPECT_EQ(FindClusterOption(info.name), &info);
    EXPECT_TRUE(ValidateClusterOption(info.name, info.default_value).ok());
    std::vector<std::string> problems;
    ClusterOptions o =
        ClusterOptionsFromValues({{std::string(info.name), std::string(info.default_value)}}, &problems);
    EXPECT_EQ(o, ClusterOptions{});
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(info.type == OptionType::kEnum, !info.allowed.empty());
  }
}

TEST(ClusterOptions, TableHasEveryOptionTheDaemonsRead) {
  for (const char* name :
       {"stonith-enabled", "stonith-action", "stonith-timeout", "stonith-watchdog-timeout", "priority-fencing-delay",
        "concurrent-fencing", "startup-fencing", "fence-reaction", "symmetric-cluster", "no-quorum-policy",
        "maintenance-mode", "stop-all-resources", "start-failure-is-fatal", "stop-orphan-resources",
        "stop-orphan-actions", "remove-after-stop", "batch-limit", "migration-limit", "placement-strategy",
        "node-health-strategy", "node-health-base", "node-health-green", "node-health-yellow", "node-health-red",
        "cluster-recheck-interval", "dc-deadtime", "election-timeout", "shutdown-escalation", "shutdown-lock",
        "shutdown-lock-limit", "join-integration-timeout", "join-finalization-timeout", "transition-delay",
        "enable-startup-probes", "cluster-name", "cluster-delay", "pe-error-series-max", "pe-warn-series-max",
        "pe-input-series-max", "have-watchdog", "dc-version", "cluster-infrastructure", "load-threshold",
        "node-action-limit", "stonith-max-attempts", "enable-acl", "cluster-ipc-limit"}) {
    EXPECT_NE(FindClusterOption(name), nullptr) << name;
  }
  EXPECT_EQ(FindClusterOption("crmd-transition-delay")->name, "transition-delay");
  EXPECT_EQ(FindClusterOption("no-such-option"), nullptr);
  EXPECT_EQ(FindClusterOption("Stonith-Enabled"), nullptr);  // names are case-sensitive
}

TEST(ClusterOptions, TypedValues) {
  std::vector<std::string> problems;
  ClusterOptions o = ParseClusterOptions(
      WithSets(Set("cib-bootstrap-options", {{"stonith-action", "poweroff"},
                                             {"stonith-timeout", "90s"},
                                             {"priority-fencing-delay", "PT10S"},
                                             {"stonith-watchdog-timeout", "-1"},
                                             {"no-quorum-policy", "Freeze"},
                                             {"placement-strategy", "balanced"},
                                             {"node-health-strategy", "migrate-on-red"},
                                             {"node-health-yellow", "-INFINITY"},
                                             {"batch-limit", "INFINITY"},
                                             {"migration-limit", "3"},
                                             {"start-failure-is-fatal", "no"},
                                             {"enable-startup-probes", "off"},
                                             {"concurrent-fencing", "Y"},
                                             {"cluster-recheck-interval", "5min"},
                                             {"load-threshold", "50%"},
                                             {"fence-reaction", "PANIC"},
                                             {"cluster-name", "prod"}})),
      kNow, &problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(o.stonith_action, StonithAction::kOff);
  EXPECT_STREQ(StonithActionName(o.stonith_action), "off");
  EXPECT_EQ(o.stonith_timeout_ms, 90000);
  EXPECT_EQ(o.priority_fencing_delay_ms, 10000);
  EXPECT_LT(o.stonith_watchdog_timeout_ms, 0);
  EXPECT_EQ(o.no_quorum_policy, NoQuorumPolicy::kFreeze);
  EXPECT_EQ(o.placement_strategy, PlacementStrategy::kBalanced);
  EXPECT_EQ(o.node_health_strategy, NodeHealthStrategy::kMigrateOnRed);
  EXPECT_EQ(o.node_health_yellow, -1000000);
  EXPECT_EQ(o.batch_limit, 1000000);
  EXPECT_EQ(o.migration_limit, 3);
  EXPECT_FALSE(o.start_failure_is_fatal);
  EXPECT_FALSE(o.enable_startup_probes);
  EXPECT_TRUE(o.concurrent_fencing);
  EXPECT_EQ(o.cluster_recheck_interval_ms, 300000);
  EXPECT_EQ(o.load_threshold_percent, 50);
  EXPECT_EQ(o.fence_reaction, FenceReaction::kPanic);
  EXPECT_EQ(o.cluster_name, "prod");
}

// Pacemaker logs an invalid value and uses the default.
TEST(ClusterOptions, InvalidValuesGiveTheDefault) {
  std::vector<std::string> problems;
  ClusterOptions o = ParseClusterOptions(
      WithSets(Set("cib-bootstrap-options", {{"stonith-enabled", "maybe"},
                                             {"symmetric-cluster", "nope"},
                                             {"stonith-timeout", "soon"},
                                             {"stonith-action", "Off"},  // compared with case
                                             {"no-quorum-policy", "panic"},
                                             {"batch-limit", "many"},
                                             {"load-threshold", "50"},  // no %
                                             {"stonith-max-attempts", "0"}})),
      kNow, &problems);
  EXPECT_TRUE(o.stonith_enabled);
  EXPECT_TRUE(o.symmetric_cluster);
  EXPECT_EQ(o.stonith_timeout_ms, 60000);
  EXPECT_EQ(o.stonith_action, StonithAction::kReboot);
  EXPECT_EQ(o.no_quorum_policy, NoQuorumPolicy::kStop);
  EXPECT_EQ(o.batch_limit, 0);
  EXPECT_EQ(o.load_threshold_percent, 80);
  EXPECT_EQ(o.stonith_max_attempts, 10);
  ASSERT_EQ(problems.size(), 8u);
  bool named = false;
  for (const auto& p : problems) {
    named = named || (p.find("'stonith-enabled'") != std::string::npos && p.find("'maybe'") != std::string::npos &&
                      p.find("boolean") != std::string::npos);
  }
  EXPECT_TRUE(named) << problems.front();
}

// Integers read as strtoll does (Pacemaker accepts and warns about text
// after the digits); a value with none is invalid.
TEST(ClusterOptions, IntegersReadTheirLeadingDigits) {
  ClusterOptions o = ClusterOptionsFromValues({{"batch-limit", "5x"}, {"migration-limit", " -2"}});
  EXPECT_EQ(o.batch_limit, 5);
  EXPECT_EQ(o.migration_limit, -2);
  EXPECT_EQ(ClusterOptionsFromValues({{"node-health-red", "-5000000"}}).node_health_red, -1000000);
}

// The set called cib-bootstrap-options comes first whatever the scores;
// the others by score, the later of equal scores first.
TEST(ClusterOptions, BootstrapSetFirstThenScore) {
  auto timeout = [](const std::string& sets) {
    return ParseClusterOptions(WithSets(sets), kNow).stonith_timeout_ms;
  };
  EXPECT_EQ(timeout(Set("extra", {{"stonith-timeout", "30s"}}, " score=\"100\"") +
                    Set("cib-bootstrap-options", {{"stonith-timeout", "45s"}})),
            45000);
  EXPECT_EQ(timeout(Set("a", {{"stonith-timeout", "30s"}}, " score=\"100\"") +
                    Set("b", {{"stonith-timeout", "45s"}}, " score=\"10\"")),
            30000);
  EXPECT_EQ(timeout(Set("a", {{"stonith-timeout", "30s"}}) + Set("b", {{"stonith-timeout", "45s"}})), 45000);
}

// Rules are evaluated at `now_s`.
TEST(ClusterOptions, RulesAtNow) {
  std::string rule =
      "<rule id=\"r\" score=\"INFINITY\"><date_expression id=\"d\" operation=\"gt\" start=\"2022-10-01\"/></rule>";
  cib::Cib c = WithSets(Set("after-october", {{"maintenance-mode", "true"}}, " score=\"10\"", rule) +
                        Set("base", {{"maintenance-mode", "false"}}));
  EXPECT_TRUE(ParseClusterOptions(c, kNow).maintenance_mode);
  EXPECT_FALSE(ParseClusterOptions(c, 1600000000).maintenance_mode);  // September 2020
}

TEST(ClusterOptions, LegacyControllerNames) {
  std::vector<std::string> problems;
  ClusterOptions o = ClusterOptionsFromValues({{"crmd-integration-timeout", "5min"}}, &problems);
  EXPECT_EQ(o.join_integration_timeout_ms, 300000);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("deprecated"), std::string::npos);
  o = ClusterOptionsFromValues({{"crmd-transition-delay", "5s"}, {"transition-delay", "2s"}});
  EXPECT_EQ(o.transition_delay_ms, 2000);
}

TEST(ClusterOptions, Validate) {
  EXPECT_TRUE(ValidateClusterOption("stonith-enabled", "yes").ok());
  EXPECT_TRUE(ValidateClusterOption("stonith-timeout", "PT2M").ok());
  EXPECT_TRUE(ValidateClusterOption("stonith-watchdog-timeout", "-1").ok());
  EXPECT_TRUE(ValidateClusterOption("no-quorum-policy", "IGNORE").ok());
  EXPECT_TRUE(ValidateClusterOption("stonith-action", "poweroff").ok());
  EXPECT_TRUE(ValidateClusterOption("cluster-name", "any text at all").ok());
  EXPECT_TRUE(ValidateClusterOption("crmd-finalization-timeout", "10min").ok());

  absl::Status s = ValidateClusterOption("stonith-enabld", "true");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "unknown cluster option 'stonith-enabld'");

  s = ValidateClusterOption("stonith-enabled", "maybe");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "cluster option 'stonith-enabled' expects a boolean (true or false; yes/no, on/off, y/n and 1/0 also "
            "do), not 'maybe'");
  s = ValidateClusterOption("no-quorum-policy", "panic");
  EXPECT_EQ(s.message(),
            "cluster option 'no-quorum-policy' expects one of stop, freeze, ignore, demote, suicide, not 'panic'");
  EXPECT_NE(ValidateClusterOption("stonith-timeout", "soon").message().find("a time interval"), std::string::npos);
  EXPECT_NE(ValidateClusterOption("batch-limit", "many").message().find("an integer"), std::string::npos);
  EXPECT_NE(ValidateClusterOption("node-health-red", "red").message().find("a score"), std::string::npos);
  EXPECT_NE(ValidateClusterOption("load-threshold", "80").message().find("a percentage"), std::string::npos);
  EXPECT_FALSE(ValidateClusterOption("stonith-max-attempts", "0").ok());
  EXPECT_FALSE(ValidateClusterOption("stonith-timeout", "-5s").ok());
  EXPECT_FALSE(ValidateClusterOption("stonith-action", "REBOOT").ok());
}

}  // namespace
}  // namespace baton::scheduler
