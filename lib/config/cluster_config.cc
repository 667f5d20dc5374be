// Maps the ConfSection tree of cluster.conf onto ClusterConfig: each section
// checks its own keys and values, then the checks that span sections
// (timing, node count, rings) run on the whole.
#include "lib/config/cluster_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/config/conf_tree.h"
#include "lib/config/file_read.h"

namespace baton::config {
namespace {

using Names = std::span<const absl::string_view>;

constexpr absl::string_view kTopSections[] = {"totem",   "nodelist", "quorum",
                                              "logging", "system",   "resources"};
constexpr absl::string_view kTotemKeys[] = {"cluster_name", "token", "heartbeat_interval", "port", "config_version"};
constexpr absl::string_view kTotemIgnoredKeys[] = {
    "version",     "secauth",   "crypto_cipher",
    "crypto_hash", "transport", "token_retransmits_before_loss_const",
    "join",        "consensus", "max_messages",
    "ip_version",  "link_mode"};
constexpr absl::string_view kTotemSections[] = {"interface"};
constexpr absl::string_view kQuorumKeys[] = {"provider",
                                             "two_node",
                                             "wait_for_all",
                                             "last_man_standing",
                                             "last_man_standing_window",
                                             "auto_tie_breaker",
                                             "expected_votes"};
constexpr absl::string_view kQuorumProviders[] = {"corosync_votequorum", "votequorum"};
constexpr absl::string_view kNodelistSections[] = {"node"};
constexpr absl::string_view kNodeKeys[] = {"nodeid",     "name",       "ring0_addr",  "ring1_addr",
                                           "ring2_addr", "ring3_addr", "ring4_addr",  "ring5_addr",
                                           "ring6_addr", "ring7_addr", "quorum_votes"};
constexpr uint32_t kMinTokenMs = 50;
constexpr size_t kMaxConfigBytes = 1 << 20;

bool Contains(Names names, absl::string_view name) {
  for (absl::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

// Fails on a key outside `accepted` and `ignored`, and on a key given twice.
absl::Status CheckKeys(const ConfSection& section, absl::string_view where, Names accepted,
                       Names ignored = {}) {
  std::map<absl::string_view, int> first_line;
  for (const ConfEntry& e : section.entries) {
    if (!Contains(accepted, e.key) && !Contains(ignored, e.key)) {
      std::string message = absl::StrCat("unknown key ", Quoted(e.key), " in ", where,
                                         "; accepted: ", absl::StrJoin(accepted, ", "));
      if (!ignored.empty()) {
        absl::StrAppend(&message, " (also accepted and ignored: ", absl::StrJoin(ignored, ", "),
                        ")");
      }
      return ConfError(e.line, message);
    }
    auto [it, fresh] = first_line.emplace(e.key, e.line);
    if (!fresh) {
      return ConfError(e.line, absl::StrCat("key ", Quoted(e.key), " appears again in ", where,
                                            " (first at line ", it->second, "); keep one"));
    }
  }
  return absl::OkStatus();
}

// Fails on a subsection whose name is not in `accepted`.
absl::Status CheckSections(const ConfSection& section, absl::string_view where, Names accepted) {
  for (const ConfSection& sub : section.sections) {
    if (Contains(accepted, sub.name)) continue;
    if (accepted.empty()) {
      return ConfError(sub.line, absl::StrCat("section ", Quoted(sub.name), " is not allowed in ",
                                              where, ", which holds only 'key: value' lines"));
    }
    return ConfError(sub.line, absl::StrCat("unknown section ", Quoted(sub.name), " in ", where,
                                            "; accepted: ", absl::StrJoin(accepted, ", ")));
  }
  return absl::OkStatus();
}

// `what` names what the number is, as in "write `what` in digits only".
absl::Status SetNumber(const ConfEntry& e, absl::string_view where, absl::string_view what,
                       uint32_t& out) {
  const std::string& v = e.value;
  uint64_t n = 0;
  bool ok = !v.empty() && v.size() <= 10;
  for (char c : v) {
    ok = ok && absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || n > UINT32_MAX) {
    std::string message = absl::StrCat(where, ".", e.key, ": ", Quoted(v),
                                       " is not a whole number from 0 to 4294967295; write ", what,
                                       " in digits only");
    if (v.find('#') != std::string::npos) {
      absl::StrAppend(&message, " (a '#' comment must stand on a line of its own)");
    }
    return ConfError(e.line, message);
  }
  out = static_cast<uint32_t>(n);
  return absl::OkStatus();
}

absl::Status SetBool(const ConfEntry& e, absl::string_view where, bool& out) {
  static constexpr absl::string_view kTrue[] = {"1", "yes", "on", "true"};
  static constexpr absl::string_view kFalse[] = {"0", "no", "off", "false"};
  if (Contains(kTrue, e.value)) {
    out = true;
  } else if (Contains(kFalse, e.value)) {
    out = false;
  } else {
    return ConfError(e.line, absl::StrCat(where, ".", e.key, ": ", Quoted(e.value),
                                          " is not a boolean; write 0 or 1 (also yes/no, on/off, "
                                          "true/false)"));
  }
  return absl::OkStatus();
}

// Lines of the keys the checks across sections point at; 0 when absent.
struct SourceLines {
  int token = 0;
  int heartbeat = 0;
  int two_node = 0;
  int nodelist = 0;
};

absl::Status MapTotem(const ConfSection& s, ClusterConfig& c, SourceLines& lines) {
  if (auto st = CheckKeys(s, "totem", kTotemKeys, kTotemIgnoredKeys); !st.ok()) return st;
  if (auto st = CheckSections(s, "totem", kTotemSections); !st.ok()) return st;
  for (const ConfEntry& e : s.entries) {
    absl::Status st;
    if (e.key == "cluster_name") {
      c.cluster_name = e.value;
    } else if (e.key == "token") {
      st = SetNumber(e, "totem", "the milliseconds", c.token_ms);
      lines.token = e.line;
    } else if (e.key == "heartbeat_interval") {
      st = SetNumber(e, "totem", "the milliseconds", c.heartbeat_interval_ms);
      lines.heartbeat = e.line;
    } else if (e.key == "config_version") {
      st = SetNumber(e, "totem", "the version", c.config_version);
    } else if (e.key == "port") {
      st = SetNumber(e, "totem", "the port", c.port);
      if (st.ok() && (c.port == 0 || c.port > 65535)) {
        st = ConfError(e.line, absl::StrCat("totem.port: ", c.port,
                                            " is not a UDP port; use 1 to 65535 (default 5405)"));
      }
    }
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status MapQuorum(const ConfSection& s, ClusterConfig& c, SourceLines& lines) {
  if (auto st = CheckKeys(s, "quorum", kQuorumKeys); !st.ok()) return st;
  if (auto st = CheckSections(s, "quorum", {}); !st.ok()) return st;
  bool has_provider = false;
  for (const ConfEntry& e : s.entries) {
    absl::Status st;
    bool flag = false;
    uint32_t number = 0;
    if (e.key == "provider") {
      has_provider = true;
      if (!Contains(kQuorumProviders, e.value)) {
        st = ConfError(e.line, absl::StrCat("quorum.provider: ", Quoted(e.value),
                                            " is not supported; use corosync_votequorum"));
      }
    } else if (e.key == "two_node") {
      st = SetBool(e, "quorum", c.two_node);
      lines.two_node = e.line;
    } else if (e.key == "wait_for_all") {
      st = SetBool(e, "quorum", flag);
      c.wait_for_all = flag;
    } else if (e.key == "last_man_standing") {
      st = SetBool(e, "quorum", c.last_man_standing);
    } else if (e.key == "last_man_standing_window") {
      st = SetNumber(e, "quorum", "the milliseconds", c.last_man_standing_window_ms);
    } else if (e.key == "auto_tie_breaker") {
      st = SetBool(e, "quorum", c.auto_tie_breaker);
    } else if (e.key == "expected_votes") {
      st = SetNumber(e, "quorum", "the votes", number);
      if (st.ok() && number == 0) {
        st = ConfError(e.line,
                       "quorum.expected_votes: 0 votes can make no quorum; use 1 or more, "
                       "or remove the key to count the nodes' votes");
      }
      c.expected_votes = number;
    }
    if (!st.ok()) return st;
  }
  if (!has_provider) {
    return ConfError(s.line, "quorum has no provider; add 'provider: corosync_votequorum'");
  }
  return absl::OkStatus();
}

// An IP literal as its family and its bytes in network order.
struct IpAddress {
  int family = 0;
  std::string bytes;
};

std::optional<IpAddress> ParseIp(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    return IpAddress{AF_INET, std::string(reinterpret_cast<char*>(buf), sizeof(in_addr))};
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    return IpAddress{AF_INET6, std::string(reinterpret_cast<char*>(buf), sizeof(in6_addr))};
  }
  return std::nullopt;
}

absl::string_view FamilyName(int family) { return family == AF_INET ? "IPv4" : "IPv6"; }

// A node with where its parts came from, for the checks across nodes.
struct ParsedNode {
  NodeEntry entry;
  int line = 0;
  int nodeid_line = 0;
  int name_line = 0;
  std::vector<int> ring_lines;      // parallel to entry.ring_addrs
  std::vector<IpAddress> ring_ips;  // parallel to entry.ring_addrs
};

std::string NodeLabel(const ParsedNode& n) {
  return n.entry.name.empty() ? absl::StrCat("node ", n.entry.nodeid)
                              : absl::StrCat("node ", Quoted(n.entry.name));
}

absl::Status SetNodeValue(const ConfEntry& e, ParsedNode& node,
                          std::array<const ConfEntry*, kMaxRings>& rings) {
  NodeEntry& n = node.entry;
  if (e.key == "nodeid") {
    node.nodeid_line = e.line;
    if (auto st = SetNumber(e, "node", "the node id", n.nodeid); !st.ok()) return st;
    if (n.nodeid == 0) return ConfError(e.line, "node.nodeid: 0 is reserved; use 1 or more");
  } else if (e.key == "name") {
    node.name_line = e.line;
    n.name = e.value;
    if (n.name.empty()) return ConfError(e.line, "node.name is empty; write the node's host name");
  } else if (e.key == "quorum_votes") {
    return SetNumber(e, "node", "the votes", n.votes);
  } else {  // ringN_addr, as CheckKeys let through
    if (!ParseIp(e.value)) {
      return ConfError(e.line, absl::StrCat("node.", e.key, ": ", Quoted(e.value),
                                            " is not an IPv4 or IPv6 address; write one such as "
                                            "192.0.2.1 or 2001:db8::1 (names are not resolved)"));
    }
    rings[e.key[4] - '0'] = &e;
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedNode> MapNode(const ConfSection& s) {
  if (auto st = CheckKeys(s, "node", kNodeKeys); !st.ok()) return st;
  if (auto st = CheckSections(s, "node", {}); !st.ok()) return st;
  ParsedNode node;
  node.line = s.line;
  std::array<const ConfEntry*, kMaxRings> rings{};
  for (const ConfEntry& e : s.entries) {
    if (auto st = SetNodeValue(e, node, rings); !st.ok()) return st;
  }
  if (node.nodeid_line == 0) {
    return ConfError(s.line, "node has no nodeid; add 'nodeid: N' with N unique and 1 or more");
  }
  if (node.name_line == 0) {
    return ConfError(s.line, absl::StrCat(NodeLabel(node), " has no name; add 'name: HOSTNAME'"));
  }
  if (rings[0] == nullptr) {
    return ConfError(
        s.line, absl::StrCat(NodeLabel(node), " has no ring0_addr; add 'ring0_addr: ADDRESS'"));
  }
  int count = kMaxRings;
  while (rings[count - 1] == nullptr) --count;
  for (int i = 0; i < count; ++i) {
    if (rings[i] == nullptr) {
      return ConfError(rings[count - 1]->line,
                       absl::StrCat(NodeLabel(node), " has ", rings[count - 1]->key, " but no ring",
                                    i, "_addr; number the rings from 0 without gaps"));
    }
    node.entry.ring_addrs.push_back(rings[i]->value);
    node.ring_lines.push_back(rings[i]->line);
    node.ring_ips.push_back(*ParseIp(rings[i]->value));
  }
  return node;
}

// Unique nodeids, names and addresses; the same rings, of the same address
// family, on every node.
absl::Status CheckNodes(const std::vector<ParsedNode>& nodes) {
  std::map<uint32_t, const ParsedNode*> by_id;
  std::map<absl::string_view, const ParsedNode*> by_name;
  std::map<absl::string_view, std::pair<const ParsedNode*, size_t>> by_address;
  for (const ParsedNode& n : nodes) {
    const NodeEntry& e = n.entry;
    if (auto [it, fresh] = by_id.emplace(e.nodeid, &n); !fresh) {
      return ConfError(
          n.nodeid_line,
          absl::StrCat("nodeid ", e.nodeid, " is used again (first by ", NodeLabel(*it->second),
                       " at line ", it->second->nodeid_line, "); give every node its own nodeid"));
    }
    if (auto [it, fresh] = by_name.emplace(e.name, &n); !fresh) {
      return ConfError(n.name_line,
                       absl::StrCat("node name ", Quoted(e.name), " is used again (first at line ",
                                    it->second->name_line, "); give every node its own name"));
    }
    const ParsedNode& first = nodes.front();
    if (e.ring_addrs.size() != first.entry.ring_addrs.size()) {
      return ConfError(n.line, absl::StrCat(NodeLabel(n), " has ", e.ring_addrs.size(),
                                            " ring address(es) but ", NodeLabel(first), " (line ",
                                            first.line, ") has ", first.entry.ring_addrs.size(),
                                            "; give every node an address on every ring"));
    }
    for (size_t i = 0; i < e.ring_addrs.size(); ++i) {
      if (n.ring_ips[i].family != first.ring_ips[i].family) {
        return ConfError(
            n.ring_lines[i],
            absl::StrCat(NodeLabel(n), " ring", i, "_addr ", Quoted(e.ring_addrs[i]), " is ",
                         FamilyName(n.ring_ips[i].family), " but ", NodeLabel(first), " has ",
                         FamilyName(first.ring_ips[i].family), " on ring", i, " (line ",
                         first.ring_lines[i], "); use one address family throughout a ring"));
      }
      auto [it, fresh] = by_address.emplace(n.ring_ips[i].bytes, std::pair(&n, i));
      if (!fresh) {
        const auto& [other, ring] = it->second;
        return ConfError(
            n.ring_lines[i],
            absl::StrCat("address ", Quoted(e.ring_addrs[i]), " is used again (first by ",
                         NodeLabel(*other), " ring", ring, "_addr at line ",
                         other->ring_lines[ring], "); give each node and ring its own address"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status MapNodelist(const ConfSection& s, ClusterConfig& c) {
  if (!s.entries.empty()) {
    return ConfError(s.entries.front().line,
                     absl::StrCat("key ", Quoted(s.entries.front().key),
                                  " is not allowed in nodelist, which holds only 'node {' "
                                  "sections; move it into a node"));
  }
  if (auto st = CheckSections(s, "nodelist", kNodelistSections); !st.ok()) return st;
  std::vector<ParsedNode> nodes;
  for (const ConfSection& sub : s.sections) {
    auto node = MapNode(sub);
    if (!node.ok()) return node.status();
    nodes.push_back(*std::move(node));
  }
  if (auto st = CheckNodes(nodes); !st.ok()) return st;
  for (ParsedNode& n : nodes) c.nodes.push_back(std::move(n.entry));
  return absl::OkStatus();
}

absl::Status MapTopLevel(const ConfSection& root, ClusterConfig& c, SourceLines& lines) {
  if (!root.entries.empty()) {
    const ConfEntry& e = root.entries.front();
    return ConfError(e.line, absl::StrCat("key ", Quoted(e.key),
                                          " stands outside any section; move it into totem, "
                                          "nodelist or quorum"));
  }
  if (auto st = CheckSections(root, "the top level", kTopSections); !st.ok()) return st;
  std::map<absl::string_view, int> first_line;
  for (const ConfSection& s : root.sections) {
    if (s.name == "logging" || s.name == "system" || s.name == "resources") continue;
    if (auto [it, fresh] = first_line.emplace(s.name, s.line); !fresh) {
      return ConfError(s.line,
                       absl::StrCat("section ", Quoted(s.name), " appears again (first at line ",
                                    it->second, "); merge the two"));
    }
    absl::Status st;
    if (s.name == "totem") {
      st = MapTotem(s, c, lines);
    } else if (s.name == "quorum") {
      st = MapQuorum(s, c, lines);
    } else {
      lines.nodelist = s.line;
      st = MapNodelist(s, c);
    }
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status CheckWhole(const ClusterConfig& c, const SourceLines& lines) {
  if (c.nodes.empty()) {
    constexpr absl::string_view kNode =
        "'node {' with 'nodeid: 1', 'name: HOSTNAME' and 'ring0_addr: ADDRESS' lines";
    if (lines.nodelist == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("no nodelist section; add 'nodelist {' holding a ", kNode));
    }
    return ConfError(lines.nodelist, absl::StrCat("nodelist has no node; add a ", kNode));
  }
  if (c.token_ms < kMinTokenMs) {
    return ConfError(lines.token, absl::StrCat("totem.token: ", c.token_ms, " ms is below the ",
                                               kMinTokenMs, " ms minimum; raise it"));
  }
  if (c.heartbeat_interval_ms == 0) {
    return ConfError(lines.heartbeat, "totem.heartbeat_interval: 0 ms; use 1 or more");
  }
  if (c.heartbeat_interval_ms >= c.token_ms) {
    return ConfError(lines.heartbeat != 0 ? lines.heartbeat : lines.token,
                     absl::StrCat("totem.heartbeat_interval (", c.heartbeat_interval_ms,
                                  " ms) must be less than totem.token (", c.token_ms,
                                  " ms); lower heartbeat_interval or raise token"));
  }
  if (c.two_node && c.nodes.size() != 2) {
    return ConfError(lines.two_node,
                     absl::StrCat("quorum.two_node is on but the nodelist has ", c.nodes.size(),
                                  " node(s); two_node needs exactly 2: remove it "
                                  "or set it to 0"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClusterConfig> ParseClusterConfig(std::string_view text) {
  auto root = ParseConfTree(text);
  if (!root.ok()) return root.status();
  ClusterConfig config;
  SourceLines lines;
  if (auto st = MapTopLevel(*root, config, lines); !st.ok()) return st;
  if (auto st = CheckWhole(config, lines); !st.ok()) return st;
  return config;
}

absl::StatusOr<ClusterConfig> ReadClusterConfig(const std::string& path) {
  auto file = ReadRegularFile(path, kMaxConfigBytes + 1);
  if (!file.ok()) return file.status();
  if (file->data.size() > kMaxConfigBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", kMaxConfigBytes, " bytes; is it the right file?"));
  }
  auto config = ParseClusterConfig(file->data);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace baton::config

namespace baton::config {

bool operator==(const NodeEntry& a, const NodeEntry& b) {
  return a.nodeid == b.nodeid && a.name == b.name && a.ring_addrs == b.ring_addrs && a.votes == b.votes;
}

bool operator==(const ClusterConfig& a, const ClusterConfig& b) {
  return a.cluster_name == b.cluster_name && a.token_ms == b.token_ms &&
         a.heartbeat_interval_ms == b.heartbeat_interval_ms && a.port == b.port &&
         a.config_version == b.config_version && a.nodes == b.nodes && a.two_node == b.two_node &&
         a.wait_for_all == b.wait_for_all && a.last_man_standing == b.last_man_standing &&
         a.last_man_standing_window_ms == b.last_man_standing_window_ms &&
         a.auto_tie_breaker == b.auto_tie_breaker && a.expected_votes == b.expected_votes;
}

std::string FormatClusterConfig(const ClusterConfig& c) {
  std::string o;
  absl::StrAppend(&o,
                  "# baton cluster configuration (corosync.conf syntax). Written by crm cluster\n"
                  "# init/join/remove, which keep it identical on every node: change the\n"
                  "# nodelist with them, not by hand.\n"
                  "totem {\n");
  if (!c.cluster_name.empty()) absl::StrAppend(&o, "    cluster_name: ", c.cluster_name, "\n");
  absl::StrAppend(&o, "    # raised by every nodelist change; nodes adopt the newest\n",
                  "    config_version: ", c.config_version, "\n",
                  "    # a node not heard on any link for this many ms is lost\n",
                  "    token: ", c.token_ms, "\n",
                  "    heartbeat_interval: ", c.heartbeat_interval_ms, "\n",
                  "    # UDP heartbeats (ringN on port+N), TCP between crmds; fencers on port+10\n",
                  "    port: ", c.port, "\n", "}\n\nnodelist {\n");
  for (const auto& n : c.nodes) {
    absl::StrAppend(&o, "    node {\n        nodeid: ", n.nodeid, "\n        name: ", n.name, "\n");
    for (size_t i = 0; i < n.ring_addrs.size(); ++i) {
      absl::StrAppend(&o, "        ring", i, "_addr: ", n.ring_addrs[i], "\n");
    }
    if (n.votes != 1) absl::StrAppend(&o, "        quorum_votes: ", n.votes, "\n");
    absl::StrAppend(&o, "    }\n");
  }
  absl::StrAppend(&o, "}\n\nquorum {\n    provider: corosync_votequorum\n");
  if (c.two_node) absl::StrAppend(&o, "    # two nodes: one survivor keeps quorum; fencing decides a split\n    two_node: 1\n");
  if (c.wait_for_all) absl::StrAppend(&o, "    wait_for_all: ", *c.wait_for_all ? 1 : 0, "\n");
  if (c.last_man_standing) {
    absl::StrAppend(&o, "    last_man_standing: 1\n    last_man_standing_window: ", c.last_man_standing_window_ms,
                    "\n");
  } else if (c.last_man_standing_window_ms != 10000) {
    absl::StrAppend(&o, "    last_man_standing_window: ", c.last_man_standing_window_ms, "\n");
  }
  if (c.auto_tie_breaker) absl::StrAppend(&o, "    auto_tie_breaker: 1\n");
  if (c.expected_votes) absl::StrAppend(&o, "    expected_votes: ", *c.expected_votes, "\n");
  absl::StrAppend(&o, "}\n");
  return o;
}

void FitQuorumToNodelist(ClusterConfig& c) {
  c.two_node = c.nodes.size() == 2;
  c.expected_votes.reset();
}

}  // namespace baton::config
