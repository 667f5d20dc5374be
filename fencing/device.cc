// Device attribute parsing and agent stdin building (fence-agents.md §1, §3, §4).
#include "fencing/device.h"

#include <pugixml.hpp>

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace baton::fencing {
namespace {

constexpr int kDefaultRetries = 2;
const char* const kActionsWithOverrides[] = {"reboot", "off", "on", "list", "monitor", "status"};

// Debian's abseil has its own string_view type.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// Keys that Pacemaker consumes itself and never passes to the agent.
bool IsFencerOnlyKey(const std::string& key) {
  static const std::set<std::string> kFixed = {
      "action",          "provides",         "stonith-timeout",  "pcmk_host_map",
      "pcmk_host_list",  "pcmk_host_check",  "pcmk_host_argument", "pcmk_delay_base",
      "pcmk_delay_max",  "pcmk_action_limit", "crm_feature_set"};
  if (kFixed.count(key) || absl::StartsWith(key, "CRM_meta")) return true;
  if (!absl::StartsWith(key, "pcmk_")) return false;
  return absl::EndsWith(key, "_action") || absl::EndsWith(key, "_timeout") ||
         absl::EndsWith(key, "_retries");
}

// Splits at any of `seps`, honouring backslash escapes; drops empty pieces.
std::vector<std::string> SplitEscaped(std::string_view text, std::string_view seps) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      cur.push_back(text[++i]);
    } else if (seps.find(c) != std::string_view::npos) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// The per-node form of pcmk_delay_base: "node1:0s;node2:5s".
absl::Status ParseDelayBase(std::string_view text, Device* d) {
  if (text.find_first_of(":=") == std::string_view::npos) {
    auto ms = ParseDurationMs(text);
    if (!ms || *ms < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "device '", d->id, "': pcmk_delay_base='", AV(text), "' is not a duration; write e.g. 5s"));
    }
    d->delay_base_ms = *ms;
    return absl::OkStatus();
  }
  auto map = ParseHostMap(text);
  if (!map.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("device '", d->id, "': pcmk_delay_base: ", map.status().message()));
  }
  for (const auto& [node, value] : *map) {
    auto ms = ParseDurationMs(value);
    if (!ms || *ms < 0) {
      return absl::InvalidArgumentError(absl::StrCat("device '", d->id, "': pcmk_delay_base for '",
                                                     node, "' is '", value, "', not a duration"));
    }
    d->delay_base_per_node[node] = *ms;
  }
  return absl::OkStatus();
}

absl::StatusOr<HostCheck> ParseHostCheck(const std::string& id, std::string_view v) {
  if (v == "static-list") return HostCheck::kStaticList;
  if (v == "dynamic-list") return HostCheck::kDynamicList;
  if (v == "status") return HostCheck::kStatus;
  if (v == "none") return HostCheck::kNone;
  return absl::InvalidArgumentError(absl::StrCat("device '", id, "': pcmk_host_check='", AV(v),
                                                 "'; use static-list, dynamic-list, status or none"));
}

