// The gRPC edge of the fencer: FencerService converts protobuf to domain
// types and makes one FencerBackend call per RPC; PeerClient calls another
// node's fencer with signed metadata. No fencing logic lives here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fencing/devices_file.h"
#include "fencing/engine.h"
#include "fencing/peer_auth.h"
#include "lib/common/log_limiter.h"
#include <grpcpp/grpcpp.h>

#include "proto/fencing.grpc.pb.h"

namespace baton::fencing {

// What the service needs from the daemon. Thread-safety: every method may
// be called concurrently from gRPC threads.
class FencerBackend {
 public:
  virtual ~FencerBackend() = default;
  // Blocks until the request completed; the event's state is the result.
  virtual FenceEvent Fence(FenceCommand cmd, bool from_peer) = 0;
  virtual std::vector<std::string> Query(const std::string& target) = 0;
  virtual std::vector<FenceEvent> History(const std::string& target) = 0;
  virtual absl::Status RegisterDevice(const DeviceConfig& device) = 0;
  virtual absl::Status UnregisterDevice(const std::string& id) = 0;
  virtual std::vector<DeviceConfig> ListDevices() = 0;
  virtual FenceEvent Confirm(const std::string& target, const std::string& client) = 0;
};

// Calls from a unix-socket peer are trusted; any other peer must sign for
// this receiver (see peer_auth.h), and its replies to Fence and Query are
// signed back. Refusals are logged rate-limited per source address.
class FencerService final : public Fencer::Service {
 public:
  FencerService(FencerBackend* backend, PeerAuthenticator* auth) : backend_(backend), auth_(auth) {}

  grpc::Status Fence(grpc::ServerContext* ctx, const FenceRequest* req, FenceReply* reply) override;
  grpc::Status Query(grpc::ServerContext* ctx, const QueryRequest* req, QueryReply* reply) override;
  grpc::Status History(grpc::ServerContext* ctx, const HistoryRequest* req, HistoryReply* reply) override;
  grpc::Status RegisterDevice(grpc::ServerContext* ctx, const DeviceSpec* req, RegisterDeviceReply* reply) override;
  grpc::Status UnregisterDevice(grpc::ServerContext* ctx, const UnregisterDeviceRequest* req,
                                UnregisterDeviceReply* reply) override;
  grpc::Status ListDevices(grpc::ServerContext* ctx, const ListDevicesRequest* req, ListDevicesReply* reply) override;
  grpc::Status Confirm(grpc::ServerContext* ctx, const ConfirmRequest* req, ConfirmReply* reply) override;
  grpc::Status Hello(grpc::ServerContext* ctx, const HelloRequest* req, HelloReply* reply) override;

 private:
  // OK for the local socket (call stays empty) or an authentic peer call
  // (call says what it was signed for).
  grpc::Status Authenticate(grpc::ServerContext* ctx, const char* method, const google::protobuf::Message& req,
                            PeerCall* call = nullptr);
  void SignReply(grpc::ServerContext* ctx, const PeerCall& call, const google::protobuf::Message& reply);
  FencerBackend* backend_;
  PeerAuthenticator* auth_;
  common::LogLimiter refusals_;
};

// Deterministic serialization: the bytes both sides sign.
std::string SigningBytes(const google::protobuf::Message& m);

// Signs and sends calls to one peer fencer, named `peer` in the nodelist;
// learns its nonce with Hello before the first call, and refuses replies
// not signed for the call they answer.
class PeerClient {
 public:
  PeerClient(std::shared_ptr<grpc::Channel> channel, std::string key, std::string self, std::string peer)
      : stub_(Fencer::NewStub(std::move(channel))), key_(std::move(key)), self_(std::move(self)),
        peer_(std::move(peer)) {}

  grpc::Status Query(const QueryRequest& req, QueryReply* reply, int64_t deadline_ms);
  grpc::Status Fence(const FenceRequest& req, FenceReply* reply, int64_t deadline_ms);

 private:
  absl::StatusOr<PeerCall> Sign(grpc::ClientContext* ctx, const char* method, const google::protobuf::Message& req,
                                int64_t deadline_ms);
  grpc::Status CheckReply(grpc::ClientContext* ctx, const grpc::Status& st, const PeerCall& call,
                          const google::protobuf::Message& reply);
  std::unique_ptr<Fencer::Stub> stub_;
  std::string key_;
  std::string self_;
  std::string peer_;
  std::string nonce_;  // the peer's, from Hello
};

int64_t WallMs();

}  // namespace baton::fencing
