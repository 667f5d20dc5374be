// Pacemaker CIB XML -> baton::cib::Cib, and its validation (writing: cib_xml_write.cc).
#include "lib/cib/cib_xml.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/cib/cib_xml_internal.h"
#include "pugixml.hpp"

namespace baton::cib {
namespace {

using internal::ConstraintTag;
using internal::EscapeCr;

// Elements may nest this deep below <cib>, as in libxml2 (Pacemaker's XML
// parser) without XML_PARSE_HUGE. Deeper documents are refused: writing them
// out indented would take space quadratic in the depth.
constexpr int kMaxDepth = 256;
// Rules nest (and<or<...>>) but not this deep in any real CIB; the limit
// keeps the recursive descent within the stack when id-refs make a loop.
constexpr int kMaxRuleDepth = 64;
// id-refs copy the element they name; a chain of elements that each refer to
// the next twice doubles at each step (a "billion laughs"). Reading stops once
// the copies add up to this many elements, plus kIdRefCopiesPerElement for
// each element of the document.
constexpr size_t kMaxIdRefElements = 100000;
constexpr size_t kIdRefCopiesPerElement = 16;

// Line number (1-based) of a byte offset into `text`, by binary search over
// the offsets of its line breaks.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') breaks_.push_back(i);
    }
  }
  int LineOf(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    auto before = std::lower_bound(breaks_.begin(), breaks_.end(), static_cast<size_t>(offset));
    return static_cast<int>(before - breaks_.begin()) + 1;
  }

 private:
  std::vector<size_t> breaks_;
};

// Calls fn(element, depth) on every element below `root` (its children at
// depth 1), in document order, until fn returns false. Iterative: documents
// may nest deeper than the stack would allow recursion.
template <typename Fn>
void ForEachElementBelow(const pugi::xml_node& root, Fn fn) {
  pugi::xml_node n = root.first_child();
  int depth = 1;
  while (n) {
    if (n.type() == pugi::node_element && !fn(n, depth)) return;
    if (n.first_child()) {
      n = n.first_child();
      ++depth;
      continue;
    }
    while (n != root && !n.next_sibling()) {
      n = n.parent();
      --depth;
    }
    if (n == root) break;
    n = n.next_sibling();
  }
}

// Parsing state: the document text (for line numbers) and an index of every
// element with an id (for id-ref resolution).
class Importer {
 public:
  explicit Importer(std::string_view text) : lines_(text) {}

  absl::StatusOr<Cib> Run(const pugi::xml_document& doc);

 private:
  // The input is parsed as UTF-8 (no re-encoding), so pugixml's offsets are
  // offsets into the text.
  int LineOf(const pugi::xml_node& n) const { return lines_.LineOf(n.offset_debug()); }

  std::string Where(const pugi::xml_node& n) const {
    std::string s = absl::StrCat("line ", LineOf(n), ": <", n.name());
    if (const char* id = n.attribute("id").as_string(nullptr)) absl::StrAppend(&s, " id='", id, "'");
    return s + ">";
  }

  // "line 3: unknown element <bogus> in <primitive id='a'> (line 2)": the line
  // of the element that is wrong comes first.
  absl::Status Unknown(const pugi::xml_node& parent, const pugi::xml_node& child) const {
    std::string in = Where(parent);
    in.erase(0, in.find('<'));
    return absl::InvalidArgumentError(absl::StrCat("line ", LineOf(child), ": unknown element <", child.name(),
                                                   "> in ", in, " (line ", LineOf(parent), ")"));
  }

  absl::Status Missing(const pugi::xml_node& n, const char* attr) const {
    return absl::InvalidArgumentError(absl::StrCat(Where(n), ": missing attribute '", attr, "'"));
  }

