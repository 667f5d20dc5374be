// Seeded simulation of CIB replication (crmd/cib/replication.h): 3 to 5
// nodes, partitions and heals, crashes and restarts (the store survives),
// messages delayed, reordered and duplicated, client changes at any node.
// After every step: no two configurations committed with one version, and a
// serving DC never holds less than the newest committed version. At the end
// (everything healed and quiet): every node holds the same CIB and nothing
// committed was lost.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crmd/cib/replication.h"

namespace baton::cib {
namespace {

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int steps = 1500;
  bool break_sync = false;  // mutation: a new DC keeps its own CIB
};

struct SimResult {
  bool ok = true;
  std::string failure;
  int committed = 0;
  int views = 0;
};

std::string VersionText(const Version& v) {
  std::ostringstream o;
  o << v.admin_epoch << "." << v.epoch << "." << v.num_updates;
  return o.str();
}

class Sim {
 public:
  explicit Sim(const SimOptions& o) : o_(o), rng_(o.seed) {
    for (int i = 1; i <= o.nodes; ++i) {
      stores_[i] = std::make_unique<MemoryCibStore>();
      group_[i] = 0;
      Boot(i);
    }
    NewViews();
  }

  SimResult Run() {
    for (int step = 0; step < o_.steps && result_.ok; ++step) {
      int r = Pick(100);
      if (r < 6) {
        Repartition();
      } else if (r < 9) {
        for (auto& [n, g] : group_) g = 0;
        NewViews();
      } else if (r < 12) {
        Crash(static_cast<uint32_t>(1 + Pick(o_.nodes)));
      } else if (r < 15) {
        Restart(static_cast<uint32_t>(1 + Pick(o_.nodes)));
      } else if (r < 40) {
        SubmitAt(static_cast<uint32_t>(1 + Pick(o_.nodes)));
      } else if (r < 50) {
        now_ += 50;
        for (auto& [n, rep] : replicas_) {
          if (rep) rep->OnTick(now_);
        }
      } else {
        DeliverOne();
      }
      Collect();
      CheckStep();
    }
    if (!result_.ok) return result_;
    // Heal everything, restart everyone, and let it settle.
    for (auto& [n, g] : group_) g = 0;
    for (int i = 1; i <= o_.nodes; ++i) {
      if (!replicas_[static_cast<uint32_t>(i)]) Boot(static_cast<uint32_t>(i));
    }
    NewViews();
    for (int i = 0; i < 20000 && result_.ok; ++i) {
      if (net_.empty()) {
        now_ += 50;
        for (auto& [n, rep] : replicas_) rep->OnTick(now_);
      } else {
        DeliverOne();
      }
      Collect();
      CheckStep();
      if (net_.empty() && replicas_[1]->serving()) break;
    }
    if (!result_.ok) return result_;
    CheckFinal();
    return result_;
  }

 private:
  struct InFlight {
    uint32_t to;
    ReplMsg msg;
  };

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  void Fail(const std::string& why) {
    if (!result_.ok) return;
    result_.ok = false;
    std::ostringstream o;
    o << "seed " << o_.seed << " (" << o_.nodes << " nodes, rerun with BATON_SIM_SEED=" << o_.seed
      << "): " << why;
    result_.failure = o.str();
  }

  void Boot(uint32_t n) {
    ReplicaOptions ro;
    ro.unsafe_keep_own_cib = o_.break_sync;
    replicas_[n] = std::make_unique<CibReplica>(n, stores_[n].get(), ro);
    if (!replicas_[n]->Init().ok()) Fail("Init failed");
  }

  void Crash(uint32_t n) {
    if (!replicas_[n]) return;
    replicas_[n].reset();
    NewViews();
  }

  void Restart(uint32_t n) {
    if (replicas_[n]) return;
    Boot(n);
    NewViews();
  }

  void Repartition() {
    for (auto& [n, g] : group_) g = Pick(2);
    NewViews();
  }

  // Every group of live nodes gets a new view; it has a DC (its lowest
  // member) only with a majority of all nodes.
  void NewViews() {
    std::map<int, std::set<uint32_t>> groups;
    for (auto& [n, g] : group_) {
      if (replicas_[n]) groups[g].insert(n);
    }
    for (const auto& [g, members] : groups) {
      ++term_;
      ++result_.views;
      std::optional<uint32_t> dc;
      if (static_cast<int>(members.size()) * 2 > o_.nodes) dc = *members.begin();
      for (uint32_t m : members) replicas_[m]->OnView(term_, members, dc, now_);
      view_of_[term_] = members;
    }
  }

