// Refusal log lines: one per kind and source per window, nothing lost.
#include "lib/common/log_limiter.h"

#include <gtest/gtest.h>

namespace baton::common {
namespace {

TEST(LogLimiterTest, OneLinePerKindAndSourcePerWindowWithTheCountOfTheRest) {
  LogLimiter log(60000);
  auto first = log.Note("Fence", "ipv4:198.18.0.200", "unsigned", 1000);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, "refused Fence from ipv4:198.18.0.200: unsigned");
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(log.Note("Fence", "ipv4:198.18.0.200", "unsigned", 2000 + i));
  EXPECT_TRUE(log.Note("Fence", "ipv4:198.18.0.3", "unsigned", 3000));    // another source
  EXPECT_TRUE(log.Note("History", "ipv4:198.18.0.200", "unsigned", 3000));  // another kind
  EXPECT_TRUE(log.Flush(30000).empty());  // the window is not over
  auto next = log.Note("Fence", "ipv4:198.18.0.200", "unsigned", 61000);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, "refused Fence from ipv4:198.18.0.200: unsigned (and 1000 more refused before, not logged)");
}

TEST(LogLimiterTest, FlushReportsWhatAQuietSourceLeftOut) {
  LogLimiter log(60000);
  ASSERT_TRUE(log.Note("frame", "198.18.0.2", "bad MAC", 0));
  EXPECT_FALSE(log.Note("frame", "198.18.0.2", "bad MAC", 10));
  EXPECT_FALSE(log.Note("frame", "198.18.0.2", "bad MAC", 20));
  auto lines = log.Flush(60001);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "refused frame from 198.18.0.2: 2 more in the last 60 s, not logged one by one");
  EXPECT_TRUE(log.Flush(200000).empty());
  EXPECT_EQ(*log.Note("frame", "198.18.0.2", "bad MAC", 200001), "refused frame from 198.18.0.2: bad MAC");
}

TEST(LogLimiterTest, ManySourcesShareOneLine) {
  LogLimiter log(60000, 2);
  EXPECT_TRUE(log.Note("heartbeat", "a", "", 0));
  EXPECT_TRUE(log.Note("heartbeat", "b", "", 0));
  EXPECT_EQ(*log.Note("heartbeat", "c", "", 0), "refused heartbeat from other sources");
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(log.Note("heartbeat", "x" + std::to_string(i), "", 1));
}

}  // namespace
}  // namespace baton::common