  // Follows an id-ref to the element it names (of the same tag), counting
  // the elements so copied against kMaxIdRefElements.
  absl::StatusOr<pugi::xml_node> Deref(const pugi::xml_node& n) {
    const char* ref = n.attribute("id-ref").as_string(nullptr);
    if (ref == nullptr) return n;
    auto it = ids_.find(ref);
    if (it == ids_.end() || std::string(it->second.name()) != n.name()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(n), ": id-ref '", ref, "' names no <", n.name(), ">"));
    }
    idref_elements_ += 1;
    ForEachElementBelow(it->second, [&](const pugi::xml_node&, int) {
      ++idref_elements_;
      return true;
    });
    if (idref_elements_ > idref_budget_) {
      return absl::InvalidArgumentError(absl::StrCat(Where(n), ": id-ref '", ref, "': id-refs copy more than ",
                                                     idref_budget_, " elements in all"));
    }
    return it->second;
  }

  static std::map<std::string, std::string> Attrs(const pugi::xml_node& n) {
    std::map<std::string, std::string> m;
    for (auto a : n.attributes()) m[a.name()] = a.value();
    return m;
  }

  // An element as XML text, to be kept verbatim. Text that is only white
  // space (from "&#9;" and the like) is left out: written out, it would be
  // dropped when read back.
  static std::string Raw(const pugi::xml_node& n) {
    pugi::xml_document copy;
    copy.append_copy(n);
    std::vector<pugi::xml_node> blank;
    ForEachElementBelow(copy, [&](const pugi::xml_node& e, int) {
      for (auto t : e.children()) {
        if (t.type() == pugi::node_pcdata && std::string_view(t.value()).find_first_not_of(" \t\r\n") ==
                                                  std::string_view::npos) {
          blank.push_back(t);
        }
      }
      return true;
    });
    for (auto& t : blank) t.parent().remove_child(t);
    std::ostringstream out;
    copy.print(out, "", pugi::format_raw);
    return EscapeCr(out.str());
  }

  // pugixml accepts an attribute given twice, which XML does not.
  absl::Status DuplicateAttribute(const pugi::xml_node& n) const {
    std::vector<std::string_view> names;
    for (auto a : n.attributes()) names.emplace_back(a.name());
    std::sort(names.begin(), names.end());
    auto twice = std::adjacent_find(names.begin(), names.end());
    if (twice == names.end()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(Where(n), ": malformed XML: attribute '", std::string(*twice), "' given twice"));
  }

  // Indexes the elements by id (the first of an id wins) and checks the depth
  // and the attributes.
  absl::Status Index(const pugi::xml_node& root) {
    absl::Status st;
    ForEachElementBelow(root, [&](const pugi::xml_node& c, int depth) {
      if (depth > kMaxDepth) {
        st = absl::InvalidArgumentError(
            absl::StrCat(Where(c), ": elements nested more than ", kMaxDepth, " deep"));
        return false;
      }
      if (st = DuplicateAttribute(c); !st.ok()) return false;
      if (const char* id = c.attribute("id").as_string(nullptr)) ids_.emplace(id, c);
      idref_budget_ += kIdRefCopiesPerElement;
      return true;
    });
    return st;
  }

  absl::StatusOr<Rule> ParseRule(const pugi::xml_node& in, int depth = 0);
  absl::StatusOr<Expression> ParseExpression(const pugi::xml_node& n);
  absl::StatusOr<NvSet> ParseNvSet(const pugi::xml_node& in);
  absl::Status ParseNvSets(const pugi::xml_node& parent, const char* tag, std::vector<NvSet>* out);
  absl::StatusOr<Operation> ParseOp(const pugi::xml_node& n);
  absl::StatusOr<Resource> ParseResource(const pugi::xml_node& n);
  absl::StatusOr<Constraint> ParseConstraint(const pugi::xml_node& n);
  absl::Status ParseConfiguration(const pugi::xml_node& n, Configuration* c);
  absl::StatusOr<NodeState> ParseNodeState(const pugi::xml_node& n);
  absl::Status ParseStatus(const pugi::xml_node& n, Cib* cib);

  LineIndex lines_;
  std::unordered_map<std::string, pugi::xml_node> ids_;
  size_t idref_elements_ = 0;
  size_t idref_budget_ = kMaxIdRefElements;
};

bool IsElement(const pugi::xml_node& n) { return n.type() == pugi::node_element; }

absl::StatusOr<Expression> Importer::ParseExpression(const pugi::xml_node& n) {
  Expression e;
  std::string tag = n.name();
  if (tag == "expression") e.kind = Expression::Kind::kAttribute;
  else if (tag == "date_expression") e.kind = Expression::Kind::kDate;
  else if (tag == "rsc_expression") e.kind = Expression::Kind::kResource;
  else if (tag == "op_expression") e.kind = Expression::Kind::kOperation;
  e.id = n.attribute("id").as_string();
  e.attrs = Attrs(n);
  e.attrs.erase("id");
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (e.kind == Expression::Kind::kDate && ct == "date_spec") {
      e.date_spec = Attrs(c);
    } else if (e.kind == Expression::Kind::kDate && ct == "duration") {
      e.duration = Attrs(c);
    } else {
      return Unknown(n, c);
    }
  }
  return e;
}

