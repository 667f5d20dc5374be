// Import/export of Pacemaker CIB XML: structure, legacy forms, id-refs,
// round trips, and errors that name what and where.
#include "crmd/cib/cib_xml.h"

#include <gtest/gtest.h>

namespace baton::cib {
namespace {

constexpr char kSmall[] = R"(<cib admin_epoch="1" epoch="7" num_updates="3" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="opts">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="alpha"><instance_attributes id="na"><nvpair id="na1" name="rack" value="r1"/></instance_attributes></node>
      <node id="2" uname="beta"/>
    </nodes>
    <resources>
      <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
        <instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="198.18.0.10"/></instance_attributes>
        <operations><op id="vip-mon" name="monitor" interval="10s" timeout="20s"/></operations>
      </primitive>
      <master id="ms">
        <meta_attributes id="ms-meta"><nvpair id-ref="o1" name="promoted-max"/></meta_attributes>
        <primitive id="db" class="ocf" provider="pacemaker" type="Stateful"/>
      </master>
    </resources>
    <constraints>
      <rsc_location id="l1" rsc="vip">
        <rule id="r1" score="INFINITY"><expression id="e1" attribute="rack" operation="eq" value="r1"/></rule>
      </rsc_location>
      <rsc_colocation id="c1" rsc="vip" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>
      <rsc_order id="o-1"><resource_set id="s1"><resource_ref id="ms"/><resource_ref id="vip"/></resource_set></rsc_order>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="alpha" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
        <lrm_rsc_op id="vip_last_0" operation="start" call-id="4" rc-code="0" op-status="0" interval="0"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>)";

TEST(CibXml, ParsesStructure) {
  auto cib = ParseCibXml(kSmall);
  ASSERT_TRUE(cib.ok()) << cib.status();
  EXPECT_EQ(cib->version, (Version{1, 7, 3}));
  EXPECT_EQ(Get(cib->attrs, "have-quorum"), "1");
  const auto& conf = cib->configuration;
  ASSERT_EQ(conf.nodes.size(), 2u);
  EXPECT_EQ(conf.nodes[0].attributes[0].pairs[0].value, "r1");
  ASSERT_EQ(conf.resources.size(), 2u);
  EXPECT_EQ(conf.resources[0].ops[0].interval, "10s");
  EXPECT_EQ(Get(conf.resources[0].ops[0].attrs, "timeout"), "20s");
  EXPECT_EQ(conf.resources[1].kind, Resource::Kind::kClone);
  EXPECT_TRUE(conf.resources[1].master_element);
  ASSERT_EQ(conf.constraints.size(), 3u);
  EXPECT_EQ(conf.constraints[0].rules[0].expressions[0].attrs.at("attribute"), "rack");
  EXPECT_EQ(conf.constraints[2].sets[0].resources, (std::vector<std::string>{"ms", "vip"}));
  ASSERT_EQ(cib->status.size(), 1u);
  EXPECT_EQ(cib->status[0].resources[0].ops[0].attrs.at("call-id"), "4");
  EXPECT_TRUE(Validate(*cib).ok());
}

TEST(CibXml, ResolvesIdRefWithLocalName) {
  auto cib = ParseCibXml(kSmall);
  ASSERT_TRUE(cib.ok());
  const NvPair& p = cib->configuration.resources[1].meta[0].pairs[0];
  EXPECT_EQ(p.name, "promoted-max");  // the local name wins
  EXPECT_EQ(p.value, "false");        // the value comes from the referenced pair
}

TEST(CibXml, RoundTripIsLossless) {
  auto cib = ParseCibXml(kSmall);
  ASSERT_TRUE(cib.ok());
  std::string xml = WriteCibXml(*cib);
  auto again = ParseCibXml(xml);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << xml;
  EXPECT_EQ(*cib, *again);
}

TEST(CibXml, MalformedXmlNamesTheLine) {
  auto cib = ParseCibXml("<cib>\n<configuration>\n<nodes>\n</configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find("line 4"), std::string::npos) << cib.status();
  EXPECT_NE(cib.status().message().find("malformed XML"), std::string::npos);
}

TEST(CibXml, UnknownElementIsNamed) {
  auto cib = ParseCibXml(
      "<cib><configuration><resources>\n<primitive id='a' class='ocf' provider='x' type='y'>\n"
      "<bogus/></primitive></resources></configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find("unknown element <bogus>"), std::string::npos) << cib.status();
  EXPECT_NE(cib.status().message().find("<primitive id='a'>"), std::string::npos) << cib.status();
  EXPECT_NE(cib.status().message().find("line 3"), std::string::npos) << cib.status();
}

TEST(CibXml, DanglingIdRefIsAnError) {
  auto cib = ParseCibXml(
      "<cib><configuration><crm_config><cluster_property_set id-ref='nope'/></crm_config>"
      "</configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find("id-ref 'nope'"), std::string::npos) << cib.status();
}

TEST(CibXml, ValidateRejectsConstraintOnMissingResource) {
  auto cib = ParseCibXml(
      "<cib><configuration><resources/><constraints>"
      "<rsc_location id='l' rsc='web' node='n1' score='10'/></constraints></configuration></cib>");
  ASSERT_TRUE(cib.ok());
  absl::Status st = Validate(*cib);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "<rsc_location id='l'>: rsc='web' names no resource");
}

TEST(CibXml, MissingRequiredAttribute) {
  auto cib = ParseCibXml("<cib><configuration><resources><primitive id='a' type='x'/></resources></configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find("missing attribute 'class'"), std::string::npos) << cib.status();
}

TEST(CibXml, RejectsNonNumericEpoch) {
  auto cib = ParseCibXml("<cib epoch='x'><configuration/></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find("epoch='x'"), std::string::npos);
}

}  // namespace
}  // namespace baton::cib
