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

#include "crmd/service/peer_messages.h"

namespace baton::service {
namespace {

TEST(PeerMessages, ReplicationMessagesRoundTrip) {
  cib::ReplMsg m;
  m.type = cib::ReplMsg::Type::kResult;
  m.term = 9;
  m.version = {1, 2, 3};
  m.config = "<configuration/>";
  m.written = 7;
  m.seq = 4;
  m.request_id = 11;
  m.base = {0, 2, 0};
  m.code = absl::StatusCode::kFailedPrecondition;
  m.error = "changed meanwhile";
  auto back = DecodeRepl(EncodeRepl(m), 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->from, 3u);
  EXPECT_EQ(back->type, m.type);
  EXPECT_EQ(back->term, 9u);
  EXPECT_EQ(back->version, m.version);
  EXPECT_EQ(back->config, m.config);
  EXPECT_EQ(back->written, 7u);
  EXPECT_EQ(back->base, m.base);
  EXPECT_EQ(back->code, m.code);
  EXPECT_EQ(back->error, m.error);
}

TEST(PeerMessages, RefusesGarbageAndUnknownTypes) {
  EXPECT_FALSE(DecodeRepl("\xff\xff garbage", 1).ok());
  cib::ReplMsg m;
  std::string good = EncodeRepl(m);
  EXPECT_TRUE(DecodeRepl(good, 1).ok());
  m.type = static_cast<cib::ReplMsg::Type>(99);
  EXPECT_FALSE(DecodeRepl(EncodeRepl(m), 1).ok());
}

}  // namespace
}  // namespace baton::service