absl::StatusOr<Rule> Importer::ParseRule(const pugi::xml_node& in, int depth) {
  // A rule that names an enclosing rule by id-ref would recurse for ever.
  if (depth >= kMaxRuleDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(in), ": rules nested more than ", kMaxRuleDepth, " deep (an id-ref loop?)"));
  }
  auto deref = Deref(in);
  if (!deref.ok()) return deref.status();
  const pugi::xml_node& n = *deref;
  Rule r;
  r.id = n.attribute("id").as_string();
  if (auto a = n.attribute("score")) r.score = a.value();
  if (auto a = n.attribute("score-attribute")) r.score_attribute = a.value();
  if (auto a = n.attribute("boolean-op")) r.boolean_op = a.value();
  if (auto a = n.attribute("role")) r.role = a.value();
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (ct == "rule") {
      auto sub = ParseRule(c, depth + 1);
      if (!sub.ok()) return sub.status();
      r.rules.push_back(std::move(*sub));
    } else if (ct == "expression" || ct == "date_expression" || ct == "rsc_expression" ||
               ct == "op_expression") {
      auto e = ParseExpression(c);
      if (!e.ok()) return e.status();
      r.expressions.push_back(std::move(*e));
    } else {
      return Unknown(n, c);
    }
  }
  return r;
}

absl::StatusOr<NvSet> Importer::ParseNvSet(const pugi::xml_node& in) {
  auto deref = Deref(in);
  if (!deref.ok()) return deref.status();
  const pugi::xml_node& n = *deref;
  NvSet s;
  s.id = in.attribute("id").as_string(n.attribute("id").as_string());
  if (auto a = n.attribute("score")) s.score = a.value();
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (ct == "nvpair") {
      auto p = Deref(c);
      if (!p.ok()) return p.status();
      NvPair pair;
      pair.id = c.attribute("id").as_string(p->attribute("id").as_string());
      pair.name = c.attribute("name").as_string(p->attribute("name").as_string());
      if (pair.name.empty()) return Missing(c, "name");
      if (auto v = c.attribute("value")) pair.value = v.value();
      else if (auto pv = p->attribute("value")) pair.value = pv.value();
      s.pairs.push_back(std::move(pair));
    } else if (ct == "rule") {
      auto r = ParseRule(c);
      if (!r.ok()) return r.status();
      s.rules.push_back(std::move(*r));
    } else {
      return Unknown(n, c);
    }
  }
  return s;
}

absl::Status Importer::ParseNvSets(const pugi::xml_node& parent, const char* tag,
                                   std::vector<NvSet>* out) {
  for (auto c : parent.children(tag)) {
    auto s = ParseNvSet(c);
    if (!s.ok()) return s.status();
    out->push_back(std::move(*s));
  }
  return absl::OkStatus();
}

absl::StatusOr<Operation> Importer::ParseOp(const pugi::xml_node& n) {
  Operation op;
  op.id = n.attribute("id").as_string();
  op.name = n.attribute("name").as_string();
  if (op.name.empty()) return Missing(n, "name");
  if (!n.attribute("interval")) return Missing(n, "interval");
  op.interval = n.attribute("interval").as_string();
  op.attrs = Attrs(n);
  op.attrs.erase("id");
  op.attrs.erase("name");
  op.attrs.erase("interval");
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    absl::StatusOr<NvSet> s = ParseNvSet(c);
    if (ct == "meta_attributes") {
      if (!s.ok()) return s.status();
      op.meta.push_back(std::move(*s));
    } else if (ct == "instance_attributes") {
      if (!s.ok()) return s.status();
      op.instance.push_back(std::move(*s));
    } else {
      return Unknown(n, c);
    }
  }
  return op;
}

