#include "crmd/service/control.h"

#include <gtest/gtest.h>

namespace baton::service {
namespace {

TEST(Control, FieldsRoundTripWithTabsNewlinesAndPercents) {
  std::vector<std::string> fields = {"attr-set", "n1", "a\tb", "50%\nx\r", ""};
  std::string line = EncodeRequest(fields);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  line.pop_back();
  auto back = DecodeRequest(line);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, fields);
}

TEST(Control, RefusesBadEscapes) {
  EXPECT_FALSE(DecodeRequest("attr-get\t%zz").ok());
  EXPECT_FALSE(DecodeRequest("attr-get\t%2").ok());
  EXPECT_FALSE(DecodeRequest("a\nb").ok());
}

TEST(Control, ErrorsKeepTheirKind) {
  auto r = ParseReply(ErrorReply(absl::NotFoundError("no attribute 'x'\non n1")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no attribute 'x' on n1");
  r = ParseReply(ErrorReply(absl::InvalidArgumentError("bad")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = ParseReply("some text\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "some text\n");
}

TEST(Control, UnreachableDaemonIsUnavailable) {
  auto r = Call("/nonexistent/baton/crmd.sock", {"status"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(r.status().message()).find("/nonexistent/baton/crmd.sock"), std::string::npos);
}

}  // namespace
}  // namespace baton::service
