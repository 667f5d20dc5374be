// Clone notifications (notify.cc): which instances are told before and
// after a clone's start, stop and promote, what the notifications and the
// instances' own actions carry, and how they are ordered.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "crmd/scheduler/scenario_test_util.h"
#include "crmd/scheduler/scheduler.h"

namespace baton::scheduler {
namespace {

using namespace scenario;

constexpr char kStateful[] = R"(class="ocf" provider="pacemaker" type="Stateful")";

// A promotable clone of Stateful "state" with the given notify value.
std::string PromotableClone(const std::string& notify) {
  return "<clone id=\"state-clone\">" + Meta("state-clone", {{"promotable", "true"}, {"notify", notify}}) +
         "<primitive id=\"state\" " + kStateful + "/></clone>";
}

// An anonymous clone of Dummy "dummy" with notify=true and a 10s monitor.
std::string DummyClone() {
  return "<clone id=\"dummy-clone\">" + Meta("dummy-clone", {{"notify", "true"}}) + Dummy("dummy", MonitorOp("dummy")) +
         "</clone>";
}

class Notify : public Scenario {
 protected:
  // `inst`'s notification of `type` ("pre", "post") for `op` on `node`.
  const Action* NotifyOf(const std::string& inst, const std::string& type, const std::string& op,
                         const std::string& node) {
    Resource* r = Rsc(inst);
    if (r == nullptr) return nullptr;
    std::string key = inst + "_" + type + "_notify_" + op + "_0";
    for (const Action* a : r->actions) {
      if (a->task == "notify" && a->key == key && a->node && a->node->name == node) return a;
    }
    return nullptr;
  }

  // The clone's pseudo-action with this key, e.g. "c_pre_notify_start_0".
  const Action* Pseudo(const std::string& clone, const std::string& key) {
    Resource* r = Rsc(clone);
    if (r == nullptr) return nullptr;
    for (const Action* a : r->actions) {
      if (a->key == key) return a;
    }
    return nullptr;
  }

  // The notify actions in the transition, as "inst key@node".
  std::vector<std::string> NotifyActionsInGraph() {
    std::vector<std::string> out;
    if (ws_ == nullptr) return out;
    for (const Action& a : ws_->actions) {
      if (a.task == "notify" && !a.pseudo && InGraph(a)) out.push_back(a.key + "@" + a.node->name);
    }
    return out;
  }

  static bool HasEdge(const Action* first, const Action* then) {
    if (first == nullptr || then == nullptr) return false;
    for (const Ordering* o : then->before) {
      if (o->first == first) return true;
    }
    return false;
  }