absl::StatusOr<Resource> Importer::ParseResource(const pugi::xml_node& n) {
  Resource r;
  std::string tag = n.name();
  r.source.line = LineOf(n);
  r.id = n.attribute("id").as_string();
  if (r.id.empty()) return Missing(n, "id");
  r.description = n.attribute("description").as_string();
  if (tag == "bundle") {
    r.kind = Resource::Kind::kBundle;
    r.raw_xml = Raw(n);
    return r;
  }
  if (tag == "primitive" || tag == "template") {
    r.kind = tag == "primitive" ? Resource::Kind::kPrimitive : Resource::Kind::kTemplate;
    r.cls = n.attribute("class").as_string();
    r.provider = n.attribute("provider").as_string();
    r.type = n.attribute("type").as_string();
    r.template_id = n.attribute("template").as_string();
    if (r.template_id.empty()) {
      if (r.cls.empty()) return Missing(n, "class");
      if (r.type.empty()) return Missing(n, "type");
      if (r.cls == "ocf" && r.provider.empty()) return Missing(n, "provider");
    }
  } else if (tag == "group") {
    r.kind = Resource::Kind::kGroup;
  } else {
    r.kind = Resource::Kind::kClone;
    r.master_element = tag == "master";
  }
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (ct == "meta_attributes" || ct == "instance_attributes" || ct == "utilization") {
      continue;  // collected below, each kind in document order
    } else if (ct == "operations" && (r.kind == Resource::Kind::kPrimitive ||
                                      r.kind == Resource::Kind::kTemplate)) {
      for (auto o : c.children()) {
        if (!IsElement(o)) continue;
        if (std::string(o.name()) != "op") return Unknown(c, o);
        auto op = ParseOp(o);
        if (!op.ok()) return op.status();
        r.ops.push_back(std::move(*op));
      }
    } else if ((ct == "primitive" && r.kind != Resource::Kind::kPrimitive &&
                r.kind != Resource::Kind::kTemplate) ||
               (ct == "group" && r.kind == Resource::Kind::kClone)) {
      if (r.kind == Resource::Kind::kClone && !r.children.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(Where(n), ": a clone has exactly one child"));
      }
      auto child = ParseResource(c);
      if (!child.ok()) return child.status();
      r.children.push_back(std::move(*child));
    } else {
      return Unknown(n, c);
    }
  }
  if (auto st = ParseNvSets(n, "meta_attributes", &r.meta); !st.ok()) return st;
  if (auto st = ParseNvSets(n, "instance_attributes", &r.instance); !st.ok()) return st;
  if (auto st = ParseNvSets(n, "utilization", &r.utilization); !st.ok()) return st;
  if (r.kind == Resource::Kind::kClone && r.children.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Where(n), ": a clone needs a primitive or group"));
  }
  return r;
}

absl::StatusOr<Constraint> Importer::ParseConstraint(const pugi::xml_node& n) {
  Constraint c;
  std::string tag = n.name();
  c.source.line = LineOf(n);
  if (tag == "rsc_location") c.kind = Constraint::Kind::kLocation;
  else if (tag == "rsc_colocation") c.kind = Constraint::Kind::kColocation;
  else if (tag == "rsc_order") c.kind = Constraint::Kind::kOrder;
  else c.kind = Constraint::Kind::kTicket;
  c.id = n.attribute("id").as_string();
  if (c.id.empty()) return Missing(n, "id");
  c.attrs = Attrs(n);
  c.attrs.erase("id");
  for (auto ch : n.children()) {
    if (!IsElement(ch)) continue;
    std::string ct = ch.name();
    if (ct == "resource_set") {
      auto deref = Deref(ch);
      if (!deref.ok()) return deref.status();
      ResourceSet s;
      s.id = deref->attribute("id").as_string();
      s.attrs = Attrs(*deref);
      s.attrs.erase("id");
      for (auto ref : deref->children()) {
        if (!IsElement(ref)) continue;
        if (std::string(ref.name()) != "resource_ref") return Unknown(*deref, ref);
        const char* id = ref.attribute("id").as_string(nullptr);
        if (id == nullptr) return Missing(ref, "id");
        s.resources.push_back(id);
      }
      c.sets.push_back(std::move(s));
    } else if (ct == "rule" && c.kind == Constraint::Kind::kLocation) {
      auto r = ParseRule(ch);
      if (!r.ok()) return r.status();
      c.rules.push_back(std::move(*r));
    } else {
      return Unknown(n, ch);
    }
  }
  return c;
}

