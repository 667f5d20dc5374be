// A fence device as the fencer sees it: an agent, its instance parameters,
// the Pacemaker attributes (pcmk_host_list, pcmk_host_map, pcmk_host_check,
// delays, per-action overrides) parsed out of them, and the agent's metadata.
// Pure functions: parsing, eligibility by static rules, and the exact stdin
// text an agent gets for an action (reference/fence-agents.md §1.1, §3, §4).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace baton::fencing {

// What an agent's `action=metadata` output declares.
struct AgentMetadata {
  std::set<std::string> parameters;  // parameter names
  std::set<std::string> actions;     // action names
  std::set<std::string> on_target;   // actions marked on_target="1"

  bool HasAction(std::string_view a) const { return actions.count(std::string(a)) > 0; }
  bool HasParameter(std::string_view p) const { return parameters.count(std::string(p)) > 0; }
};

// Parses <resource-agent><parameters><parameter name>...<actions><action name>.
absl::StatusOr<AgentMetadata> ParseAgentMetadata(std::string_view xml);

enum class HostCheck { kStaticList, kDynamicList, kStatus, kNone };
std::string_view HostCheckName(HostCheck c);

// Invariants of a Device returned by ParseDevice:
//  1. id and agent are non-empty; agent_path is what the runner executes.
//  2. host_list and the keys of host_map hold names matching [A-Za-z0-9_.-]+.
//  3. delay_max_ms >= 0, every delay_base value >= 0 and <= delay_max_ms
//     when delay_max_ms > 0 (base is clamped to max, as Pacemaker does).
//  4. retries values >= 1.
struct Device {
  std::string id;
  std::string agent;       // type: fence_ipmilan
  std::string agent_path;  // /usr/sbin/fence_ipmilan
  std::map<std::string, std::string> params;  // every instance attribute, as configured
  AgentMetadata metadata;

  // Parsed from params.
  std::set<std::string> host_list;               // pcmk_host_list
  std::map<std::string, std::string> host_map;   // pcmk_host_map: node -> port
  std::optional<HostCheck> host_check;           // pcmk_host_check when set
  std::optional<std::string> host_argument;      // pcmk_host_argument when set
  int64_t delay_base_ms = 0;                     // pcmk_delay_base (single value)
  std::map<std::string, int64_t> delay_base_per_node;  // pcmk_delay_base node:time form
  int64_t delay_max_ms = 0;                      // pcmk_delay_max
  std::map<std::string, std::string> action_override;  // pcmk_<a>_action: a -> agent action
  std::map<std::string, int64_t> timeout_ms;           // pcmk_<a>_timeout
  std::map<std::string, int> retries;                  // pcmk_<a>_retries
};

// Builds a Device from its configuration. Errors name the device and the
// attribute ("device 'd1': pcmk_host_check='sometimes'; use static-list,
// dynamic-list, status or none").
absl::StatusOr<Device> ParseDevice(std::string id, std::string agent, std::string agent_path,
                                   std::map<std::string, std::string> params, AgentMetadata metadata);

// pcmk_host_list / agent `list` output -> names (§4 list parsing).
std::vector<std::string> ParseHostList(std::string_view text);
// pcmk_host_map -> node -> port. Accepts ':' or '=', separators ';' space tab
// (and ','), backslash escaping a separator inside a port.
absl::StatusOr<std::map<std::string, std::string>> ParseHostMap(std::string_view text);

// Pacemaker's timeout attributes use integer parsing: "30", "30s" -> 30 s;
// "2m" -> 2 s (sic). Returns nullopt for text that starts with no digit.
std::optional<int64_t> ParseIntegerSecondsMs(std::string_view text);
// Durations with units (pcmk_delay_*): "5", "5s", "500ms", "2m", "1h".
std::optional<int64_t> ParseDurationMs(std::string_view text);

// The host check in effect: pcmk_host_check, else the §4 default rule.
HostCheck EffectiveHostCheck(const Device& d);
// The name by which the target is known to the agent: its pcmk_host_map
// alias, else the target itself.
std::string PortFor(const Device& d, const std::string& target);
// Static eligibility for host checks static-list and none; dynamic checks
// are the engine's business (they need agent runs).
bool StaticListHas(const Device& d, const std::string& target);

// The agent action sent for `action`: pcmk_<action>_action if set; `reboot`
// on a device whose metadata lacks reboot becomes `off`.
std::string AgentAction(const Device& d, const std::string& action);
// pcmk_<action>_timeout, else the request timeout. Reboot on a device
// without reboot uses the off values.
int64_t ActionTimeoutMs(const Device& d, const std::string& action, int64_t request_timeout_ms);
// pcmk_<action>_retries, else 2: total executions allowed.
int ActionRetries(const Device& d, const std::string& action);
// Device delay for off/reboot: base (per node or single) + random in
// [0, max - base). `random(n)` returns a uniform value in [0, n).
int64_t DeviceDelayMs(const Device& d, const std::string& target, const std::string& action,
                      const std::function<int64_t(int64_t)>& random);

// The exact stdin text for running `action` (already the requested action,
// before overrides) on `target` (empty: an action without target, such as
// list or monitor). `nodeid` is the target's cluster node id when known.
std::string BuildAgentStdin(const Device& d, const std::string& action, const std::string& target,
                            std::optional<uint32_t> nodeid);

}  // namespace baton::fencing