  // Three Unpromoted instances (node1..3), node2 with the best promotion score.
  void RunPromotion(const std::string& notify) {
    CibParts p;
    p.nodes = kThreeNodes;
    p.resources = PromotableClone(notify);
    p.status = Up("1", Started("state", 1, "Stateful"), Transient("1", {{"master-state", "5"}})) +
               Up("2", Started("state", 1, "Stateful"), Transient("2", {{"master-state", "10"}})) +
               Up("3", Started("state", 1, "Stateful"), Transient("3", {{"master-state", "5"}}));
    Run(p);
  }
};

TEST_F(Notify, PromotionIsAnnouncedToEveryActiveInstanceBeforeAndAfter) {
  RunPromotion("true");
  ExpectSummary({"  * Promote    state:1     ( Unpromoted -> Promoted node2 )"});
  for (const char* key : {"state-clone_pre_notify_promote_0", "state-clone_confirmed-pre_notify_promote_0",
                          "state-clone_post_notify_promoted_0", "state-clone_confirmed-post_notify_promoted_0"}) {
    const Action* a = Pseudo("state-clone", key);
    ASSERT_NE(a, nullptr) << key;
    EXPECT_TRUE(a->pseudo) << key;
    EXPECT_TRUE(InGraph(*a)) << key;
  }
  EXPECT_EQ(NotifyActionsInGraph(), (std::vector<std::string>{
                                        "state:0_pre_notify_promote_0@node1", "state:0_post_notify_promote_0@node1",
                                        "state:1_pre_notify_promote_0@node2", "state:1_post_notify_promote_0@node2",
                                        "state:2_pre_notify_promote_0@node3", "state:2_post_notify_promote_0@node3"}));

  const Action* pre = NotifyOf("state:0", "pre", "promote", "node1");
  ASSERT_NE(pre, nullptr);
  std::map<std::string, std::string> want = {
      {"notify_type", "pre"},
      {"notify_operation", "promote"},
      {"notify_key_type", "pre"},
      {"notify_key_operation", "promote"},
      {"notify_promote_resource", "state:1"},
      {"notify_promote_uname", "node2"},
      {"notify_demote_resource", " "},
      {"notify_demote_uname", " "},
      {"notify_start_resource", " "},
      {"notify_start_uname", " "},
      {"notify_stop_resource", " "},
      {"notify_stop_uname", " "},
      {"notify_active_resource", "state:0 state:1 state:2"},
      {"notify_active_uname", "node1 node2 node3"},
      {"notify_inactive_resource", " "},
      {"notify_unpromoted_resource", "state:0 state:1 state:2"},
      {"notify_unpromoted_uname", "node1 node2 node3"},
      {"notify_slave_resource", "state:0 state:1 state:2"},
      {"notify_slave_uname", "node1 node2 node3"},
      {"notify_promoted_resource", " "},
      {"notify_promoted_uname", " "},
      {"notify_master_resource", " "},
      {"notify_master_uname", " "},
      {"notify_available_uname", "node1 node2 node3"},
      {"notify_all_uname", "node1 node2 node3"},
  };
  EXPECT_EQ(pre->notify, want);

  // The post notification differs only in its type and key.
  const Action* post = NotifyOf("state:2", "post", "promote", "node3");
  ASSERT_NE(post, nullptr);
  want["notify_type"] = "post";
  want["notify_key_type"] = "post";
  want["notify_key_operation"] = "promoted";
  EXPECT_EQ(post->notify, want);

  // The promotion itself carries the same lists, and nothing about a type.
  const Action* promote = FindAction("state:1", "promote", "node2");
  ASSERT_NE(promote, nullptr);
  for (const char* k : {"notify_type", "notify_operation", "notify_key_type", "notify_key_operation"}) {
    want.erase(k);
  }
  EXPECT_EQ(promote->notify, want);

  // pre -> every instance's pre -> confirmed-pre -> promote -> ... -> post.
  EXPECT_TRUE(HasEdge(Pseudo("state-clone", "state-clone_pre_notify_promote_0"), pre));
  EXPECT_TRUE(HasEdge(pre, Pseudo("state-clone", "state-clone_confirmed-pre_notify_promote_0")));
  EXPECT_TRUE(OrderedBefore(pre, promote));
  EXPECT_TRUE(OrderedBefore(promote, post));
  EXPECT_TRUE(HasEdge(post, Pseudo("state-clone", "state-clone_confirmed-post_notify_promoted_0")));
}

TEST_F(Notify, NotifyFalseMeansNoNotifications) {
  RunPromotion("false");
  ExpectSummary({"  * Promote    state:1     ( Unpromoted -> Promoted node2 )"});
  for (const Action& a : ws_->actions) {
    EXPECT_NE(a.task, "notify") << a.key;
    EXPECT_NE(a.task, "notified") << a.key;
    EXPECT_TRUE(a.notify.empty()) << a.key;
  }
}

TEST_F(Notify, StartingInstanceIsToldAfterwardsButNotBefore) {
  CibParts p;
  p.resources = DummyClone() + Dummy("after");
  p.constraints = R"(<rsc_order id="clone-then-after" first="dummy-clone" then="after"/>)";
  p.status = Up("1", Started("dummy", 1) + Probed("after", 2)) + Up("2", Probed("dummy", 1) + Probed("after", 2));
  Run(p);
  ExpectSummary({"  * Start      dummy:1     ( node2 )", "  * Start      after       ( node1 )"});
  EXPECT_EQ(NotifyActionsInGraph(),
            (std::vector<std::string>{"dummy:0_pre_notify_start_0@node1", "dummy:0_post_notify_start_0@node1",
                                      "dummy:1_post_notify_start_0@node2"}));
  const Action* post = NotifyOf("dummy:1", "post", "start", "node2");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->notify.at("notify_start_resource"), "dummy:1");
  EXPECT_EQ(post->notify.at("notify_start_uname"), "node2");
  EXPECT_EQ(post->notify.at("notify_active_resource"), "dummy:0");
  EXPECT_EQ(post->notify.at("notify_active_uname"), "node1");
  EXPECT_EQ(post->notify.at("notify_inactive_resource"), "dummy:1");
  EXPECT_EQ(post->notify.at("notify_stop_resource"), " ");
  EXPECT_EQ(post->notify.at("notify_key_operation"), "running");

