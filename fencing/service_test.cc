// The signed peer path end to end over TCP: PeerClient -> FencerService with
// a fake backend. A call is served once; the same signed call again, to
// another node, or to a restarted receiver is refused before the backend.
#include "fencing/service.h"

#include <gtest/gtest.h>

#include <atomic>

namespace baton::fencing {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

class FakeBackend : public FencerBackend {
 public:
  FenceEvent Fence(FenceCommand cmd, bool) override {
    ++fences;
    FenceEvent e;
    e.id = "e1";
    e.target = cmd.target;
    e.action = cmd.action;
    e.state = FenceState::kSuccess;
    return e;
  }
  std::vector<std::string> Query(const std::string&) override { return {"dev1"}; }
  std::vector<FenceEvent> History(const std::string&) override { return {}; }
  absl::Status RegisterDevice(const DeviceConfig&) override { return absl::OkStatus(); }
  absl::Status UnregisterDevice(const std::string&) override { return absl::OkStatus(); }
  std::vector<DeviceConfig> ListDevices() override { return {}; }
  FenceEvent Confirm(const std::string&, const std::string&) override { return {}; }
  std::atomic<int> fences{0};
};

// One node's fencer on 127.0.0.1, any port.
struct Node {
  Node(const std::string& name) : auth(kKey, name), service(&backend, &auth) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&service);
    server = b.BuildAndStart();
  }
  ~Node() { server->Shutdown(); }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  }
  FakeBackend backend;
  PeerAuthenticator auth;
  FencerService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

TEST(FencerServiceTest, SignedPeerCallsWorkAndRepliesAreChecked) {
  Node n2("n2");
  PeerClient client(n2.Channel(), kKey, "n1", "n2");
  QueryRequest q;
  q.set_target("n3");
  QueryReply qr;
  grpc::Status st = client.Query(q, &qr, 5000);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(qr.devices_size(), 1);
  FenceRequest f;
  f.set_target("n3");
  f.set_from_peer(true);
  FenceReply fr;
  st = client.Fence(f, &fr, 5000);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(fr.success());
  EXPECT_EQ(n2.backend.fences, 1);
  // A client that takes the fencer at n2's address for another node refuses it.
  PeerClient confused(n2.Channel(), kKey, "n1", "n3");
  EXPECT_FALSE(confused.Query(q, &qr, 5000).ok());
  // Another key: refused.
  PeerClient stranger(n2.Channel(), "another key, another key, another", "n1", "n2");
  EXPECT_EQ(stranger.Fence(f, &fr, 5000).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(n2.backend.fences, 1);
}

// The same signed bytes sent again (as an attacker who recorded them would).
TEST(FencerServiceTest, ARecordedCallIsServedOnce) {
  Node n2("n2");
  Node n3("n3");
  auto stub = Fencer::NewStub(n2.Channel());
  grpc::ClientContext hello_ctx;
  HelloReply hello;
  ASSERT_TRUE(stub->Hello(&hello_ctx, HelloRequest(), &hello).ok());
  EXPECT_EQ(hello.node(), "n2");
  FenceRequest f;
  f.set_target("n3");
  PeerCall call{"Fence", "n1", "n2", hello.nonce(), RandomHex128(), WallMs()};
  std::string mac = SignPeerCall(kKey, call, SigningBytes(f));
  auto send = [&](Fencer::Stub* s) {
    grpc::ClientContext ctx;
    ctx.AddMetadata(kMetaNode, call.from);
    ctx.AddMetadata(kMetaTo, call.to);
    ctx.AddMetadata(kMetaNonce, call.nonce);
    ctx.AddMetadata(kMetaRequestId, call.request_id);
    ctx.AddMetadata(kMetaTimestamp, std::to_string(call.ts_ms));
    ctx.AddMetadata(kMetaMac, mac);
    FenceReply r;
    return s->Fence(&ctx, f, &r).error_code();
  };
  EXPECT_EQ(send(stub.get()), grpc::StatusCode::OK);
  EXPECT_EQ(send(stub.get()), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(send(Fencer::NewStub(n3.Channel()).get()), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(n2.backend.fences, 1);
  EXPECT_EQ(n3.backend.fences, 0);
  // Unsigned: refused, not served.
  grpc::ClientContext ctx;
  ListDevicesReply lr;
  EXPECT_EQ(stub->ListDevices(&ctx, ListDevicesRequest(), &lr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace baton::fencing
