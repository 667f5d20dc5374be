#include "lib/control/control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace baton::control {
namespace {

TEST(Control, FramesRoundTripAndWaitForTheWholeFrame) {
  control::ControlRequest req = request::AttrSet("n1", "a\tb", "50%\nx\r", control::FOREVER);
  std::string frame = EncodeFrame(req);
  for (size_t cut = 0; cut < frame.size(); ++cut) {
    auto partial = FramePayload(std::string_view(frame).substr(0, cut));
    ASSERT_TRUE(partial.ok());
    EXPECT_FALSE(partial->has_value()) << "a frame cut at " << cut;
  }
  auto whole = FramePayload(frame);
  ASSERT_TRUE(whole.ok() && whole->has_value());
  control::ControlRequest back;
  ASSERT_TRUE(back.ParseFromArray((*whole)->data(), static_cast<int>((*whole)->size())));
  EXPECT_EQ(back.attr_set().name(), "a\tb");
  EXPECT_EQ(back.attr_set().value(), "50%\nx\r");
  EXPECT_EQ(back.attr_set().lifetime(), control::FOREVER);
}

TEST(Control, RefusesAFrameOverTheLimitBeforeItArrives) {
  std::string header(4, '\0');
  uint32_t n = static_cast<uint32_t>(kMaxControlMessage + 1);
  header[0] = static_cast<char>(n >> 24);
  header[1] = static_cast<char>(n >> 16);
  header[2] = static_cast<char>(n >> 8);
  header[3] = static_cast<char>(n);
  auto r = FramePayload(header);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Control, ErrorsKeepTheirKindAndMessage) {
  auto r = ReplyStatus(ErrorReply(absl::NotFoundError("no attribute 'x'\non n1")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no attribute 'x'\non n1");
  r = ReplyStatus(ErrorReply(absl::InvalidArgumentError("bad")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  auto text = ReplyText(TextReply("some text\n"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "some text\n");
}

// A daemon's side in a thread: reads one frame, answers `reply`.
TEST(Control, CallSendsOneFrameAndReadsTheReply) {
  char dir[] = "/tmp/baton-control-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/crmd.sock";
  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&un), sizeof(un)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  control::ControlRequest got;
  std::thread daemon([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    auto payload = ReadFrame(fd);
    if (payload.ok()) got.ParseFromString(*payload);
    control::ControlReply reply = ErrorReply(absl::FailedPreconditionError("the CIB changed since it was read"));
    std::string frame = EncodeFrame(reply);
    (void)::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  std::string big(1 << 20, 'x');  // more than one socket buffer
  auto r = Call(path, request::CibReplace(1, 2, 3, big));
  daemon.join();
  ::close(listener);
  ::unlink(path.c_str());
  ::rmdir(dir);
  EXPECT_EQ(got.cib_replace().base().epoch(), 2);
  EXPECT_EQ(got.cib_replace().xml().size(), big.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "the CIB changed since it was read");
}

TEST(Control, UnreachableDaemonIsUnavailable) {
  auto r = Call("/nonexistent/baton/crmd.sock", request::Status(false));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(r.status().message()).find("/nonexistent/baton/crmd.sock"), std::string::npos);
}

}  // namespace
}  // namespace baton::control
