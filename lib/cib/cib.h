// The Cluster Information Base as domain types: the configuration (nodes,
// resources, constraints, properties, fencing topology) and the status (node
// states, operation history, transient attributes), with its version.
//
// These are plain values: no I/O, no pointers between parts. References
// between parts (a constraint naming a resource) are ids, checked by
// Validate(). Import/export of Pacemaker XML lives in cib_xml.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace baton::cib {

// Where a part was read from: its line in the CIB XML, 0 for a part made in
// code. Validate() names it in its errors. It is not part of the value: any
// two compare equal, so a CIB written out and read back equals the original.
struct SourceLine {
  int line = 0;
  bool operator==(const SourceLine&) const { return true; }
};

// A name/value pair (nvpair). `value` is absent for an nvpair without one.
struct NvPair {
  std::string id;
  std::string name;
  std::optional<std::string> value;
  bool operator==(const NvPair&) const = default;
};

// One expression of a rule. Which fields are used depends on `kind`;
// `attrs` keeps every XML attribute so date specs and durations need no
// field of their own.
struct Expression {
  enum class Kind { kAttribute, kDate, kResource, kOperation };
  Kind kind = Kind::kAttribute;
  std::string id;
  std::map<std::string, std::string> attrs;  // attribute, operation, value, type, ...
  std::map<std::string, std::string> date_spec;  // <date_spec> of a date expression
  std::map<std::string, std::string> duration;   // <duration> of a date expression
  bool operator==(const Expression&) const = default;
};

// A rule: a boolean combination of expressions and nested rules, with the
// score it contributes where it is used in a location constraint.
struct Rule {
  std::string id;
  std::optional<std::string> score;            // "INFINITY", "-100", ...
  std::optional<std::string> score_attribute;  // score taken from a node attribute
  std::string boolean_op = "and";
  std::optional<std::string> role;
  std::vector<Expression> expressions;
  std::vector<Rule> rules;
  bool operator==(const Rule&) const = default;
};

// A set of nvpairs: instance_attributes, meta_attributes, utilization,
// cluster_property_set, rsc/op defaults. Sets apply in descending `score`
// order, and only where their rule (if any) is true.
struct NvSet {
  std::string id;
  std::optional<std::string> score;
  std::vector<Rule> rules;
  std::vector<NvPair> pairs;
  bool operator==(const NvSet&) const = default;
};

struct Operation {
  std::string id;
  std::string name;      // start, stop, monitor, promote, ...
  std::string interval;  // as written ("10s", "0", "PT1M")
  std::map<std::string, std::string> attrs;  // timeout, role, on-fail, enabled, ...
  std::vector<NvSet> meta;
  std::vector<NvSet> instance;
  bool operator==(const Operation&) const = default;
};

// A resource definition. Groups have primitives as children; clones have one
// child (a primitive or a group). A template has kind kTemplate and is
// referenced by primitives through `template_id`.
struct Resource {
  enum class Kind { kPrimitive, kGroup, kClone, kBundle, kTemplate };
  Kind kind = Kind::kPrimitive;
  std::string id;
  std::string cls;        // ocf, lsb, stonith, systemd, service
  std::string provider;   // ocf only
  std::string type;
  std::string template_id;
  std::string description;
  bool master_element = false;  // written as <master> (legacy promotable clone)
  std::vector<NvSet> meta;
  std::vector<NvSet> instance;
  std::vector<NvSet> utilization;
  std::vector<Operation> ops;
  std::vector<Resource> children;
  std::string raw_xml;  // bundles: kept verbatim until the scheduler models them
  SourceLine source;
  bool operator==(const Resource&) const = default;
};

struct Node {
  std::string id;
  std::string uname;
  std::string type;  // member (default), remote, ping
  std::string description;
  std::optional<std::string> score;
  std::vector<NvSet> attributes;
  std::vector<NvSet> utilization;
  bool operator==(const Node&) const = default;
};

// A resource_set of a constraint.
struct ResourceSet {
  std::string id;
  std::map<std::string, std::string> attrs;  // sequential, require-all, role, action, ...
  std::vector<std::string> resources;
  bool operator==(const ResourceSet&) const = default;
};

// A constraint. `attrs` keeps the element's attributes as written (rsc,
// with-rsc, score, first, then, kind, symmetrical, node, role, ...).
struct Constraint {
  enum class Kind { kLocation, kColocation, kOrder, kTicket };
  Kind kind = Kind::kLocation;
  std::string id;
  std::map<std::string, std::string> attrs;
  std::vector<ResourceSet> sets;
  std::vector<Rule> rules;  // location only
  SourceLine source;
  bool operator==(const Constraint&) const = default;
};

struct FencingLevel {
  std::string id;
  std::map<std::string, std::string> attrs;  // target, target-pattern, index, devices, ...
  bool operator==(const FencingLevel&) const = default;
};

struct Tag {
  std::string id;
  std::vector<std::string> refs;
  bool operator==(const Tag&) const = default;
};

struct Configuration {
  std::vector<NvSet> crm_config;
  std::vector<NvSet> rsc_defaults;
  std::vector<NvSet> op_defaults;
  std::vector<Node> nodes;
  std::vector<Resource> resources;  // top level, in document order; templates included
  std::vector<Constraint> constraints;  // document order
  std::vector<FencingLevel> fencing_topology;
  std::vector<Tag> tags;
  // Sections baton keeps but does not interpret yet (acls, alerts), verbatim.
  std::vector<std::string> raw_sections;
  bool operator==(const Configuration&) const = default;
};

// One recorded operation on a node (lrm_rsc_op). Every attribute is kept as
// written; the typed accessors below read the ones the scheduler needs.
struct OpRecord {
  std::string id;
  std::map<std::string, std::string> attrs;
  bool operator==(const OpRecord&) const = default;
};

struct ResourceHistory {
  std::string id;
  std::map<std::string, std::string> attrs;  // class, provider, type, container, ...
  std::vector<OpRecord> ops;
  bool operator==(const ResourceHistory&) const = default;
};

struct NodeState {
  std::string id;
  std::map<std::string, std::string> attrs;  // uname, in_ccm, crmd, join, expected, ...
  std::vector<NvSet> transient;  // transient_attributes
  bool has_lrm = false;          // an <lrm> element was present
  std::vector<ResourceHistory> resources;
  std::vector<std::string> raw_children;  // anything else under node_state, verbatim
  bool operator==(const NodeState&) const = default;
};

struct Ticket {
  std::string id;
  std::map<std::string, std::string> attrs;
  bool operator==(const Ticket&) const = default;
};

// (admin_epoch, epoch, num_updates): compared lexicographically; the higher
// version is the newer CIB.
struct Version {
  int64_t admin_epoch = 0;
  int64_t epoch = 0;
  int64_t num_updates = 0;
  auto operator<=>(const Version&) const = default;
};

struct Cib {
  Version version;
  std::map<std::string, std::string> attrs;  // have-quorum, dc-uuid, execution-date, ...
  Configuration configuration;
  std::vector<NodeState> status;
  std::vector<Ticket> tickets;
  bool operator==(const Cib&) const = default;
};

// Looks up a value in a map, or `fallback`.
inline std::string Get(const std::map<std::string, std::string>& m, const std::string& key,
                       const std::string& fallback = "") {
  auto it = m.find(key);
  return it == m.end() ? fallback : it->second;
}

}  // namespace baton::cib