// pcmk_<action>_action / _timeout / _retries.
absl::Status ParseActionAttributes(Device* d) {
  for (const char* a : kActionsWithOverrides) {
    std::string prefix = absl::StrCat("pcmk_", a);
    if (auto it = d->params.find(prefix + "_action"); it != d->params.end() && !it->second.empty()) {
      d->action_override[a] = it->second;
    }
    if (auto it = d->params.find(prefix + "_timeout"); it != d->params.end()) {
      auto ms = ParseIntegerSecondsMs(it->second);
      if (!ms || *ms <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("device '", d->id, "': ", it->first, "='",
                                                       it->second, "'; write whole seconds, e.g. 60s"));
      }
      d->timeout_ms[a] = *ms;
    }
    if (auto it = d->params.find(prefix + "_retries"); it != d->params.end()) {
      auto ms = ParseIntegerSecondsMs(it->second);  // same integer parsing, value / 1000
      if (!ms || *ms < 0) {
        return absl::InvalidArgumentError(absl::StrCat("device '", d->id, "': ", it->first, "='",
                                                       it->second, "' is not a whole number"));
      }
      d->retries[a] = std::max<int>(1, static_cast<int>(*ms / 1000));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view HostCheckName(HostCheck c) {
  switch (c) {
    case HostCheck::kStaticList: return "static-list";
    case HostCheck::kDynamicList: return "dynamic-list";
    case HostCheck::kStatus: return "status";
    case HostCheck::kNone: return "none";
  }
  return "?";
}

absl::StatusOr<AgentMetadata> ParseAgentMetadata(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size());
  if (!r) return absl::InvalidArgumentError(absl::StrCat("agent metadata is not XML: ", r.description()));
  pugi::xml_node root = doc.child("resource-agent");
  if (!root) return absl::InvalidArgumentError("agent metadata has no <resource-agent> element");
  AgentMetadata md;
  for (pugi::xml_node p : root.child("parameters").children("parameter")) {
    if (*p.attribute("name").value()) md.parameters.insert(p.attribute("name").value());
  }
  for (pugi::xml_node a : root.child("actions").children("action")) {
    std::string name = a.attribute("name").value();
    if (name.empty()) continue;
    md.actions.insert(name);
    if (std::string_view(a.attribute("on_target").value()) == "1") md.on_target.insert(name);
  }
  return md;
}

std::vector<std::string> ParseHostList(std::string_view text) {
  std::vector<std::string> out;
  std::string normalized = absl::StrReplaceAll(AV(text), {{"\\n", "\n"}});
  for (absl::string_view line : absl::StrSplit(normalized, '\n')) {
    if (absl::StrContains(line, "invalid") || absl::StrContains(line, "variable")) continue;
    for (absl::string_view entry : absl::StrSplit(line, absl::ByAnyChar(" \t\r,;"), absl::SkipEmpty())) {
      size_t n = 0;
      while (n < entry.size() && IsNameChar(entry[n])) ++n;
      std::string name(entry.substr(0, n));
      std::string lower = absl::AsciiStrToLower(name);
      if (name.empty() || lower == "on" || lower == "off") continue;
      out.push_back(std::move(name));
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseHostMap(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const std::string& entry : SplitEscaped(text, "; \t,")) {
    size_t sep = entry.find_first_of(":=");
    if (sep == std::string::npos || sep == 0 || sep + 1 == entry.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry '", entry, "' is not node:port (entries separated by ';')"));
    }
    std::string node = entry.substr(0, sep);
    for (char c : node) {
      if (!IsNameChar(c)) {
        return absl::InvalidArgumentError(absl::StrCat("node name '", node, "' may only hold A-Z a-z 0-9 _ . -"));
      }
    }
    out[node] = entry.substr(sep + 1);
  }
  return out;
}

std::optional<int64_t> ParseIntegerSecondsMs(std::string_view input) {
  absl::string_view text = absl::StripAsciiWhitespace(AV(input));
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    v = v * 10 + (c - '0');
    if (v > 100000000) return std::nullopt;
  }
  return v * 1000;
}

std::optional<int64_t> ParseDurationMs(std::string_view input) {
  absl::string_view text = absl::StripAsciiWhitespace(AV(input));
  size_t n = 0;
  int64_t v = 0;
  while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) {
    v = v * 10 + (text[n++] - '0');
    if (v > 100000000) return std::nullopt;
  }
  if (n == 0) return std::nullopt;
  std::string unit = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text.substr(n)));
  if (unit.empty() || unit == "s" || unit == "sec") return v * 1000;
  if (unit == "ms" || unit == "msec") return v;
  if (unit == "m" || unit == "min") return v * 60000;
  if (unit == "h" || unit == "hr") return v * 3600000;
  return std::nullopt;
}

absl::StatusOr<Device> ParseDevice(std::string id, std::string agent, std::string agent_path,
                                   std::map<std::string, std::string> params, AgentMetadata metadata) {
  if (id.empty()) return absl::InvalidArgumentError("a fence device needs an id");
  if (agent.empty()) return absl::InvalidArgumentError(absl::StrCat("device '", id, "' names no agent"));
  // Agents read key=value lines: a line break or NUL in a value would add
  // lines of its own (action=on after action=off).
  for (const auto& [k, v] : params) {
    if (k.find_first_of(std::string("\n\r=\0", 4)) != std::string::npos ||
        v.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("device '", id, "': parameter '", k,
                                                     "' holds a line break, NUL or '=' in its name"));
    }
  }
  Device d;
  d.id = std::move(id);
  d.agent = std::move(agent);
  d.agent_path = std::move(agent_path);
  d.params = std::move(params);
  d.metadata = std::move(metadata);
  auto get = [&](const char* key) -> const std::string* {
    auto it = d.params.find(key);
    return it == d.params.end() ? nullptr : &it->second;
  };
  if (const std::string* v = get("pcmk_host_list")) {
    for (auto& n : ParseHostList(*v)) d.host_list.insert(n);
  }
  if (const std::string* v = get("pcmk_host_map")) {
    auto map = ParseHostMap(*v);
    if (!map.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("device '", d.id, "': pcmk_host_map: ", map.status().message()));
    }
    d.host_map = *std::move(map);
  }
  if (const std::string* v = get("pcmk_host_check")) {
    auto c = ParseHostCheck(d.id, *v);
    if (!c.ok()) return c.status();
    d.host_check = *c;
  }
  if (const std::string* v = get("pcmk_host_argument"); v && !v->empty()) d.host_argument = *v;
  if (const std::string* v = get("pcmk_delay_max")) {
    auto ms = ParseDurationMs(*v);
    if (!ms) {
      return absl::InvalidArgumentError(
          absl::StrCat("device '", d.id, "': pcmk_delay_max='", *v, "' is not a duration; write e.g. 5s"));
    }
    d.delay_max_ms = *ms;
  }
  if (const std::string* v = get("pcmk_delay_base")) {
    if (auto st = ParseDelayBase(*v, &d); !st.ok()) return st;
  }
  if (d.delay_max_ms > 0) {  // invariant 3: base is clamped to max
    d.delay_base_ms = std::min(d.delay_base_ms, d.delay_max_ms);
    for (auto& [n, ms] : d.delay_base_per_node) ms = std::min(ms, d.delay_max_ms);
  }
  if (auto st = ParseActionAttributes(&d); !st.ok()) return st;
  return d;
}

