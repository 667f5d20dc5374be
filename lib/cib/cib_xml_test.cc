// Import/export of Pacemaker CIB XML: structure, legacy forms, id-refs,
// round trips, and errors that name what and where.
#include "lib/cib/cib_xml.h"

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

TEST(CibXml, MalformedXmlNamesTheMismatchedTag) {
  auto cib = ParseCibXml("<cib>\n<configuration>\n<nodes>\n</configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 4: malformed XML: Start-end tags mismatch at </configuration>");
  cib = ParseCibXml("<cib>\n<configuration>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 2: malformed XML: Start-end tags mismatch: an element is not closed");
}

// pugixml takes these without an error; XML does not.
TEST(CibXml, ElementAfterTheRootIsAnError) {
  auto cib = ParseCibXml("<cib><configuration/></cib>\n<cib/>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 2: unknown element <cib> outside <cib>");
  cib = ParseCibXml("<cib><configuration/></cib><![CDATA[x]]>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 1: malformed XML: text outside <cib>");
}

TEST(CibXml, AttributeGivenTwiceIsAnError) {
  auto cib = ParseCibXml("<cib><configuration><nodes>\n<node id='1' uname='a' uname='b'/></nodes></configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 2: <node id='1'>: malformed XML: attribute 'uname' given twice");
  EXPECT_FALSE(ParseCibXml("<cib epoch='1' epoch='2'><configuration/></cib>").ok());
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
  EXPECT_EQ(st.message(), "line 1: <rsc_location id='l'>: rsc='web' names no resource");
}

TEST(CibXml, ValidateNamesTheLineOfTheConstraint) {
  auto cib = ParseCibXml(
      "<cib>\n<configuration>\n<resources/>\n<constraints>\n"
      "<rsc_order id='o'><resource_set id='s'><resource_ref id='gone'/></resource_set></rsc_order>\n"
      "</constraints></configuration></cib>");
  ASSERT_TRUE(cib.ok()) << cib.status();
  EXPECT_EQ(Validate(*cib).message(), "line 5: <rsc_order id='o'> set 's': resource_ref 'gone' names no resource");
}

TEST(CibXml, ValidateWithoutSourceLinesNamesNoLine) {
  Cib cib;
  Constraint c;
  c.id = "l";
  c.attrs["rsc"] = "web";
  cib.configuration.constraints.push_back(c);
  EXPECT_EQ(Validate(cib).message(), "<rsc_location id='l'>: rsc='web' names no resource");
}

TEST(CibXml, ValidateChecksTemplatesInsideGroups) {
  auto cib = ParseCibXml(
      "<cib><configuration><resources>\n<group id='g'>\n<primitive id='p' template='nope'/></group>"
      "</resources></configuration></cib>");
  ASSERT_TRUE(cib.ok()) << cib.status();
  EXPECT_EQ(Validate(*cib).message(), "line 3: <primitive id='p'>: template 'nope' does not exist");
}

TEST(CibXml, SourceLinesDoNotAffectEquality) {
  auto a = ParseCibXml("<cib><configuration><resources><primitive id='p' class='lsb' type='x'/></resources>"
                       "</configuration></cib>");
  auto b = ParseCibXml("<cib>\n\n<configuration><resources>\n<primitive id='p' class='lsb' type='x'/>"
                       "</resources></configuration></cib>");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->configuration.resources[0].source.line, 1);
  EXPECT_EQ(b->configuration.resources[0].source.line, 4);
  EXPECT_EQ(*a, *b);
}

TEST(CibXml, UnknownElementLeadsWithItsOwnLine) {
  auto cib = ParseCibXml("<cib>\n<configuration>\n\n<nodes/><bogus/></configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 4: unknown element <bogus> in <configuration> (line 2)");
}

TEST(CibXml, MissingFileSaysWhy) {
  auto cib = ReadCibFile("/nonexistent/cib.xml");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "/nonexistent/cib.xml: cannot open: No such file or directory");
}

TEST(CibXml, DirectoryIsNotRead) {
  auto cib = ReadCibFile("/");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "/: cannot read: Is a directory");
}

// ---- found by fuzzing (cib_xml_fuzz) and by review of what it reported ----

// Values quoted in errors may hold line breaks ("&#10;"); an error is still
// one line.
TEST(CibXml, ErrorWithLineBreakInValueIsOneLine) {
  auto cib = ParseCibXml(
      "<cib><configuration><resources><primitive id='a&#10;b&#13;&#1;' type='x'/></resources>"
      "</configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 1: <primitive id='a\\nb\\r\\x01'>: missing attribute 'class'");
  auto v = ParseCibXml(
      "<cib><configuration><constraints><rsc_location id='l' rsc='a&#10;b'/></constraints>"
      "</configuration></cib>");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Validate(*v).message(), "line 1: <rsc_location id='l'>: rsc='a\\nb' names no resource");
}