  void SubmitAt(uint32_t n) {
    if (!replicas_[n]) return;
    uint64_t id = ++next_request_;
    std::string config = "<configuration change=\"" + std::to_string(id) + "\"/>";
    submitted_[id] = config;
    replicas_[n]->Submit(id, replicas_[n]->current().version, config, now_);
  }

  void DeliverOne() {
    if (net_.empty()) return;
    size_t i = static_cast<size_t>(Pick(static_cast<int>(std::min<size_t>(net_.size(), 4))));
    InFlight m = net_[i];
    if (Pick(10) != 0) net_.erase(net_.begin() + static_cast<long>(i));  // else: delivered twice
    auto& rep = replicas_[m.to];
    if (!rep || !replicas_[m.msg.from]) return;                // a crashed end
    if (group_[m.to] != group_[m.msg.from]) return;           // partitioned meanwhile
    rep->OnMessage(m.msg, now_);
  }

  void Collect() {
    for (auto& [n, rep] : replicas_) {
      if (!rep) continue;
      for (auto& out : rep->TakeOutgoing()) net_.push_back({out.to, std::move(out.msg)});
      for (auto& res : rep->TakeResults()) {
        if (!res.status.ok()) continue;
        ++result_.committed;
        const std::string& config = submitted_[res.request_id];
        auto [it, fresh] = committed_.emplace(res.version, config);
        if (!fresh && it->second != config) {
          Fail("two configurations committed as version " + VersionText(res.version));
        }
        // Committed means durable on every member of a quorate view: check
        // that a majority of stores hold it or something newer.
        int holding = 0;
        for (auto& [m, store] : stores_) {
          auto s = store->Load();
          if (s.ok() && *s && (*s)->version >= res.version) ++holding;
        }
        if (holding * 2 <= o_.nodes) {
          Fail("version " + VersionText(res.version) + " reported committed but held by only " +
               std::to_string(holding) + " stores");
        }
      }
    }
  }

  void CheckStep() {
    if (committed_.empty()) return;
    const auto& [newest, config] = *committed_.rbegin();
    for (auto& [n, rep] : replicas_) {
      if (!rep || !rep->serving()) continue;
      const StoredCib& c = rep->current();
      if (c.version < newest) {
        Fail("serving DC " + std::to_string(n) + " holds " + VersionText(c.version) + ", older than committed " +
             VersionText(newest));
      } else if (c.version == newest && c.config != config) {
        Fail("serving DC " + std::to_string(n) + " holds another configuration as " + VersionText(newest));
      }
    }
  }

  void CheckFinal() {
    if (!replicas_[1]->serving()) {
      Fail("no serving DC after healing");
      return;
    }
    const StoredCib& want = replicas_[1]->current();
    for (auto& [n, rep] : replicas_) {
      if (!(rep->current() == want)) Fail("node " + std::to_string(n) + " differs from the DC after healing");
      auto s = stores_[n]->Load();
      if (!s.ok() || !(s->value_or(StoredCib{}) == want)) Fail("node " + std::to_string(n) + "'s store differs after healing");
    }
    for (const auto& [v, config] : committed_) {
      if (want.version < v) Fail("committed version " + VersionText(v) + " lost");
    }
  }