absl::Status Importer::ParseConfiguration(const pugi::xml_node& n, Configuration* conf) {
  for (auto sec : n.children()) {
    if (!IsElement(sec)) continue;
    std::string st = sec.name();
    auto each = [&](auto fn, std::initializer_list<std::string_view> tags) -> absl::Status {
      for (auto c : sec.children()) {
        if (!IsElement(c)) continue;
        bool known = false;
        for (auto t : tags) known = known || t == c.name();
        if (!known) return Unknown(sec, c);
        if (auto s = fn(c); !s.ok()) return s;
      }
      return absl::OkStatus();
    };
    absl::Status s;
    if (st == "crm_config") {
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        auto set = ParseNvSet(c);
        if (!set.ok()) return set.status();
        conf->crm_config.push_back(std::move(*set));
        return absl::OkStatus();
      }, {"cluster_property_set"});
    } else if (st == "rsc_defaults" || st == "op_defaults") {
      auto* out = st == "rsc_defaults" ? &conf->rsc_defaults : &conf->op_defaults;
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        auto set = ParseNvSet(c);
        if (!set.ok()) return set.status();
        out->push_back(std::move(*set));
        return absl::OkStatus();
      }, {"meta_attributes"});
    } else if (st == "nodes") {
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        Node node;
        node.id = c.attribute("id").as_string();
        if (node.id.empty()) return Missing(c, "id");
        node.uname = c.attribute("uname").as_string(node.id.c_str());
        node.type = c.attribute("type").as_string();
        node.description = c.attribute("description").as_string();
        if (auto a = c.attribute("score")) node.score = a.value();
        for (auto ch : c.children()) {
          if (!IsElement(ch)) continue;
          std::string ct = ch.name();
          if (ct != "instance_attributes" && ct != "utilization") return Unknown(c, ch);
        }
        if (auto st2 = ParseNvSets(c, "instance_attributes", &node.attributes); !st2.ok()) return st2;
        if (auto st2 = ParseNvSets(c, "utilization", &node.utilization); !st2.ok()) return st2;
        conf->nodes.push_back(std::move(node));
        return absl::OkStatus();
      }, {"node"});
    } else if (st == "resources") {
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        auto r = ParseResource(c);
        if (!r.ok()) return r.status();
        conf->resources.push_back(std::move(*r));
        return absl::OkStatus();
      }, {"primitive", "group", "clone", "master", "bundle", "template"});
    } else if (st == "constraints") {
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        auto r = ParseConstraint(c);
        if (!r.ok()) return r.status();
        conf->constraints.push_back(std::move(*r));
        return absl::OkStatus();
      }, {"rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket"});
    } else if (st == "fencing-topology") {
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        FencingLevel l;
        l.id = c.attribute("id").as_string();
        l.attrs = Attrs(c);
        l.attrs.erase("id");
        if (!c.attribute("index")) return Missing(c, "index");
        if (!c.attribute("devices")) return Missing(c, "devices");
        conf->fencing_topology.push_back(std::move(l));
        return absl::OkStatus();
      }, {"fencing-level"});
    } else if (st == "tags") {
      s = each([&](const pugi::xml_node& c) -> absl::Status {
        Tag t;
        t.id = c.attribute("id").as_string();
        for (auto ref : c.children()) {
          if (!IsElement(ref)) continue;
          if (std::string(ref.name()) != "obj_ref") return Unknown(c, ref);
          t.refs.push_back(ref.attribute("id").as_string());
        }
        conf->tags.push_back(std::move(t));
        return absl::OkStatus();
      }, {"tag"});
    } else if (st == "acls" || st == "alerts") {
      conf->raw_sections.push_back(Raw(sec));
    } else {
      return Unknown(n, sec);
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeState> Importer::ParseNodeState(const pugi::xml_node& n) {
  NodeState ns;
  ns.id = n.attribute("id").as_string();
  if (ns.id.empty()) return Missing(n, "id");
  ns.attrs = Attrs(n);
  ns.attrs.erase("id");
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (ct == "transient_attributes") {
      for (auto s : c.children()) {
        if (!IsElement(s)) continue;
        if (std::string(s.name()) != "instance_attributes") return Unknown(c, s);
      }
      if (auto st = ParseNvSets(c, "instance_attributes", &ns.transient); !st.ok()) return st;
    } else if (ct == "lrm") {
      ns.has_lrm = true;
      for (auto lrs : c.children()) {
        if (!IsElement(lrs)) continue;
        if (std::string(lrs.name()) != "lrm_resources") return Unknown(c, lrs);
        for (auto lr : lrs.children()) {
          if (!IsElement(lr)) continue;
          if (std::string(lr.name()) != "lrm_resource") return Unknown(lrs, lr);
          ResourceHistory h;
          h.id = lr.attribute("id").as_string();
          if (h.id.empty()) return Missing(lr, "id");
          h.attrs = Attrs(lr);
          h.attrs.erase("id");
          for (auto op : lr.children()) {
            if (!IsElement(op)) continue;
            if (std::string(op.name()) != "lrm_rsc_op") return Unknown(lr, op);
            OpRecord rec;
            rec.id = op.attribute("id").as_string();
            if (rec.id.empty()) return Missing(op, "id");
            rec.attrs = Attrs(op);
            rec.attrs.erase("id");
            h.ops.push_back(std::move(rec));
          }
          ns.resources.push_back(std::move(h));
        }
      }
    } else {
      ns.raw_children.push_back(Raw(c));
    }
  }
  return ns;
}

