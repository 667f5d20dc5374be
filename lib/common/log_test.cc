// The daemons' one log line format (log.h).
#include "lib/common/log.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace baton::common {
namespace {

TEST(Log, LineHasTimeDaemonAndTextAndEndsInOneLineFeed) {
  std::string line = FormatLogLine("baton-fenced", "fencing n2: done\n\n");
  std::string prefix = JournalPrefix("fencing n2: done");
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  EXPECT_TRUE(std::regex_match(line.substr(prefix.size()),
                               std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} baton-fenced: fencing n2: done\n)")))
      << line;
}

TEST(Log, PriorityFollowsTheFirstWord) {
  EXPECT_EQ(LogPriority("ERROR: disk full"), 3);
  EXPECT_EQ(LogPriority("warning: slow agent"), 4);
  EXPECT_EQ(LogPriority("notice: view 4"), 5);
  EXPECT_EQ(LogPriority("joined"), 6);
}

}  // namespace
}  // namespace baton::common