HostCheck EffectiveHostCheck(const Device& d) {
  if (d.host_check) return *d.host_check;
  if (!d.host_list.empty() || !d.host_map.empty()) return HostCheck::kStaticList;
  if (d.metadata.HasAction("list")) return HostCheck::kDynamicList;
  if (d.metadata.HasAction("status")) return HostCheck::kStatus;
  return HostCheck::kNone;
}

std::string PortFor(const Device& d, const std::string& target) {
  auto it = d.host_map.find(target);
  return it == d.host_map.end() ? target : it->second;
}

bool StaticListHas(const Device& d, const std::string& target) {
  return d.host_list.count(target) > 0 || d.host_map.count(target) > 0;
}

namespace {
// Reboot on a device without a reboot action is run (and timed) as off.
std::string EffectiveAction(const Device& d, const std::string& action) {
  if (action == "reboot" && !d.metadata.actions.empty() && !d.metadata.HasAction("reboot") &&
      !d.action_override.count("reboot")) {
    return "off";
  }
  return action;
}
}  // namespace

std::string AgentAction(const Device& d, const std::string& action) {
  std::string a = EffectiveAction(d, action);
  auto it = d.action_override.find(a);
  return it == d.action_override.end() ? a : it->second;
}

int64_t ActionTimeoutMs(const Device& d, const std::string& action, int64_t request_timeout_ms) {
  auto it = d.timeout_ms.find(EffectiveAction(d, action));
  return it == d.timeout_ms.end() ? request_timeout_ms : it->second;
}

int ActionRetries(const Device& d, const std::string& action) {
  auto it = d.retries.find(EffectiveAction(d, action));
  return it == d.retries.end() ? kDefaultRetries : it->second;
}

int64_t DeviceDelayMs(const Device& d, const std::string& target, const std::string& action,
                      const std::function<int64_t(int64_t)>& random) {
  if (action != "off" && action != "reboot") return 0;
  int64_t base = d.delay_base_ms;
  if (auto it = d.delay_base_per_node.find(target); it != d.delay_base_per_node.end()) base = it->second;
  if (d.delay_max_ms <= 0) return base;
  int64_t span = d.delay_max_ms - base;
  return base + (span > 0 ? random(span) : 0);
}

std::string BuildAgentStdin(const Device& d, const std::string& action, const std::string& target,
                            std::optional<uint32_t> nodeid) {
  std::string out = absl::StrCat("action=", AgentAction(d, action), "\n");
  std::string host_arg;  // the parameter carrying the target, when one is sent
  if (!target.empty()) {
    absl::StrAppend(&out, "nodename=", target, "\n");
    if (nodeid && d.metadata.HasParameter("nodeid")) absl::StrAppend(&out, "nodeid=", *nodeid, "\n");
    std::string name = d.host_argument.value_or(
        d.metadata.HasParameter("port") ? "port" : d.metadata.HasParameter("plug") ? "plug" : "port");
    auto configured = d.params.find(name);
    bool device_sets_it = configured != d.params.end() && configured->second != "dynamic";
    if (name != "none" && d.agent != "fence_legacy" && !device_sets_it) {
      absl::StrAppend(&out, name, "=", PortFor(d, target), "\n");
      host_arg = name;
    }
  }
  for (const auto& [key, value] : d.params) {
    if (IsFencerOnlyKey(key) || key == host_arg) continue;
    if (key == "nodename" && !target.empty()) continue;
    absl::StrAppend(&out, key, "=", value, "\n");
  }
  return out;
}

}  // namespace baton::fencing