absl::Status Importer::ParseStatus(const pugi::xml_node& n, Cib* cib) {
  for (auto c : n.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (ct == "node_state") {
      auto ns = ParseNodeState(c);
      if (!ns.ok()) return ns.status();
      cib->status.push_back(std::move(*ns));
    } else if (ct == "tickets") {
      for (auto t : c.children()) {
        if (!IsElement(t)) continue;
        if (std::string(t.name()) != "ticket_state") return Unknown(c, t);
        Ticket tk;
        tk.id = t.attribute("id").as_string();
        tk.attrs = Attrs(t);
        tk.attrs.erase("id");
        cib->tickets.push_back(std::move(tk));
      }
    } else {
      return Unknown(n, c);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> VersionField(const pugi::xml_node& n, const char* name) {
  auto a = n.attribute(name);
  if (!a) return 0;
  std::string v = a.value();
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < 0 || errno == ERANGE) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute ", name, "='", v, "' is not a non-negative 64-bit integer"));
  }
  return x;
}

absl::StatusOr<Cib> Importer::Run(const pugi::xml_document& doc) {
  pugi::xml_node root = doc.document_element();
  if (std::string(root.name()) != "cib") {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", LineOf(root), ": root element is <", root.name(), ">, expected <cib>"));
  }
  // pugixml reads elements and CDATA after the root element without an error.
  for (auto c : doc.children()) {
    if (c == root) continue;
    if (IsElement(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", LineOf(c), ": unknown element <", c.name(), "> outside <cib>"));
    }
    return absl::InvalidArgumentError(absl::StrCat("line ", LineOf(c), ": malformed XML: text outside <cib>"));
  }
  if (auto st = DuplicateAttribute(root); !st.ok()) return st;
  if (auto st = Index(root); !st.ok()) return st;
  Cib cib;
  auto admin = VersionField(root, "admin_epoch");
  auto epoch = VersionField(root, "epoch");
  auto num = VersionField(root, "num_updates");
  for (auto* s : {&admin, &epoch, &num}) {
    if (!s->ok()) return absl::InvalidArgumentError(absl::StrCat(Where(root), ": ", s->status().message()));
  }
  cib.version = {*admin, *epoch, *num};
  cib.attrs = Attrs(root);
  for (const char* k : {"admin_epoch", "epoch", "num_updates"}) cib.attrs.erase(k);
  bool have_config = false;
  for (auto c : root.children()) {
    if (!IsElement(c)) continue;
    std::string ct = c.name();
    if (ct == "configuration") {
      have_config = true;
      if (auto s = ParseConfiguration(c, &cib.configuration); !s.ok()) return s;
    } else if (ct == "status") {
      if (auto s = ParseStatus(c, &cib); !s.ok()) return s;
    } else {
      return Unknown(root, c);
    }
  }
  if (!have_config) return absl::InvalidArgumentError(absl::StrCat(Where(root), ": no <configuration> element"));
  return cib;
}

// ---- validation -----------------------------------------------------------

// Error messages quote names and values from the input, which may hold line
// breaks or other control characters (an id of "a&#10;b"). Errors are one line
// (the CLI prints them as such), so those characters are shown escaped.
absl::Status OneLine(const absl::Status& st) {
  if (st.ok()) return st;
  std::string msg;
  for (char ch : st.message()) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      msg += ch == '\n' ? std::string("\\n") : ch == '\r' ? std::string("\\r") : ch == '\t' ? std::string("\\t")
             : std::string{'\\', 'x', kHex[u >> 4], kHex[u & 15]};
    } else {
      msg += ch;
    }
  }
  return absl::Status(st.code(), msg);
}

