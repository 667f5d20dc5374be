// The controller reads the cluster options typed (cluster_options.h):
// stonith-timeout for a fencing request and its deadline, batch-limit for
// the transition, start-failure-is-fatal for fail counts.
#include "crmd/transition/controller.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "lib/cib/cib_xml.h"

namespace baton::transition {
namespace {

constexpr int64_t kWall = 1700000000;

cib::Cib Config(const std::string& options) {
  auto c = cib::ParseCibXml(R"(<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">)" + options + R"(</cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <primitive id="fencer" class="stonith" type="fence_netns"/>
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>)");
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

std::string Nv(const std::string& name, const std::string& value) {
  return "<nvpair id=\"o-" + name + "\" name=\"" + name + "\" value=\"" + value + "\"/>";
}

// n1 is the DC of {n1, n2}, with both histories in.
struct Dc {
  attrd::AttributeStore attrs;
  Controller c;
  explicit Dc(const cib::Cib& config)
      : c(ControllerOptions{"n1", {{"1", "n1"}, {"2", "n2"}}, 1000, 0, 60000}, &attrs, 0) {
    c.OnConfig(config);
    c.OnView({"n1", "n2"}, "n1", true, 1, 0);
    c.OnHistory("n2", {});
  }
};

TEST(Controller, FencingRequestAndDeadlineFollowStonithTimeout) {
  Dc dc(Config(Nv("stonith-timeout", "30s")));
  dc.c.OnTick(10, kWall);  // probes and starts
  dc.c.OnView({"n1"}, "n1", true, 2, 20);  // n2 lost: fence it
  dc.c.TakeLog();
  // Nothing the old graph dispatched will answer: it is counted as lost
  // (deadline = its timeout + grace) and the next transition fences n2.
  std::vector<FenceOut> fences;
  int64_t t = 20;
  for (; t < 200000 && fences.empty(); t += 1000) {
    dc.c.OnTick(t, kWall);
    fences = dc.c.TakeFence();
  }
  ASSERT_EQ(fences.size(), 1u);
  EXPECT_EQ(fences[0].target, "n2");
  EXPECT_EQ(fences[0].timeout_ms, 30000);
  const int64_t sent = t - 1000;
  dc.c.TakeLog();
  // Counted as failed only past stonith-timeout + 50% + the grace.
  auto fence_lost = [&](int64_t at) {
    dc.c.OnTick(at, kWall);
    auto log = dc.c.TakeLog();
    return std::any_of(log.begin(), log.end(), [](const std::string& l) {
      return l.find("fence (reboot) n2: no result in time") != std::string::npos;
    });
  };
  EXPECT_FALSE(fence_lost(sent + 45000 + Controller::kActionGraceMs - 1));
  EXPECT_TRUE(fence_lost(sent + 45000 + Controller::kActionGraceMs));
}

TEST(Controller, BatchLimitBoundsWhatIsInFlight) {
  Dc unlimited(Config(Nv("stonith-enabled", "false")));
  unlimited.c.OnTick(10, kWall);
  EXPECT_GT(unlimited.c.TakeExec().size(), 1u);

  Dc one(Config(Nv("stonith-enabled", "false") + Nv("batch-limit", "1")));
  one.c.OnTick(10, kWall);
  EXPECT_EQ(one.c.TakeExec().size(), 1u);
  EXPECT_EQ(one.c.cluster_options().batch_limit, 1);
}

OpResultRecord FailedStart() {
  OpResultRecord r;
  r.node = "n2";
  r.rsc = "a";
  r.rsc_class = "ocf";
  r.provider = "heartbeat";
  r.type = "Dummy";
  r.task = "start";
  r.rc = 1;
  r.call_id = 3;
  r.last_rc_change_s = kWall;
  return r;
}

std::string FailCount(Controller& c) {
  for (const auto& a : c.TakeAttrs()) {
    if (a.name == "fail-count-a#start_0") return a.value;
  }
  return "";
}

TEST(Controller, StartFailureIsFatalAsABoolean) {
  Dc fatal(Config(""));
  fatal.c.OnOpResult(0, 0, FailedStart());
  EXPECT_EQ(FailCount(fatal.c), "INFINITY");

  // Any of Pacemaker's false words counts, not only "false".
  Dc counted(Config(Nv("start-failure-is-fatal", "no")));
  counted.c.OnOpResult(0, 0, FailedStart());
  EXPECT_EQ(FailCount(counted.c), "1");
}

// Notifications cannot fail, as in Pacemaker: a notify that exits with an
// error or times out counts no failure and leaves no history.
TEST(Controller, ANotifyResultIsNeitherAFailureNorHistory) {
  Dc dc(Config(""));
  OpResultRecord r = FailedStart();
  r.task = "notify";
  r.op_status = 2;  // timed out
  dc.c.OnOpResult(0, 0, r);
  for (const auto& a : dc.c.TakeAttrs()) EXPECT_EQ(a.name.rfind("fail-count-", 0), std::string::npos) << a.name;
  EXPECT_TRUE(dc.c.table().Records("n2").empty());
}

TEST(Controller, InvalidOptionLoggedOnceAndDefaultUsed) {
  attrd::AttributeStore attrs;
  Controller c(ControllerOptions{"n1", {{"1", "n1"}}, 1000, 0, 60000}, &attrs, 0);
  cib::Cib config = Config(Nv("stonith-timeout", "soon"));
  c.OnConfig(config);
  auto log = c.TakeLog();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("'stonith-timeout'"), std::string::npos) << log[0];
  EXPECT_EQ(c.cluster_options().stonith_timeout_ms, 60000);
  c.OnConfig(config);
  EXPECT_TRUE(c.TakeLog().empty());
}

}  // namespace
}  // namespace baton::transition