// A rule that names an enclosing rule by id-ref recursed until the stack
// overflowed.
TEST(CibXml, RuleIdRefLoopIsAnError) {
  auto cib = ParseCibXml(
      "<cib><configuration><constraints><rsc_location id='l' rsc='r'>"
      "<rule id='a'><rule id-ref='a'/></rule></rsc_location></constraints></configuration></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find("rules nested more than 64 deep (an id-ref loop?)"), std::string::npos)
      << cib.status();
}

// Rules that each refer to the next one twice doubled at each step: 22 short
// rules made four million copies (out of memory).
TEST(CibXml, IdRefExpansionIsBounded) {
  std::string xml = "<cib><configuration><constraints><rsc_location id='l' rsc='r'>";
  const int n = 22;
  for (int i = 0; i < n; ++i) {
    xml += "<rule id='r" + std::to_string(i) + "'>";
    xml += i + 1 < n ? "<rule id-ref='r" + std::to_string(i + 1) + "'/><rule id-ref='r" + std::to_string(i + 1) + "'/>"
                     : std::string("<expression id='e' attribute='a' operation='defined'/>");
    xml += "</rule>";
  }
  xml += "</rsc_location></constraints></configuration></cib>";
  auto cib = ParseCibXml(xml);
  ASSERT_FALSE(cib.ok());
  EXPECT_NE(cib.status().message().find(": id-refs copy more than 101088 elements in all"), std::string::npos)
      << cib.status();
}

// Indexing ids recursed once per level (stack overflow on deep documents), and
// deep raw sections were written out with quadratic indentation.
TEST(CibXml, DeepNestingIsRefused) {
  auto nest = [](int depth) {
    std::string xml = "<cib><configuration><acls>";
    for (int i = 0; i < depth; ++i) xml += "<a>";
    for (int i = 0; i < depth; ++i) xml += "</a>";
    return xml + "</acls></configuration></cib>";
  };
  EXPECT_TRUE(ParseCibXml(nest(200)).ok());
  auto cib = ParseCibXml(nest(300));
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 1: <a>: elements nested more than 256 deep");
  EXPECT_FALSE(ParseCibXml(nest(200000)).ok());
}

// Kept-verbatim text (status children, bundles, acls) holding "&#13;" was
// written as a bare carriage return, which reads back as a line feed.
TEST(CibXml, CarriageReturnInRawTextRoundTrips) {
  auto cib = ParseCibXml(
      "<cib><configuration/><status><node_state id='1'><x>a&#13;b</x></node_state></status></cib>");
  ASSERT_TRUE(cib.ok()) << cib.status();
  auto again = ParseCibXml(WriteCibXml(*cib));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *cib);
}

// Kept-verbatim text that is only white space ("&#9;") was written out and
// then dropped when read back.
TEST(CibXml, BlankRawTextRoundTrips) {
  auto cib = ParseCibXml(
      "<cib><configuration><resources><bundle id='b'><docker image='i'/>&#9;&#32;</bundle></resources>"
      "</configuration></cib>");
  ASSERT_TRUE(cib.ok()) << cib.status();
  EXPECT_EQ(cib->configuration.resources[0].raw_xml, "<bundle id=\"b\"><docker image=\"i\"/></bundle>");
  auto again = ParseCibXml(WriteCibXml(*cib));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *cib);
}

// A version number past 64 bits was silently read as the largest one.
TEST(CibXml, EpochOutOfRangeIsAnError) {
  auto cib = ParseCibXml("<cib epoch='99999999999999999999'><configuration/></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(),
            "line 1: <cib>: attribute epoch='99999999999999999999' is not a non-negative 64-bit integer");
}

// The input is UTF-8: bytes that look like UTF-16 are not re-encoded (which
// made line numbers point elsewhere), and a UTF-8 byte order mark is fine.
TEST(CibXml, InputIsUtf8) {
  EXPECT_FALSE(ParseCibXml(std::string("<\0c\0i\0b\0/\0>\0", 12)).ok());
  auto cib = ParseCibXml("\xef\xbb\xbf<cib>\n<configuration/><bogus/></cib>");
  ASSERT_FALSE(cib.ok());
  EXPECT_EQ(cib.status().message(), "line 2: unknown element <bogus> in <cib> (line 1)");
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
