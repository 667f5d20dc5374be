// Tests of the crm configure library: commands against the CIB XML that
// crmsh 4.4.1 writes (../shared/reference/crmsh.md section 2.1, the "(v)"
// effects), `show` against section 2.2, and refusals that leave the CIB as it
// was.
#include "cli/configure.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/cib/cib_xml.h"
#include "pugixml.hpp"

namespace baton::cli {
namespace {

using cib::Cib;

// Applies a command given as one line (split as crm's shell does).
absl::Status Apply(Cib* cib, const std::string& line) {
  auto words = SplitConfigureLine(line);
  if (!words.ok()) return words.status();
  return ApplyConfigure(*words, cib);
}

void MustRun(Cib* cib, const std::string& line) {
  absl::Status st = Apply(cib, line);
  ASSERT_TRUE(st.ok()) << line << ": " << st;
}

// The CIB written out as Pacemaker XML, for XPath checks.
class Xml {
 public:
  explicit Xml(const Cib& cib) : text_(cib::WriteCibXml(cib)) { doc_.load_string(text_.c_str()); }
  // The single element the XPath names ("" when none).
  pugi::xml_node One(const std::string& xpath) const {
    auto nodes = doc_.select_nodes(xpath.c_str());
    EXPECT_EQ(nodes.size(), 1u) << xpath << "\n" << text_;
    return nodes.empty() ? pugi::xml_node() : nodes.first().node();
  }
  size_t Count(const std::string& xpath) const { return doc_.select_nodes(xpath.c_str()).size(); }
  std::string Attr(const std::string& xpath, const char* name) const { return One(xpath).attribute(name).value(); }
  bool Has(const std::string& xpath, const char* name) const { return One(xpath).attribute(name); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  pugi::xml_document doc_;
};

// A command that must be refused with `code`, leaving the CIB unchanged.
void ExpectRefused(Cib* cib, const std::string& line, absl::StatusCode code, const std::string& names = "") {
  Cib before = *cib;
  absl::Status st = Apply(cib, line);
  EXPECT_EQ(st.code(), code) << line << ": " << st;
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << st;
  if (!names.empty()) {
    EXPECT_NE(st.message().find(names), std::string::npos) << line << ": " << st;
  }
  EXPECT_TRUE(*cib == before) << line;
  EXPECT_EQ(cib::WriteCibXml(*cib), cib::WriteCibXml(before)) << line;
}

Cib WithNodes(std::initializer_list<const char*> names) {
  Cib cib;
  for (const char* n : names) {
    EXPECT_TRUE(Apply(&cib, absl::StrCat("node ", n)).ok());
  }
  return cib;
}

// ---- SplitConfigureLine ----------------------------------------------------------

TEST(SplitConfigureLine, QuotesEscapesContinuationAndComments) {
  auto w = SplitConfigureLine("primitive d1 Dummy \\\n\tparams a=\"x y\" b='p q' c=\\\"z \"\" d=\"\\\"q\\\\\"");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(*w, (std::vector<std::string>{"primitive", "d1", "Dummy", "params", "a=x y", "b=p q", "c=\"z", "",
                                          "d=\"q\\"}));
  auto c = SplitConfigureLine("# a comment line");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
  // '#' inside a command is a word (#uname), as crmsh reads rules.
  auto r = SplitConfigureLine("location l8 m1 rule 20: #uname eq n2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[5], "#uname");
  EXPECT_EQ(SplitConfigureLine("params a=\"open").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitConfigureLine("params a='open").status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- primitive -----------------------------------------------------------------

TEST(Primitive, ReferenceExampleIdsAndAttributes) {
  Cib cib;
  MustRun(&cib, "primitive vip ocf:heartbeat:IPaddr2 params ip=192.0.2.10 cidr_netmask=24 "
                "op monitor interval=10s timeout=20s");
  Xml x(cib);
  auto p = x.One("//resources/primitive[@id='vip']");
  EXPECT_STREQ(p.attribute("class").value(), "ocf");
  EXPECT_STREQ(p.attribute("provider").value(), "heartbeat");
  EXPECT_STREQ(p.attribute("type").value(), "IPaddr2");
  EXPECT_EQ(x.Attr("//primitive[@id='vip']/instance_attributes[@id='vip-instance_attributes']"
                   "/nvpair[@id='vip-instance_attributes-ip']", "value"), "192.0.2.10");
  EXPECT_EQ(x.Attr("//nvpair[@id='vip-instance_attributes-cidr_netmask']", "name"), "cidr_netmask");
  auto op = x.One("//primitive[@id='vip']/operations/op[@id='vip-monitor-10s']");
  EXPECT_STREQ(op.attribute("name").value(), "monitor");
  EXPECT_STREQ(op.attribute("interval").value(), "10s");
  EXPECT_STREQ(op.attribute("timeout").value(), "20s");
}

TEST(Primitive, MetaUtilizationAndDescription) {
  Cib cib;
  MustRun(&cib, "primitive d1 ocf:pacemaker:Dummy description=\"a test\" params state=/run/d1 "
                "meta target-role=Stopped is-managed=false utilization cpu=2");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//primitive[@id='d1']", "description"), "a test");
  EXPECT_EQ(x.Attr("//primitive[@id='d1']/meta_attributes[@id='d1-meta_attributes']"
                   "/nvpair[@id='d1-meta_attributes-target-role']", "value"), "Stopped");
  EXPECT_EQ(x.Attr("//nvpair[@id='d1-meta_attributes-is-managed']", "value"), "false");
  EXPECT_EQ(x.Attr("//primitive[@id='d1']/utilization[@id='d1-utilization']/nvpair[@id='d1-utilization-cpu']",
                   "value"), "2");
  // params may be left out: NAME=VALUE right after the agent are params.
  MustRun(&cib, "primitive d2 Dummy state=/run/d2");
  EXPECT_EQ(Xml(cib).Attr("//nvpair[@id='d2-instance_attributes-state']", "value"), "/run/d2");
}

TEST(Primitive, OpWithoutIntervalGetsZeroAndExtraAttributesBecomeOpParams) {
  Cib cib;
  MustRun(&cib, "primitive d1 ocf:pacemaker:Dummy op monitor interval=10s timeout=20s OCF_CHECK_LEVEL=10 "
                "op start timeout=30s op stop timeout=40s on-fail=block op_meta record-pending=true");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//op[@id='d1-start-0']", "interval"), "0");
  EXPECT_EQ(x.Attr("//op[@id='d1-start-0']", "timeout"), "30s");
  EXPECT_EQ(x.Attr("//op[@id='d1-monitor-10s']/instance_attributes[@id='d1-monitor-10s-instance_attributes']"
                   "/nvpair[@id='d1-monitor-10s-instance_attributes-OCF_CHECK_LEVEL']", "value"), "10");
  EXPECT_FALSE(x.Has("//op[@id='d1-monitor-10s']", "OCF_CHECK_LEVEL"));
  EXPECT_EQ(x.Attr("//op[@id='d1-stop-0']", "on-fail"), "block");
  EXPECT_EQ(x.Attr("//op[@id='d1-stop-0']/meta_attributes/nvpair[@name='record-pending']", "value"), "true");
  // Schema attributes must come before the instance ones.
  ExpectRefused(&cib, "primitive d2 Dummy op monitor OCF_CHECK_LEVEL=10 interval=10s",
                absl::StatusCode::kInvalidArgument, "interval=10s");
}

TEST(Primitive, AgentSpecs) {
  Cib cib;
  MustRun(&cib, "primitive d1 Dummy");            // one part: ocf, heartbeat has it
  MustRun(&cib, "primitive s1 Stateful");         // ships with Pacemaker only
  MustRun(&cib, "primitive f1 stonith:fence_ipmilan params ip=198.18.0.1");
  MustRun(&cib, "primitive web systemd:nginx");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//primitive[@id='d1']", "provider"), "heartbeat");
  EXPECT_EQ(x.Attr("//primitive[@id='d1']", "class"), "ocf");
  EXPECT_EQ(x.Attr("//primitive[@id='s1']", "provider"), "pacemaker");
  EXPECT_EQ(x.Attr("//primitive[@id='f1']", "class"), "stonith");
  EXPECT_EQ(x.Attr("//primitive[@id='f1']", "type"), "fence_ipmilan");
  EXPECT_FALSE(x.Has("//primitive[@id='f1']", "provider"));
  EXPECT_EQ(x.Attr("//primitive[@id='web']", "class"), "systemd");
  for (const char* bad : {"ocf:Dummy", "ocf::Dummy", "bogus:x", "lsb:x:y", "ocf:a:b:c", ":Dummy"}) {
    ExpectRefused(&cib, absl::StrCat("primitive d9 ", bad), absl::StatusCode::kInvalidArgument, bad);
  }
}

TEST(Primitive, Refusals) {
  Cib cib;
  MustRun(&cib, "primitive d1 Dummy");
  ExpectRefused(&cib, "primitive d1 Dummy", absl::StatusCode::kAlreadyExists, "d1");
  ExpectRefused(&cib, "primitive 1d Dummy", absl::StatusCode::kInvalidArgument, "1d");
  ExpectRefused(&cib, "primitive d2", absl::StatusCode::kInvalidArgument, "d2");
  ExpectRefused(&cib, "primitive d2 Dummy params ip", absl::StatusCode::kInvalidArgument, "ip");
  ExpectRefused(&cib, "primitive d2 Dummy meta", absl::StatusCode::kInvalidArgument, "meta");
  ExpectRefused(&cib, "primitive d2 Dummy params a=1 a=2", absl::StatusCode::kInvalidArgument, "a=2");
  ExpectRefused(&cib, "primitive d2 Dummy op monitor interval=10x", absl::StatusCode::kInvalidArgument,
                "interval=10x");
  ExpectRefused(&cib, "primitive d2 Dummy op monitor interval=10s role=Boss", absl::StatusCode::kInvalidArgument,
                "role=Boss");
  ExpectRefused(&cib, "primitive d2 Dummy bogus", absl::StatusCode::kInvalidArgument, "bogus");
  // A generated id may not collide with an object's id either.
  MustRun(&cib, "primitive x Dummy params a=1");
  ExpectRefused(&cib, "primitive x-instance_attributes Dummy", absl::StatusCode::kAlreadyExists);
}

TEST(Primitive, TemplateReference) {
  Cib cib;
  MustRun(&cib, "rsc_template tpl ocf:heartbeat:Dummy op monitor interval=10s");
  MustRun(&cib, "primitive d1 @tpl params state=/run/d1");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//template[@id='tpl']", "type"), "Dummy");
  EXPECT_EQ(x.Attr("//primitive[@id='d1']", "template"), "tpl");
  EXPECT_FALSE(x.Has("//primitive[@id='d1']", "class"));
  ExpectRefused(&cib, "primitive d2 @nope", absl::StatusCode::kNotFound, "@nope");
  ExpectRefused(&cib, "delete tpl", absl::StatusCode::kInvalidArgument, "tpl");
  EXPECT_EQ(*ShowConfigure(cib, {"d1"}), "primitive d1 @tpl \\\n\tparams state=/run/d1\n");
}

TEST(Monitor, AddsMonitorOp) {
  Cib cib;
  MustRun(&cib, "primitive vip Dummy");
  MustRun(&cib, "monitor vip 30s:20s");
  MustRun(&cib, "monitor vip:Promoted 11s");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//op[@id='vip-monitor-30s']", "timeout"), "20s");
  EXPECT_EQ(x.Attr("//op[@id='vip-monitor-11s']", "role"), "Promoted");
  ExpectRefused(&cib, "monitor vip 30s", absl::StatusCode::kAlreadyExists);
  ExpectRefused(&cib, "monitor nope 30s", absl::StatusCode::kNotFound, "nope");
}

// ---- group, clone, ms -----------------------------------------------------------

TEST(Group, MovesMembersInOrderAndRewritesConstraints) {
  Cib cib;
  MustRun(&cib, "primitive vip Dummy");
  MustRun(&cib, "primitive web Dummy");
  MustRun(&cib, "primitive c Dummy");
  MustRun(&cib, "order o9 Mandatory: c web");
  MustRun(&cib, "group g-web web vip meta target-role=Started");
  Xml x(cib);
  auto g = x.One("/cib/configuration/resources/group[@id='g-web']");
  EXPECT_STREQ(g.child("primitive").attribute("id").value(), "web");
  EXPECT_STREQ(g.child("primitive").next_sibling("primitive").attribute("id").value(), "vip");
  EXPECT_EQ(x.Count("/cib/configuration/resources/primitive"), 1u);  // only c left at the top
  EXPECT_EQ(x.Attr("//group[@id='g-web']/meta_attributes[@id='g-web-meta_attributes']"
                   "/nvpair[@id='g-web-meta_attributes-target-role']", "value"), "Started");
  // crmsh: "INFO: modified order:o9 from b to gg"
  EXPECT_EQ(x.Attr("//rsc_order[@id='o9']", "then"), "g-web");
  ExpectRefused(&cib, "group g2 vip", absl::StatusCode::kInvalidArgument, "g-web");   // already grouped
  ExpectRefused(&cib, "group g2 nope", absl::StatusCode::kNotFound, "nope");
  ExpectRefused(&cib, "group g2 c c", absl::StatusCode::kInvalidArgument, "c");
  ExpectRefused(&cib, "group g2", absl::StatusCode::kInvalidArgument, "g2");
  ExpectRefused(&cib, "group g2 g-web", absl::StatusCode::kInvalidArgument, "g-web");  // groups do not nest
}

TEST(Clone, PlainAndPromotable) {
  Cib cib;
  MustRun(&cib, "primitive ping ocf:pacemaker:ping");
  MustRun(&cib, "primitive state Stateful");
  MustRun(&cib, "clone cl-ping ping meta interleave=true");
  MustRun(&cib, "clone ms-state state meta promotable=true promoted-max=1 notify=true");
  Xml x(cib);
  EXPECT_EQ(x.Attr("/cib/configuration/resources/clone[@id='cl-ping']/primitive", "id"), "ping");
  EXPECT_EQ(x.Attr("//clone[@id='cl-ping']/meta_attributes[@id='cl-ping-meta_attributes']"
                   "/nvpair[@id='cl-ping-meta_attributes-interleave']", "value"), "true");
  EXPECT_EQ(x.Attr("//nvpair[@id='ms-state-meta_attributes-promotable']", "value"), "true");
  EXPECT_EQ(x.Attr("//nvpair[@id='ms-state-meta_attributes-promoted-max']", "value"), "1");
  ExpectRefused(&cib, "clone c2 ping", absl::StatusCode::kInvalidArgument, "cl-ping");
  ExpectRefused(&cib, "clone c2 cl-ping", absl::StatusCode::kInvalidArgument, "cl-ping");
}

TEST(Clone, MsIsAPromotableCloneWithPromotedNames) {
  Cib cib;
  MustRun(&cib, "primitive s1 Stateful");
  MustRun(&cib, "ms m1 s1 meta master-max=1 master-node-max=1 notify=true");
  Xml x(cib);
  // baton stores <clone> + promotable=true, not crmsh's <master> (crmsh.md 2.1).
  EXPECT_EQ(x.Count("//master"), 0u);
  EXPECT_EQ(x.Attr("//clone[@id='m1']/meta_attributes/nvpair[@name='promotable']", "value"), "true");
  EXPECT_EQ(x.Attr("//clone[@id='m1']/meta_attributes/nvpair[@name='promoted-max']", "value"), "1");
  EXPECT_EQ(x.Attr("//clone[@id='m1']/meta_attributes/nvpair[@name='promoted-max']", "id"),
            "m1-meta_attributes-promoted-max");
  EXPECT_EQ(x.Attr("//clone[@id='m1']/meta_attributes/nvpair[@name='promoted-node-max']", "value"), "1");
  EXPECT_EQ(x.Count("//nvpair[@name='master-max']"), 0u);
  MustRun(&cib, "primitive s2 Stateful");
  MustRun(&cib, "master m2 s2");
  EXPECT_EQ(Xml(cib).Attr("//clone[@id='m2']/meta_attributes/nvpair[@name='promotable']", "value"), "true");
  MustRun(&cib, "primitive s3 Stateful");
  ExpectRefused(&cib, "ms m3 s3 meta promotable=false", absl::StatusCode::kInvalidArgument, "promotable=false");
}

// ---- location -------------------------------------------------------------------

Cib LocationBase() {
  Cib cib = WithNodes({"n1", "n2", "n3"});
  for (const char* r : {"d1", "d3", "d4"}) EXPECT_TRUE(Apply(&cib, absl::StrCat("primitive ", r, " Dummy")).ok());
  EXPECT_TRUE(Apply(&cib, "primitive s2 Stateful").ok());
  EXPECT_TRUE(Apply(&cib, "ms m2 s2").ok());
  EXPECT_TRUE(Apply(&cib, "group g1 d4").ok());
  return cib;
}

TEST(Location, ScoreForms) {
  Cib cib = LocationBase();
  MustRun(&cib, "location loc-web g1 100: n1");
  MustRun(&cib, "location l5 m2 role=Promoted 50: n1");
  MustRun(&cib, "location l4 d3 resource-discovery=never -inf: n3");
  MustRun(&cib, "location l7 /^d[0-9]$/ -inf: n3");
  MustRun(&cib, "location l6 { d1 d3 } 10: n2");
  MustRun(&cib, "location la d1 mandatory: n1");
  MustRun(&cib, "location lb d1 advisory: n2");
  MustRun(&cib, "location lc d1 +inf: n3");
  Xml x(cib);
  auto l = x.One("//rsc_location[@id='loc-web']");
  EXPECT_STREQ(l.attribute("rsc").value(), "g1");
  EXPECT_STREQ(l.attribute("score").value(), "100");
  EXPECT_STREQ(l.attribute("node").value(), "n1");
  EXPECT_EQ(x.Attr("//rsc_location[@id='l5']", "role"), "Promoted");
  EXPECT_EQ(x.Attr("//rsc_location[@id='l4']", "resource-discovery"), "never");
  EXPECT_EQ(x.Attr("//rsc_location[@id='l4']", "score"), "-INFINITY");
  EXPECT_EQ(x.Attr("//rsc_location[@id='l7']", "rsc-pattern"), "^d[0-9]$");
  EXPECT_EQ(x.Count("//rsc_location[@id='l6']/resource_set/resource_ref"), 2u);
  EXPECT_FALSE(x.Has("//rsc_location[@id='l6']", "rsc"));
  EXPECT_EQ(x.Attr("//rsc_location[@id='la']", "score"), "INFINITY");
  EXPECT_EQ(x.Attr("//rsc_location[@id='lb']", "score"), "0");
  EXPECT_EQ(x.Attr("//rsc_location[@id='lc']", "score"), "INFINITY");
}

TEST(Location, Rules) {
  Cib cib = LocationBase();
  MustRun(&cib, "location l3 g1 rule -inf: not_defined pingd or pingd number:lte 0");
  MustRun(&cib, "location l8 m2 rule $role=Promoted 20: #uname eq n2");
  MustRun(&cib, "location l9 d1 rule 10: date in start=2026-01-01 end=2026-12-31");
  MustRun(&cib, "location l10 d3 rule defined pingd rule pingd: defined pingd");
  Xml x(cib);
  auto r = x.One("//rsc_location[@id='l3']/rule[@id='l3-rule']");
  EXPECT_STREQ(r.attribute("score").value(), "-INFINITY");
  EXPECT_STREQ(r.attribute("boolean-op").value(), "or");
  auto e0 = x.One("//rule[@id='l3-rule']/expression[@id='l3-rule-expression']");
  EXPECT_STREQ(e0.attribute("operation").value(), "not_defined");
  EXPECT_STREQ(e0.attribute("attribute").value(), "pingd");
  auto e1 = x.One("//rule[@id='l3-rule']/expression[@id='l3-rule-expression-0']");
  EXPECT_STREQ(e1.attribute("operation").value(), "lte");
  EXPECT_STREQ(e1.attribute("type").value(), "number");
  EXPECT_STREQ(e1.attribute("value").value(), "0");
  auto r8 = x.One("//rsc_location[@id='l8']/rule");
  EXPECT_STREQ(r8.attribute("role").value(), "Promoted");
  EXPECT_STREQ(r8.attribute("score").value(), "20");
  EXPECT_EQ(x.Attr("//rsc_location[@id='l8']/rule/expression", "attribute"), "#uname");
  EXPECT_EQ(x.Attr("//rsc_location[@id='l8']/rule/expression", "value"), "n2");
  auto d = x.One("//rsc_location[@id='l9']/rule/date_expression");
  EXPECT_STREQ(d.attribute("operation").value(), "in_range");
  EXPECT_STREQ(d.attribute("start").value(), "2026-01-01");
  EXPECT_STREQ(d.attribute("end").value(), "2026-12-31");
  // A rule without a score gets INFINITY; a word score is a score-attribute;
  // each rule is its own element.
  EXPECT_EQ(x.Count("//rsc_location[@id='l10']/rule"), 2u);
  EXPECT_EQ(x.Attr("//rule[@id='l10-rule']", "score"), "INFINITY");
  EXPECT_EQ(x.Attr("//rule[@id='l10-rule-0']", "score-attribute"), "pingd");
  EXPECT_FALSE(x.Has("//rule[@id='l10-rule-0']", "score"));
}

TEST(Location, DateComparisons) {
  Cib cib = LocationBase();
  MustRun(&cib, "location l1 d1 rule -inf: date gt 2026-06-01 rule 5: date lt 2026-01-01");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//rule[@id='l1-rule']/date_expression", "operation"), "gt");
  EXPECT_EQ(x.Attr("//rule[@id='l1-rule']/date_expression", "start"), "2026-06-01");
  EXPECT_EQ(x.Attr("//rule[@id='l1-rule-0']/date_expression", "operation"), "lt");
  EXPECT_EQ(x.Attr("//rule[@id='l1-rule-0']/date_expression", "end"), "2026-01-01");
  EXPECT_EQ(*ShowConfigure(cib, {"l1"}), "location l1 d1 \\\n\trule -inf: date gt 2026-06-01 \\\n\trule 5: date lt 2026-01-01\n");
}

TEST(Location, Refusals) {
  Cib cib = LocationBase();
  ExpectRefused(&cib, "location l1 nope 100: n1", absl::StatusCode::kNotFound, "nope");
  ExpectRefused(&cib, "location l1 d1 100: n9", absl::StatusCode::kNotFound, "n9");
  ExpectRefused(&cib, "location l1 d1 lots: n1", absl::StatusCode::kInvalidArgument, "lots:");
  ExpectRefused(&cib, "location l1 d1 100 n1", absl::StatusCode::kInvalidArgument, "100");
  ExpectRefused(&cib, "location l1 d1 role=Boss 100: n1", absl::StatusCode::kInvalidArgument, "role=Boss");
  ExpectRefused(&cib, "location l1 d1 rule -inf: pingd like 0", absl::StatusCode::kInvalidArgument, "like");
  ExpectRefused(&cib, "location l1 d1 rule -inf: defined a and defined b or defined c",
                absl::StatusCode::kInvalidArgument, "or");
  ExpectRefused(&cib, "location l1 { d1 d3 10: n1", absl::StatusCode::kInvalidArgument, "10:");
  MustRun(&cib, "location l1 d1 100: n1");
  ExpectRefused(&cib, "location l1 d1 100: n2", absl::StatusCode::kAlreadyExists, "l1");
  ExpectRefused(&cib, "location d1 d3 100: n2", absl::StatusCode::kAlreadyExists, "d1");
}

// ---- colocation, order ----------------------------------------------------------

TEST(Colocation, SimpleAndSets) {
  Cib cib = LocationBase();
  MustRun(&cib, "colocation col-web inf: g1 m2:Promoted");
  MustRun(&cib, "colocation co3 inf: d1 ( d3 g1 )");
  MustRun(&cib, "colocation co4 -100: [ d1 d3 ] node-attribute=rack");
  MustRun(&cib, "collocation co5 advisory: d1 d3 g1");
  Xml x(cib);
  auto c = x.One("//rsc_colocation[@id='col-web']");
  EXPECT_STREQ(c.attribute("score").value(), "INFINITY");
  EXPECT_STREQ(c.attribute("rsc").value(), "g1");  // first named = dependent
  EXPECT_STREQ(c.attribute("with-rsc").value(), "m2");
  EXPECT_STREQ(c.attribute("with-rsc-role").value(), "Promoted");
  EXPECT_FALSE(c.attribute("rsc-role"));
  EXPECT_EQ(x.Attr("//rsc_colocation[@id='co3']/resource_set[@id='co3-0']/resource_ref", "id"), "d1");
  EXPECT_FALSE(x.Has("//resource_set[@id='co3-0']", "sequential"));
  EXPECT_EQ(x.Attr("//resource_set[@id='co3-1']", "sequential"), "false");
  EXPECT_EQ(x.Count("//resource_set[@id='co3-1']/resource_ref"), 2u);
  EXPECT_EQ(x.Attr("//resource_set[@id='co4-0']", "require-all"), "false");
  EXPECT_EQ(x.Attr("//resource_set[@id='co4-0']", "sequential"), "false");
  EXPECT_EQ(x.Attr("//rsc_colocation[@id='co4']", "node-attribute"), "rack");
  // 3+ plain resources make one set.
  EXPECT_EQ(x.Count("//rsc_colocation[@id='co5']/resource_set"), 1u);
  EXPECT_EQ(x.Count("//resource_set[@id='co5-0']/resource_ref"), 3u);
  EXPECT_EQ(x.Attr("//rsc_colocation[@id='co5']", "score"), "0");
  ExpectRefused(&cib, "colocation cx inf: d1 nope", absl::StatusCode::kNotFound, "nope");
  ExpectRefused(&cib, "colocation cx inf: d1", absl::StatusCode::kInvalidArgument, "cx");
  ExpectRefused(&cib, "colocation cx d1 d3", absl::StatusCode::kInvalidArgument, "d1");
  ExpectRefused(&cib, "colocation cx pingd: d1 d3", absl::StatusCode::kInvalidArgument, "pingd:");
  ExpectRefused(&cib, "colocation cx inf: d1 d3:Boss", absl::StatusCode::kInvalidArgument, "d3:Boss");
  ExpectRefused(&cib, "colocation cx inf: d1 ( d3 ( g1 ) )", absl::StatusCode::kInvalidArgument, "(");
  ExpectRefused(&cib, "colocation cx inf: d1 d3 foo=bar", absl::StatusCode::kInvalidArgument, "foo=bar");
}

TEST(Order, KindsScoresActionsAndSets) {
  Cib cib = LocationBase();
  MustRun(&cib, "order ord-web Mandatory: m2:promote g1:start");
  MustRun(&cib, "order o1 d1 d3");
  MustRun(&cib, "order o2 0: d1 d3");
  MustRun(&cib, "order o3 100: d1 d3 symmetrical=false");
  MustRun(&cib, "order o4 inf: d1 d3");
  MustRun(&cib, "order o5 serialize: d1 d3");
  MustRun(&cib, "order o6 Mandatory: d1 [ d3 g1 ] symmetrical=true");
  MustRun(&cib, "order o7 d1:start d3:start m2:promote");
  Xml x(cib);
  auto o = x.One("//rsc_order[@id='ord-web']");
  EXPECT_STREQ(o.attribute("kind").value(), "Mandatory");
  EXPECT_STREQ(o.attribute("first").value(), "m2");
  EXPECT_STREQ(o.attribute("first-action").value(), "promote");
  EXPECT_STREQ(o.attribute("then").value(), "g1");
  EXPECT_STREQ(o.attribute("then-action").value(), "start");
  EXPECT_FALSE(x.Has("//rsc_order[@id='o1']", "kind"));  // Pacemaker's default (Mandatory)
  EXPECT_EQ(x.Attr("//rsc_order[@id='o2']", "kind"), "Optional");
  EXPECT_EQ(x.Attr("//rsc_order[@id='o3']", "kind"), "Mandatory");
  EXPECT_EQ(x.Attr("//rsc_order[@id='o3']", "symmetrical"), "false");
  EXPECT_FALSE(x.Has("//rsc_order[@id='o3']", "score"));
  EXPECT_EQ(x.Attr("//rsc_order[@id='o4']", "kind"), "Mandatory");
  EXPECT_EQ(x.Attr("//rsc_order[@id='o5']", "kind"), "Serialize");
  EXPECT_EQ(x.Attr("//rsc_order[@id='o6']", "symmetrical"), "true");
  EXPECT_EQ(x.Attr("//resource_set[@id='o6-0']/resource_ref", "id"), "d1");
  EXPECT_EQ(x.Attr("//resource_set[@id='o6-1']", "require-all"), "false");
  EXPECT_EQ(x.Attr("//resource_set[@id='o6-1']", "sequential"), "false");
  // A change of action starts a new set.
  EXPECT_EQ(x.Attr("//resource_set[@id='o7-0']", "action"), "start");
  EXPECT_EQ(x.Count("//resource_set[@id='o7-0']/resource_ref"), 2u);
  EXPECT_EQ(x.Attr("//resource_set[@id='o7-1']", "action"), "promote");
  EXPECT_EQ(x.Attr("//resource_set[@id='o7-1']/resource_ref", "id"), "m2");
  ExpectRefused(&cib, "order ox advisory: d1 d3", absl::StatusCode::kInvalidArgument, "advisory:");
  ExpectRefused(&cib, "order ox d1:begin d3", absl::StatusCode::kInvalidArgument, "d1:begin");
  ExpectRefused(&cib, "order ox d1 d3 symmetrical=maybe", absl::StatusCode::kInvalidArgument, "symmetrical=maybe");
  ExpectRefused(&cib, "order ox d1 nope", absl::StatusCode::kNotFound, "nope");
}

TEST(Ticket, SingleResource) {
  Cib cib = LocationBase();
  MustRun(&cib, "rsc_ticket t1 ticketA: m2:Promoted loss-policy=demote");
  Xml x(cib);
  auto t = x.One("//rsc_ticket[@id='t1']");
  EXPECT_STREQ(t.attribute("ticket").value(), "ticketA");
  EXPECT_STREQ(t.attribute("rsc").value(), "m2");
  EXPECT_STREQ(t.attribute("rsc-role").value(), "Promoted");
  EXPECT_STREQ(t.attribute("loss-policy").value(), "demote");
  ExpectRefused(&cib, "rsc_ticket t2 ticketA: d1 loss-policy=explode", absl::StatusCode::kInvalidArgument);
}

// ---- property, defaults, node, fencing_topology ------------------------------

TEST(Property, DefaultSetNamedSetAndUpdateInPlace) {
  Cib cib;
  MustRun(&cib, "property stonith-enabled=true no-quorum-policy=stop");
  MustRun(&cib, "property other: x=y");
  MustRun(&cib, "property stonith-enabled=false");
  MustRun(&cib, "property $id=cib-bootstrap-options cluster-name=demo");
  Xml x(cib);
  EXPECT_EQ(x.Count("//crm_config/cluster_property_set"), 2u);
  EXPECT_EQ(x.Attr("//cluster_property_set[@id='cib-bootstrap-options']"
                   "/nvpair[@id='cib-bootstrap-options-stonith-enabled']", "value"), "false");
  EXPECT_EQ(x.Attr("//nvpair[@id='cib-bootstrap-options-no-quorum-policy']", "value"), "stop");
  EXPECT_EQ(x.Attr("//nvpair[@id='cib-bootstrap-options-cluster-name']", "value"), "demo");
  EXPECT_EQ(x.Attr("//cluster_property_set[@id='other']/nvpair[@id='other-x']", "value"), "y");
  ExpectRefused(&cib, "property", absl::StatusCode::kInvalidArgument, "property");
  ExpectRefused(&cib, "property stonith-enabled", absl::StatusCode::kInvalidArgument, "stonith-enabled");
}

TEST(Defaults, RscAndOpDefaults) {
  Cib cib;
  MustRun(&cib, "rsc_defaults resource-stickiness=1");
  MustRun(&cib, "op_defaults timeout=30s record-pending=true");
  Xml x(cib);
  EXPECT_EQ(x.Attr("//rsc_defaults/meta_attributes[@id='rsc-options']/nvpair[@id='rsc-options-resource-stickiness']",
                   "value"), "1");
  EXPECT_EQ(x.Attr("//op_defaults/meta_attributes[@id='op-options']/nvpair[@id='op-options-timeout']", "value"),
            "30s");
  EXPECT_EQ(x.Attr("//nvpair[@id='op-options-record-pending']", "value"), "true");
}

TEST(Node, IdsAttributesAndUtilization) {
  Cib cib;
  MustRun(&cib, "node 2: n2 attributes rack=1 utilization memory=4096");
  MustRun(&cib, "node n3:remote");
  Xml x(cib);
  auto n = x.One("//nodes/node[@id='2']");
  EXPECT_STREQ(n.attribute("uname").value(), "n2");
  EXPECT_EQ(x.Attr("//node[@id='2']/instance_attributes[@id='n2-instance_attributes']"
                   "/nvpair[@id='n2-instance_attributes-rack']", "value"), "1");
  EXPECT_EQ(x.Attr("//node[@id='2']/utilization[@id='n2-utilization']/nvpair[@id='n2-utilization-memory']", "value"),
            "4096");
  EXPECT_EQ(x.Attr("//node[@uname='n3']", "type"), "remote");
  ExpectRefused(&cib, "node n2", absl::StatusCode::kAlreadyExists, "n2");
  ExpectRefused(&cib, "node n4:bogus", absl::StatusCode::kInvalidArgument, "n4:bogus");
}

Cib FencingBase() {
  Cib cib = WithNodes({"n1", "n2"});
  EXPECT_TRUE(Apply(&cib, "primitive f1 stonith:fence_ipmilan").ok());
  EXPECT_TRUE(Apply(&cib, "primitive f2 stonith:fence_ipmilan").ok());
  EXPECT_TRUE(Apply(&cib, "primitive d1 Dummy").ok());
  return cib;
}

TEST(FencingTopology, LevelsTargetsAndIds) {
  Cib cib = FencingBase();
  MustRun(&cib, "fencing_topology n1: f1 f2,f1 attr:rack=1 f1,f2 pattern:n[0-9] f2");
  Xml x(cib);
  EXPECT_EQ(x.Count("//fencing-topology/fencing-level"), 4u);
  auto l0 = x.One("//fencing-level[@id='fencing']");
  EXPECT_STREQ(l0.attribute("target").value(), "n1");
  EXPECT_STREQ(l0.attribute("index").value(), "1");
  EXPECT_STREQ(l0.attribute("devices").value(), "f1");
  auto l1 = x.One("//fencing-level[@id='fencing-0']");
  EXPECT_STREQ(l1.attribute("index").value(), "2");
  EXPECT_STREQ(l1.attribute("devices").value(), "f2,f1");
  auto l2 = x.One("//fencing-level[@id='fencing-1']");
  EXPECT_STREQ(l2.attribute("target-attribute").value(), "rack");
  EXPECT_STREQ(l2.attribute("target-value").value(), "1");
  EXPECT_STREQ(l2.attribute("index").value(), "1");
  EXPECT_EQ(x.Attr("//fencing-level[@id='fencing-2']", "target-pattern"), "n[0-9]");
  // Only one topology object.
  ExpectRefused(&cib, "fencing_topology n2: f2", absl::StatusCode::kAlreadyExists, "fencing_topology");
  MustRun(&cib, "delete fencing_topology");
  EXPECT_TRUE(cib.configuration.fencing_topology.empty());
}

TEST(FencingTopology, NoTargetMeansEveryNode) {
  Cib cib = FencingBase();
  MustRun(&cib, "fencing_topology f1 f2");
  Xml x(cib);
  EXPECT_EQ(x.Count("//fencing-level"), 4u);
  EXPECT_EQ(x.Count("//fencing-level[@target='n1']"), 2u);
  EXPECT_EQ(x.Attr("//fencing-level[@target='n2' and @index='2']", "devices"), "f2");
}

TEST(FencingTopology, Refusals) {
  Cib cib = FencingBase();
  ExpectRefused(&cib, "fencing_topology n1: f9", absl::StatusCode::kNotFound, "f9");
  ExpectRefused(&cib, "fencing_topology n1: d1", absl::StatusCode::kNotFound, "d1");  // not a stonith resource
  ExpectRefused(&cib, "fencing_topology n9: f1", absl::StatusCode::kNotFound, "n9");
  ExpectRefused(&cib, "fencing_topology n1:", absl::StatusCode::kInvalidArgument, "n1");
  ExpectRefused(&cib, "fencing_topology", absl::StatusCode::kInvalidArgument);
  MustRun(&cib, "fencing_topology n1: f1");
  ExpectRefused(&cib, "delete f1", absl::StatusCode::kInvalidArgument, "fencing_topology");
}

// ---- delete -------------------------------------------------------------------

TEST(Delete, RemovesObjectsAndCleansReferences) {
  Cib cib = LocationBase();  // g1 holds d4
  MustRun(&cib, "primitive d5 Dummy");
  MustRun(&cib, "group g2 d5 d3");
  MustRun(&cib, "location l1 d5 100: n1");
  MustRun(&cib, "colocation c1 inf: d1 g1");
  MustRun(&cib, "order o1 d1 ( d4 d3 )");
  MustRun(&cib, "order o2 d1 ( d4 d3 ) m2");
  // A group member is taken out of its group (and its constraints go).
  MustRun(&cib, "delete d5");
  Xml x(cib);
  EXPECT_EQ(x.Count("//primitive[@id='d5']"), 0u);
  EXPECT_EQ(x.Count("//group[@id='g2']/primitive"), 1u);
  EXPECT_EQ(x.Count("//rsc_location[@id='l1']"), 0u);
  // The last member: the emptied group goes as well, with its references.
  MustRun(&cib, "delete d4");
  Xml y(cib);
  EXPECT_EQ(y.Count("//group[@id='g1']"), 0u);
  EXPECT_EQ(y.Count("//rsc_colocation[@id='c1']"), 0u);
  // Sets lose the reference; a constraint left with one resource goes.
  EXPECT_EQ(y.Count("//rsc_order[@id='o1']"), 1u);
  EXPECT_EQ(y.Count("//rsc_order[@id='o1']//resource_ref[@id='d4']"), 0u);
  EXPECT_EQ(y.Count("//rsc_order[@id='o2']//resource_ref"), 3u);
  MustRun(&cib, "delete d3");
  EXPECT_EQ(Xml(cib).Count("//rsc_order[@id='o1']"), 0u);
  // Several ids, constraints and property sets.
  MustRun(&cib, "property stonith-enabled=false");
  MustRun(&cib, "delete --force o2 cib-bootstrap-options");
  EXPECT_TRUE(cib.configuration.crm_config.empty());
  EXPECT_EQ(Xml(cib).Count("//rsc_order"), 0u);
  ExpectRefused(&cib, "delete nope", absl::StatusCode::kNotFound, "nope");
  ExpectRefused(&cib, "delete d1 nope", absl::StatusCode::kNotFound, "nope");  // all or nothing
  ExpectRefused(&cib, "delete", absl::StatusCode::kInvalidArgument);
}

TEST(Delete, ContainerKeepsItsChildren) {
  // baton's choice where crmsh.md is silent: deleting a group or clone keeps
  // the resources it held, at the top level.
  Cib cib = LocationBase();
  MustRun(&cib, "delete m2 g1");
  Xml x(cib);
  EXPECT_EQ(x.Count("/cib/configuration/resources/primitive[@id='s2']"), 1u);
  EXPECT_EQ(x.Count("/cib/configuration/resources/primitive[@id='d4']"), 1u);
  EXPECT_EQ(x.Count("//clone|//group"), 0u);
}

// ---- dispatch -------------------------------------------------------------------

TEST(Dispatch, PrefixesKeywordsAndUnknownCommands) {
  Cib cib;
  MustRun(&cib, "prim d1 Dummy PARAMS a=1 META target-role=Stopped");
  MustRun(&cib, "PROPERTY stonith-enabled=false");
  EXPECT_EQ(Xml(cib).Attr("//nvpair[@id='d1-meta_attributes-target-role']", "value"), "Stopped");
  ExpectRefused(&cib, "bogus x", absl::StatusCode::kInvalidArgument, "bogus");
  ExpectRefused(&cib, "co x", absl::StatusCode::kInvalidArgument, "ambiguous");
  ExpectRefused(&cib, "edit d1", absl::StatusCode::kUnimplemented, "edit");
  EXPECT_EQ(ApplyConfigure({}, &cib).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Apply(&cib, "commit").ok());
  EXPECT_TRUE(Apply(&cib, "verify").ok());
}

// ---- show -----------------------------------------------------------------------

TEST(Show, ReferenceExampleLayout) {
  Cib cib = WithNodes({"n1", "n2"});
  MustRun(&cib, "primitive d1 ocf:pacemaker:Dummy op monitor interval=10s timeout=20s OCF_CHECK_LEVEL=10 "
                "op start timeout=30s");
  MustRun(&cib, "primitive d3 Dummy");
  MustRun(&cib, "primitive f1 stonith:fence_ipmilan");
  MustRun(&cib, "primitive f2 stonith:fence_ipmilan");
  MustRun(&cib, "order o2 0: d1 d3");  // a score-form order prints back as its kind
  MustRun(&cib, "fencing_topology n1: f1 f2,f1 n2: f2");
  MustRun(&cib, "property stonith-enabled=true no-quorum-policy=stop");
  auto out = ShowConfigure(cib, {"d1", "o2", "fencing_topology", "cib-bootstrap-options"});
  ASSERT_TRUE(out.ok()) << out.status();
  // crmsh.md section 2.2, verbatim.
  EXPECT_EQ(*out,
            "primitive d1 ocf:pacemaker:Dummy \\\n"
            "\top monitor interval=10s timeout=20s \\\n"
            "\top_params OCF_CHECK_LEVEL=10 \\\n"
            "\top start timeout=30s interval=0\n"
            "order o2 Optional: d1 d3\n"
            "fencing_topology \\\n"
            "\tn1: f1 f2,f1 \\\n"
            "\tn2: f2\n"
            "property cib-bootstrap-options: \\\n"
            "\tstonith-enabled=true \\\n"
            "\tno-quorum-policy=stop\n");
  // A heartbeat agent given without provider prints without it.
  EXPECT_EQ(*ShowConfigure(cib, {"d3"}), "primitive d3 Dummy\n");
  EXPECT_EQ(ShowConfigure(cib, {"nope"}).status().code(), absl::StatusCode::kNotFound);
}

TEST(Show, ConstraintForms) {
  Cib cib = LocationBase();
  MustRun(&cib, "colocation col-web inf: g1 m2:Promoted");
  MustRun(&cib, "colocation co3 inf: d1 ( d3 g1 )");
  MustRun(&cib, "order ord-web Mandatory: m2:promote g1:start");
  MustRun(&cib, "order o6 Mandatory: d1 [ d3 g1 ] symmetrical=true");
  MustRun(&cib, "location l3 g1 rule -inf: not_defined pingd or pingd number:lte 0");
  MustRun(&cib, "location l5 m2 role=Promoted 50: n1");
  MustRun(&cib, "location l7 /^d[0-9]$/ -inf: n3");
  MustRun(&cib, "location l8 m2 rule $role=Promoted 20: #uname eq n2");
  auto show = [&](const std::string& id) { return *ShowConfigure(cib, {id}); };
  EXPECT_EQ(show("col-web"), "colocation col-web inf: g1 m2:Promoted\n");
  EXPECT_EQ(show("co3"), "colocation co3 inf: d1 ( d3 g1 )\n");
  EXPECT_EQ(show("ord-web"), "order ord-web Mandatory: m2:promote g1:start\n");
  EXPECT_EQ(show("o6"), "order o6 Mandatory: d1 [ d3 g1 ] symmetrical=true\n");
  EXPECT_EQ(show("l3"), "location l3 g1 \\\n\trule -inf: not_defined pingd or pingd number:lte 0\n");
  EXPECT_EQ(show("l5"), "location l5 m2 role=Promoted 50: n1\n");
  EXPECT_EQ(show("l7"), "location l7 /^d[0-9]$/ -inf: n3\n");
  EXPECT_EQ(show("l8"), "location l8 m2 \\\n\trule $role=Promoted 20: #uname eq n2\n");
  EXPECT_EQ(show("m2"), "clone m2 s2 \\\n\tmeta promotable=true\n");
}

TEST(Show, SectionOrderAndPasswords) {
  Cib cib = WithNodes({"n1"});
  MustRun(&cib, "op_defaults timeout=30s");
  MustRun(&cib, "rsc_defaults resource-stickiness=1");
  MustRun(&cib, "property stonith-enabled=false");
  MustRun(&cib, "primitive zz Dummy");
  MustRun(&cib, "primitive aa Dummy");
  MustRun(&cib, "primitive f1 stonith:fence_ipmilan params passwd=secret password=hunter2 ip=198.18.0.1");
  MustRun(&cib, "primitive s1 Stateful");
  MustRun(&cib, "clone cl zz");
  MustRun(&cib, "group g aa");
  MustRun(&cib, "ms ms1 s1");
  MustRun(&cib, "order o1 g cl");
  MustRun(&cib, "location l1 g 10: n1");
  MustRun(&cib, "colocation c1 inf: g cl");
  MustRun(&cib, "fencing_topology n1: f1");
  auto out = ShowConfigure(cib, {});
  ASSERT_TRUE(out.ok());
  // crmsh.md 2.2: nodes; primitives (by id); groups; ms; clones; colocations,
  // locations, orders; fencing_topology; property; rsc_defaults; op_defaults.
  std::vector<std::string> order = {"node n1", "primitive aa", "primitive f1", "primitive s1", "primitive zz",
                                    "group g", "clone cl", "clone ms1", "colocation c1", "location l1",
                                    "order o1", "fencing_topology", "property ", "rsc_defaults", "op_defaults"};
  size_t at = 0;
  for (const auto& head : order) {
    size_t pos = out->find("\n" + head, at == 0 ? 0 : at - 1);
    if (at == 0 && absl::StartsWith(*out, head)) pos = 0;
    ASSERT_NE(pos, std::string::npos) << head << " after offset " << at << " in\n" << *out;
    at = pos + 1;
  }
  EXPECT_NE(out->find("password=\"******\""), std::string::npos) << *out;
  EXPECT_NE(out->find("passwd=\"******\""), std::string::npos) << *out;
  EXPECT_EQ(out->find("hunter2"), std::string::npos);
  EXPECT_NE(out->find("ip=198.18.0.1"), std::string::npos);
}

// ---- round trip -----------------------------------------------------------------

// show output split into commands: a line ending in a backslash continues.
std::vector<std::string> Commands(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    cur += line;
    if (!line.empty() && line.back() == '\\') {
      cur += "\n";
    } else {
      out.push_back(cur);
      cur.clear();
    }
    start = nl + 1;
  }
  return out;
}

// Top-level resources and constraints in id order: show prints by section and
// id, so replaying it creates them in that order, which Pacemaker's
// configuration does not depend on.
Cib Canonical(Cib cib) {
  auto& c = cib.configuration;
  std::stable_sort(c.resources.begin(), c.resources.end(),
                   [](const cib::Resource& a, const cib::Resource& b) { return a.id < b.id; });
  std::stable_sort(c.constraints.begin(), c.constraints.end(), [](const cib::Constraint& a, const cib::Constraint& b) {
    return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
  });
  return cib;
}

TEST(RoundTrip, ShowReappliedGivesAnEqualCib) {
  Cib cib;
  for (const char* line : {
           "node 1: alpha attributes rack=1 utilization memory=4096",
           "node 2: beta",
           "node gamma:remote description=\"far away\"",
           "primitive vip ocf:heartbeat:IPaddr2 params ip=192.0.2.10 cidr_netmask=24 op monitor interval=10s timeout=20s",
           "primitive web systemd:nginx meta target-role=Started utilization cpu=1 op start timeout=60s on-fail=restart",
           "primitive d1 ocf:pacemaker:Dummy params $id=d1-custom state=\"/run/with space\" "
           "op monitor interval=10s timeout=20s OCF_CHECK_LEVEL=10 op_meta record-pending=true "
           "op monitor interval=20s role=Promoted",
           "primitive state Stateful",
           "primitive ping ocf:pacemaker:ping params host_list=\"192.0.2.1 192.0.2.2\"",
           "primitive fence-ab stonith:fence_ipmilan params ip=198.18.0.1",
           "primitive fence-g stonith:fence_ipmilan",
           "group g-web vip web meta target-role=Started",
           "clone cl-ping ping meta interleave=true",
           "ms ms-state state meta master-max=1 notify=true",
           "primitive d2 Dummy",
           "clone cl-d2 d2 meta promotable=true promoted-max=2",
           "location loc-web g-web 100: alpha",
           "location l3 g-web rule -inf: not_defined pingd or pingd number:lte 0",
           "location l8 ms-state rule $role=Promoted 20: #uname eq beta rule pingd: defined pingd",
           "location l9 d1 rule 10: date in start=2026-01-01 end=2026-12-31",
           "location l10 d1 rule date spec hours=9-17 weekdays=1-5",
           "location l11 d1 rule date in start=2026-01-01 months=2",
           "location l6 { d1 g-web } 10: beta",
           "location l7 /^d[0-9]$/ resource-discovery=exclusive -inf: gamma",
           "colocation col-web inf: g-web ms-state:Promoted",
           "colocation co3 inf: d1 ( g-web cl-ping ) [ cl-d2 ms-state ] node-attribute=rack",
           "order ord-web Mandatory: ms-state:promote g-web:start",
           "order o2 0: d1 g-web symmetrical=false",
           "order o7 d1:start g-web:start ms-state:promote",
           "order o8 d1 g-web",
           "rsc_ticket t1 ticketA: ms-state:Promoted loss-policy=demote",
           "tag web-stuff: g-web d1",
           "fencing_topology alpha: fence-ab beta: fence-ab,fence-g gamma: fence-g attr:rack=1 fence-ab",
           "property stonith-enabled=true no-quorum-policy=stop",
           "property other: x=\"a b\"",
           "rsc_defaults resource-stickiness=1",
           "op_defaults timeout=30s record-pending=true",
       }) {
    MustRun(&cib, line);
  }
  ASSERT_TRUE(cib::Validate(cib).ok());
  auto shown = ShowConfigure(cib, {});
  ASSERT_TRUE(shown.ok()) << shown.status();
  Cib again;
  for (const auto& cmd : Commands(*shown)) {
    auto words = SplitConfigureLine(cmd);
    ASSERT_TRUE(words.ok()) << cmd;
    absl::Status st = ApplyConfigure(*words, &again);
    ASSERT_TRUE(st.ok()) << cmd << ": " << st << "\nin\n" << *shown;
  }
  EXPECT_TRUE(Canonical(again) == Canonical(cib)) << "original:\n" << cib::WriteCibXml(Canonical(cib))
                                                  << "\nagain:\n" << cib::WriteCibXml(Canonical(again));
  EXPECT_EQ(*ShowConfigure(again, {}), *shown);
  // And through XML: what baton writes reads back to the same CIB.
  auto parsed = cib::ParseCibXml(cib::WriteCibXml(cib));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(*parsed == cib);
}

}  // namespace
}  // namespace baton::cli