void CollectResourceIds(const std::vector<Resource>& rs, std::set<std::string>* out) {
  for (const auto& r : rs) {
    out->insert(r.id);
    CollectResourceIds(r.children, out);
  }
}

// "line 12: " where the part came from XML, else "".
std::string At(const SourceLine& where) {
  return where.line > 0 ? absl::StrCat("line ", where.line, ": ") : std::string();
}

// The first primitive (at any depth) whose template does not exist.
const Resource* MissingTemplate(const std::vector<Resource>& rs, const std::set<std::string>& ids) {
  for (const auto& r : rs) {
    if (r.kind == Resource::Kind::kPrimitive && !r.template_id.empty() && !ids.count(r.template_id)) return &r;
    if (const Resource* m = MissingTemplate(r.children, ids)) return m;
  }
  return nullptr;
}

absl::Status ValidateImpl(const Cib& cib) {
  const Configuration& c = cib.configuration;
  std::set<std::string> rsc_ids;
  CollectResourceIds(c.resources, &rsc_ids);
  std::set<std::string> tag_ids;
  for (const auto& t : c.tags) tag_ids.insert(t.id);
  auto known = [&](const std::string& id) { return rsc_ids.count(id) || tag_ids.count(id); };
  for (const auto& con : c.constraints) {
    const char* tag = ConstraintTag(con.kind);
    for (const char* key : {"rsc", "with-rsc", "first", "then"}) {
      auto it = con.attrs.find(key);
      if (it != con.attrs.end() && !known(it->second)) {
        return absl::InvalidArgumentError(absl::StrCat(At(con.source), "<", tag, " id='", con.id, "'>: ", key, "='",
                                                       it->second, "' names no resource"));
      }
    }
    for (const auto& s : con.sets) {
      for (const auto& id : s.resources) {
        if (!known(id)) {
          return absl::InvalidArgumentError(absl::StrCat(At(con.source), "<", tag, " id='", con.id, "'> set '", s.id,
                                                         "': resource_ref '", id, "' names no resource"));
        }
      }
    }
  }
  if (const Resource* r = MissingTemplate(c.resources, rsc_ids)) {
    return absl::InvalidArgumentError(absl::StrCat(At(r->source), "<primitive id='", r->id, "'>: template '",
                                                   r->template_id, "' does not exist"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Cib> ParseCibXml(std::string_view xml) {
  pugi::xml_document doc;
  // Always UTF-8 (a CIB is): pugixml would otherwise guess UTF-16/32 from the
  // first bytes and re-encode, and its offsets would no longer be into `xml`.
  pugi::xml_parse_result res = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!res) {
    int line = 1;
    for (ptrdiff_t i = 0; i < res.offset && i < static_cast<ptrdiff_t>(xml.size()); ++i) {
      if (xml[i] == '\n') ++line;
    }
    std::string what = res.description();
    if (res.status == pugi::status_end_element_mismatch) {
      // Name the closing tag that does not match (pugixml points at its name).
      size_t at = static_cast<size_t>(std::max<ptrdiff_t>(res.offset, 0));
      size_t end = std::min(xml.find_first_of(" \t\r\n>", at), std::min(xml.size(), at + 80));
      std::string_view name = at < end ? xml.substr(at, end - at) : std::string_view();
      what += !name.empty() ? absl::StrCat(" at </", std::string(name), ">") : std::string(": an element is not closed");
    }
    return OneLine(absl::InvalidArgumentError(absl::StrCat("line ", line, ": malformed XML: ", what)));
  }
  Importer imp(xml);
  auto cib = imp.Run(doc);
  if (!cib.ok()) return OneLine(cib.status());
  return cib;
}

absl::StatusOr<Cib> ReadCibFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::stringstream buf;
  errno = 0;
  buf << in.rdbuf();
  if (errno != 0 && buf.str().empty()) {  // a directory opens, but does not read
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  auto cib = ParseCibXml(buf.str());
  if (!cib.ok()) return absl::Status(cib.status().code(), absl::StrCat(path, ": ", cib.status().message()));
  return cib;
}

absl::Status Validate(const Cib& cib) { return OneLine(ValidateImpl(cib)); }

}  // namespace baton::cib
