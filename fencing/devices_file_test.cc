// Devices and fencing levels read from CIB XML.
#include "fencing/devices_file.h"

#include <gtest/gtest.h>

#include "lib/cib/cib_xml.h"

namespace baton::fencing {
namespace {

TEST(DevicesFileTest, ReadsStonithPrimitivesAndTopology) {
  auto cib = cib::ParseCibXml(R"(<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration><crm_config/><nodes/>
    <resources>
      <primitive id="ipmi" class="stonith" type="fence_ipmilan">
        <instance_attributes id="ipmi-ia">
          <nvpair id="ipmi-ip" name="ip" value="127.0.0.1"/>
          <nvpair id="ipmi-hl" name="pcmk_host_list" value="n1"/>
        </instance_attributes>
      </primitive>
      <primitive id="dummy" class="stonith" type="fence_dummy"/>
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
    <fencing-topology>
      <fencing-level id="l1" index="1" target="n1" devices="ipmi"/>
      <fencing-level id="l2" index="2" target-pattern="n.*" devices="dummy,ipmi"/>
    </fencing-topology>
  </configuration><status/></cib>)");
  ASSERT_TRUE(cib.ok()) << cib.status();
  auto f = DevicesFromCib(*cib);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->devices.size(), 2u);
  EXPECT_EQ(f->devices[0].agent, "fence_ipmilan");
  EXPECT_EQ(f->devices[0].params.at("pcmk_host_list"), "n1");
  ASSERT_EQ(f->levels.size(), 2u);
  EXPECT_EQ(f->levels[1].target_pattern, "n.*");
  EXPECT_EQ(f->levels[1].devices, (std::vector<std::string>{"dummy", "ipmi"}));
}

}  // namespace
}  // namespace baton::fencing