  // What waits for the clone waits for its last post-start notification,
  // and so does the new instance's monitor.
  const Action* done = Pseudo("dummy-clone", "dummy-clone_confirmed-post_notify_running_0");
  ASSERT_NE(done, nullptr);
  EXPECT_TRUE(HasEdge(done, FindAction("after", "start", "node1")));
  EXPECT_FALSE(HasEdge(Pseudo("dummy-clone", "dummy-clone_running_0"), FindAction("after", "start", "node1")));
  const Action* monitor = nullptr;
  for (const Action* a : Rsc("dummy:1")->actions) {
    if (a->task == "monitor" && a->interval_ms == 10000) monitor = a;
  }
  ASSERT_NE(monitor, nullptr);
  EXPECT_TRUE(HasEdge(done, monitor));
}

TEST_F(Notify, StoppingInstanceIsToldBeforeButNotAfter) {
  CibParts p;
  p.resources = DummyClone();
  p.constraints = R"(<rsc_location id="not-on-2" rsc="dummy-clone" node="node2" score="-INFINITY"/>)";
  p.status = Up("1", Started("dummy", 1)) + Up("2", Started("dummy", 1));
  Run(p);
  ExpectSummary({"  * Stop       dummy:1     ( node2 )  due to node availability"});
  EXPECT_EQ(NotifyActionsInGraph(),
            (std::vector<std::string>{"dummy:0_pre_notify_stop_0@node1", "dummy:0_post_notify_stop_0@node1",
                                      "dummy:1_pre_notify_stop_0@node2"}));
  const Action* stop = FindAction("dummy:1", "stop", "node2");
  ASSERT_NE(stop, nullptr);
  EXPECT_EQ(stop->notify.at("notify_stop_resource"), "dummy:1");
  EXPECT_EQ(stop->notify.at("notify_stop_uname"), "node2");
  EXPECT_EQ(stop->notify.count("notify_type"), 0u);
  // The stop runs between the pre and the post notifications.
  EXPECT_TRUE(OrderedBefore(NotifyOf("dummy:1", "pre", "stop", "node2"), stop));
  EXPECT_TRUE(OrderedBefore(stop, NotifyOf("dummy:0", "post", "stop", "node1")));
}

TEST_F(Notify, StopImpliedByFencingIsAnnouncedAfterTheFencing) {
  CibParts p;
  p.options = R"(<nvpair id="opt-stonith" name="stonith-enabled" value="true"/>)";
  p.nodes = kThreeNodes;
  p.resources = R"(<primitive id="Fencing" class="stonith" type="fence_xvm"/>)" + DummyClone();
  p.constraints = R"(<rsc_location id="not-on-2" rsc="dummy-clone" node="node2" score="-INFINITY"/>)";
  p.status = Up("1", Started("Fencing", 1, "fence_xvm") + Started("dummy", 2)) +
             Up("2", Probed("Fencing", 1, "fence_xvm") + Probed("dummy", 2)) +
             Lost("3", Probed("Fencing", 1, "fence_xvm") + Started("dummy", 2));
  Run(p);
  ASSERT_NE(ws_, nullptr);
  const Action* fence = FindFence("node3");
  ASSERT_NE(fence, nullptr);
  ASSERT_TRUE(InGraph(*fence));
  Resource* gone = nullptr;
  for (Resource* inst : Rsc("dummy-clone")->children) {
    if (inst->CurrentNode() && inst->CurrentNode()->name == "node3") gone = inst;
  }
  ASSERT_NE(gone, nullptr);
  // The fenced instance's own post-stop pseudo-actions, after the fencing.
  const Action* post = Pseudo(gone->id, gone->id + "_post_notify_stonith_0");
  const Action* done = Pseudo(gone->id, gone->id + "_confirmed-post_notify_stonith_0");
  ASSERT_NE(post, nullptr);
  ASSERT_NE(done, nullptr);
  EXPECT_TRUE(InGraph(*post));
  EXPECT_TRUE(InGraph(*done));
  EXPECT_TRUE(HasEdge(fence, post));
  EXPECT_EQ(post->notify.at("notify_operation"), "stop");
  EXPECT_EQ(post->notify.at("notify_key_operation"), "stonith");
  // The survivor hears of it; nothing is sent to the fenced node.
  const Action* told = NotifyOf("dummy:0", "post", "stop", "node1");
  ASSERT_NE(told, nullptr);
  EXPECT_TRUE(InGraph(*told));
  EXPECT_TRUE(HasEdge(post, told));
  EXPECT_TRUE(HasEdge(told, done));
  EXPECT_EQ(told->notify.at("notify_stop_resource"), gone->id);
  EXPECT_EQ(told->notify.at("notify_stop_uname"), "node3");
  EXPECT_EQ(NotifyOf(gone->id, "pre", "stop", "node3"), nullptr);
  EXPECT_EQ(NotifyOf(gone->id, "post", "stop", "node3"), nullptr);
}

}  // namespace
}  // namespace baton::scheduler
