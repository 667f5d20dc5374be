// Peer messages (CIB replication) through their protobuf form and back.
#include "crmd/service/peer_messages.h"

#include <gtest/gtest.h>

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
