// baton::cib::Cib -> Pacemaker CIB XML (reading: cib_xml.cc).
#include "lib/cib/cib_xml.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lib/cib/cib_xml_internal.h"
#include "pugixml.hpp"

namespace baton::cib {

namespace internal {

std::string EscapeCr(std::string xml) {
  for (size_t i = xml.find('\r'); i != std::string::npos; i = xml.find('\r', i)) xml.replace(i, 1, "&#13;");
  return xml;
}

const char* ConstraintTag(Constraint::Kind k) {
  switch (k) {
    case Constraint::Kind::kLocation: return "rsc_location";
    case Constraint::Kind::kColocation: return "rsc_colocation";
    case Constraint::Kind::kOrder: return "rsc_order";
    case Constraint::Kind::kTicket: return "rsc_ticket";
  }
  return "rsc_location";
}

}  // namespace internal

namespace {

using internal::ConstraintTag;
using internal::EscapeCr;

void SetAttrs(pugi::xml_node n, const std::map<std::string, std::string>& attrs) {
  for (const auto& [k, v] : attrs) n.append_attribute(k.c_str()) = v.c_str();
}

void AppendRaw(pugi::xml_node parent, const std::string& xml) {
  pugi::xml_document frag;
  if (frag.load_string(xml.c_str())) {
    for (auto c : frag.children()) parent.append_copy(c);
  }
}

void WriteRule(pugi::xml_node parent, const Rule& r) {
  auto n = parent.append_child("rule");
  n.append_attribute("id") = r.id.c_str();
  if (r.score) n.append_attribute("score") = r.score->c_str();
  if (r.score_attribute) n.append_attribute("score-attribute") = r.score_attribute->c_str();
  if (r.boolean_op != "and") n.append_attribute("boolean-op") = r.boolean_op.c_str();
  if (r.role) n.append_attribute("role") = r.role->c_str();
  for (const auto& e : r.expressions) {
    const char* tag = "expression";
    if (e.kind == Expression::Kind::kDate) tag = "date_expression";
    if (e.kind == Expression::Kind::kResource) tag = "rsc_expression";
    if (e.kind == Expression::Kind::kOperation) tag = "op_expression";
    auto x = n.append_child(tag);
    x.append_attribute("id") = e.id.c_str();
    SetAttrs(x, e.attrs);
    if (!e.date_spec.empty()) SetAttrs(x.append_child("date_spec"), e.date_spec);
    if (!e.duration.empty()) SetAttrs(x.append_child("duration"), e.duration);
  }
  for (const auto& sub : r.rules) WriteRule(n, sub);
}

void WriteNvSet(pugi::xml_node parent, const char* tag, const NvSet& s) {
  auto n = parent.append_child(tag);
  n.append_attribute("id") = s.id.c_str();
  if (s.score) n.append_attribute("score") = s.score->c_str();
  for (const auto& r : s.rules) WriteRule(n, r);
  for (const auto& p : s.pairs) {
    auto x = n.append_child("nvpair");
    x.append_attribute("id") = p.id.c_str();
    x.append_attribute("name") = p.name.c_str();
    if (p.value) x.append_attribute("value") = p.value->c_str();
  }
}

void WriteNvSets(pugi::xml_node parent, const char* tag, const std::vector<NvSet>& sets) {
  for (const auto& s : sets) WriteNvSet(parent, tag, s);
}

void WriteResource(pugi::xml_node parent, const Resource& r) {
  if (r.kind == Resource::Kind::kBundle) {
    AppendRaw(parent, r.raw_xml);
    return;
  }
  const char* tag = "primitive";
  if (r.kind == Resource::Kind::kTemplate) tag = "template";
  if (r.kind == Resource::Kind::kGroup) tag = "group";
  if (r.kind == Resource::Kind::kClone) tag = r.master_element ? "master" : "clone";
  auto n = parent.append_child(tag);
  n.append_attribute("id") = r.id.c_str();
  if (!r.cls.empty()) n.append_attribute("class") = r.cls.c_str();
  if (!r.provider.empty()) n.append_attribute("provider") = r.provider.c_str();
  if (!r.type.empty()) n.append_attribute("type") = r.type.c_str();
  if (!r.template_id.empty()) n.append_attribute("template") = r.template_id.c_str();
  if (!r.description.empty()) n.append_attribute("description") = r.description.c_str();
  WriteNvSets(n, "meta_attributes", r.meta);
  WriteNvSets(n, "instance_attributes", r.instance);
  WriteNvSets(n, "utilization", r.utilization);
  if (!r.ops.empty()) {
    auto ops = n.append_child("operations");
    for (const auto& op : r.ops) {
      auto o = ops.append_child("op");
      o.append_attribute("id") = op.id.c_str();
      o.append_attribute("name") = op.name.c_str();
      o.append_attribute("interval") = op.interval.c_str();
      SetAttrs(o, op.attrs);
      WriteNvSets(o, "meta_attributes", op.meta);
      WriteNvSets(o, "instance_attributes", op.instance);
    }
  }
  for (const auto& c : r.children) WriteResource(n, c);
}


void WriteConfiguration(pugi::xml_node root, const Configuration& c) {
  auto conf = root.append_child("configuration");
  auto crm = conf.append_child("crm_config");
  WriteNvSets(crm, "cluster_property_set", c.crm_config);
  auto nodes = conf.append_child("nodes");
  for (const auto& node : c.nodes) {
    auto n = nodes.append_child("node");
    n.append_attribute("id") = node.id.c_str();
    n.append_attribute("uname") = node.uname.c_str();
    if (!node.type.empty()) n.append_attribute("type") = node.type.c_str();
    if (!node.description.empty()) n.append_attribute("description") = node.description.c_str();
    if (node.score) n.append_attribute("score") = node.score->c_str();
    WriteNvSets(n, "instance_attributes", node.attributes);
    WriteNvSets(n, "utilization", node.utilization);
  }
  auto rscs = conf.append_child("resources");
  for (const auto& r : c.resources) WriteResource(rscs, r);
  auto cons = conf.append_child("constraints");
  for (const auto& con : c.constraints) {
    auto n = cons.append_child(ConstraintTag(con.kind));
    n.append_attribute("id") = con.id.c_str();
    SetAttrs(n, con.attrs);
    for (const auto& r : con.rules) WriteRule(n, r);
    for (const auto& s : con.sets) {
      auto x = n.append_child("resource_set");
      x.append_attribute("id") = s.id.c_str();
      SetAttrs(x, s.attrs);
      for (const auto& id : s.resources) x.append_child("resource_ref").append_attribute("id") = id.c_str();
    }
  }
  if (!c.rsc_defaults.empty()) WriteNvSets(conf.append_child("rsc_defaults"), "meta_attributes", c.rsc_defaults);
  if (!c.op_defaults.empty()) WriteNvSets(conf.append_child("op_defaults"), "meta_attributes", c.op_defaults);
  if (!c.fencing_topology.empty()) {
    auto ft = conf.append_child("fencing-topology");
    for (const auto& l : c.fencing_topology) {
      auto n = ft.append_child("fencing-level");
      n.append_attribute("id") = l.id.c_str();
      SetAttrs(n, l.attrs);
    }
  }
  if (!c.tags.empty()) {
    auto tags = conf.append_child("tags");
    for (const auto& t : c.tags) {
      auto n = tags.append_child("tag");
      n.append_attribute("id") = t.id.c_str();
      for (const auto& ref : t.refs) n.append_child("obj_ref").append_attribute("id") = ref.c_str();
    }
  }
  for (const auto& raw : c.raw_sections) AppendRaw(conf, raw);
}

void WriteStatus(pugi::xml_node root, const Cib& cib) {
  auto status = root.append_child("status");
  for (const auto& ns : cib.status) {
    auto n = status.append_child("node_state");
    n.append_attribute("id") = ns.id.c_str();
    SetAttrs(n, ns.attrs);
    if (!ns.transient.empty()) {
      auto t = n.append_child("transient_attributes");
      t.append_attribute("id") = ns.id.c_str();
      WriteNvSets(t, "instance_attributes", ns.transient);
    }
    if (ns.has_lrm) {
      auto lrm = n.append_child("lrm");
      lrm.append_attribute("id") = ns.id.c_str();
      auto lrs = lrm.append_child("lrm_resources");
      for (const auto& h : ns.resources) {
        auto lr = lrs.append_child("lrm_resource");
        lr.append_attribute("id") = h.id.c_str();
        SetAttrs(lr, h.attrs);
        for (const auto& op : h.ops) {
          auto o = lr.append_child("lrm_rsc_op");
          o.append_attribute("id") = op.id.c_str();
          SetAttrs(o, op.attrs);
        }
      }
    }
    for (const auto& raw : ns.raw_children) AppendRaw(n, raw);
  }
  if (!cib.tickets.empty()) {
    auto t = status.append_child("tickets");
    for (const auto& tk : cib.tickets) {
      auto n = t.append_child("ticket_state");
      n.append_attribute("id") = tk.id.c_str();
      SetAttrs(n, tk.attrs);
    }
  }
}

}  // namespace

std::string WriteCibXml(const Cib& cib) {
  pugi::xml_document doc;
  auto root = doc.append_child("cib");
  root.append_attribute("admin_epoch") = std::to_string(cib.version.admin_epoch).c_str();
  root.append_attribute("epoch") = std::to_string(cib.version.epoch).c_str();
  root.append_attribute("num_updates") = std::to_string(cib.version.num_updates).c_str();
  SetAttrs(root, cib.attrs);
  WriteConfiguration(root, cib.configuration);
  WriteStatus(root, cib);
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration);
  return EscapeCr(out.str());
}

}  // namespace baton::cib