  SimOptions o_;
  std::mt19937_64 rng_;
  std::map<uint32_t, std::unique_ptr<MemoryCibStore>> stores_;
  std::map<uint32_t, std::unique_ptr<CibReplica>> replicas_;
  std::map<uint32_t, int> group_;
  std::map<uint64_t, std::set<uint32_t>> view_of_;
  std::vector<InFlight> net_;
  std::map<uint64_t, std::string> submitted_;
  std::map<Version, std::string> committed_;
  uint64_t term_ = 0;
  uint64_t next_request_ = 0;
  int64_t now_ = 0;
  SimResult result_;
};

int SeedCount(int fallback) {
  const char* env = std::getenv("BATON_SIM_SEEDS");
  return env ? std::atoi(env) : fallback;
}

SimOptions ForSeed(int s) {
  SimOptions o;
  o.seed = static_cast<uint64_t>(s);
  o.nodes = 3 + s % 3;
  return o;
}

// 10,000 schedules by default (BATON_SIM_SEEDS=N; BATON_SIM_SEED=N reruns one).
TEST(CibSim, SeededSchedulesKeepCommittedConfiguration) {
  int seeds = SeedCount(10000);
  int first = 1;
  if (const char* one = std::getenv("BATON_SIM_SEED")) first = seeds = std::atoi(one);
  int committed = 0;
  for (int s = first; s <= seeds; ++s) {
    SimResult r = Sim(ForSeed(s)).Run();
    ASSERT_TRUE(r.ok) << r.failure;
    committed += r.committed;
  }
  EXPECT_GT(committed, seeds - first + 1);  // changes really went through
}

TEST(CibSim, CatchesADcThatIgnoresNewerCopies) {
  int caught = 0;
  for (int s = 1; s <= 300 && caught == 0; ++s) {
    SimOptions o = ForSeed(s);
    o.break_sync = true;
    if (!Sim(o).Run().ok) ++caught;
  }
  EXPECT_GT(caught, 0) << "the invariant checks missed a DC that overwrites a newer committed CIB";
}

TEST(CibReplica, ChangeAtAMemberIsForwardedAndCommittedEverywhere) {
  MemoryCibStore s1, s2, s3;
  CibReplica r1(1, &s1), r2(2, &s2), r3(3, &s3);
  std::map<uint32_t, CibReplica*> all = {{1, &r1}, {2, &r2}, {3, &r3}};
  for (auto& [n, r] : all) ASSERT_TRUE(r->Init().ok());
  for (auto& [n, r] : all) r->OnView(1, {1, 2, 3}, 1u, 0);
  auto pump = [&] {
    for (int i = 0; i < 50; ++i) {
      bool any = false;
      for (auto& [n, r] : all) {
        for (auto& out : r->TakeOutgoing()) {
          all[out.to]->OnMessage(out.msg, 0);
          any = true;
        }
      }
      if (!any) return;
    }
  };
  pump();
  ASSERT_TRUE(r1.serving());
  r3.Submit(7, r3.current().version, "<configuration a=\"1\"/>", 0);
  pump();
  auto results = r3.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].status.ok()) << results[0].status;
  EXPECT_EQ(results[0].version.epoch, 1);
  for (MemoryCibStore* s : {&s1, &s2, &s3}) EXPECT_EQ((*s->Load())->config, "<configuration a=\"1\"/>");
  // A stale base is refused and changes nothing.
  r2.Submit(8, Version{}, "<configuration a=\"2\"/>", 0);
  pump();
  results = r2.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*s2.Load())->config, "<configuration a=\"1\"/>");
  // Without quorum (no DC) a change is refused at once.
  r2.OnView(2, {2}, std::nullopt, 0);
  r2.Submit(9, r2.current().version, "<configuration a=\"3\"/>", 0);
  results = r2.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CibReplica, NewDcTakesTheNewestCopy) {
  MemoryCibStore s1, s2;
  ASSERT_TRUE(s2.Save({Version{0, 5, 0}, "<configuration newest=\"1\"/>"}).ok());
  ASSERT_TRUE(s1.Save({Version{0, 3, 0}, "<configuration old=\"1\"/>"}).ok());
  CibReplica r1(1, &s1), r2(2, &s2);
  ASSERT_TRUE(r1.Init().ok());
  ASSERT_TRUE(r2.Init().ok());
  r1.OnView(4, {1, 2}, 1u, 0);
  r2.OnView(4, {1, 2}, 1u, 0);
  for (int i = 0; i < 10; ++i) {
    for (auto& out : r1.TakeOutgoing()) r2.OnMessage(out.msg, 0);
    for (auto& out : r2.TakeOutgoing()) r1.OnMessage(out.msg, 0);
  }
  ASSERT_TRUE(r1.serving());
  EXPECT_EQ(r1.current().version.epoch, 5);
  EXPECT_EQ((*s1.Load())->config, "<configuration newest=\"1\"/>");
}

}  // namespace
}  // namespace baton::cib
