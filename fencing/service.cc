// FencerService handlers and the signing PeerClient.
#include "fencing/service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <chrono>

#include "absl/strings/match.h"
#include "fencing/history_store.h"
#include "lib/common/log.h"

namespace baton::fencing {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  auto code = s.code() == absl::StatusCode::kNotFound ? grpc::StatusCode::NOT_FOUND
                                                       : grpc::StatusCode::INVALID_ARGUMENT;
  return grpc::Status(code, std::string(s.message()));
}

std::string Meta(grpc::ServerContext* ctx, const char* key) {
  auto it = ctx->client_metadata().find(key);
  return it == ctx->client_metadata().end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string SigningBytes(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

grpc::Status FencerService::Authenticate(grpc::ServerContext* ctx, const char* method,
                                         const google::protobuf::Message& req, PeerCall* call) {
  if (absl::StartsWith(ctx->peer(), "unix:")) return grpc::Status::OK;  // the 0600 local socket
  PeerCall c;
  c.method = method;
  c.from = Meta(ctx, kMetaNode);
  c.to = Meta(ctx, kMetaTo);
  c.nonce = Meta(ctx, kMetaNonce);
  c.request_id = Meta(ctx, kMetaRequestId);
  absl::Status st = auth_->Verify(&c, Meta(ctx, kMetaTimestamp), Meta(ctx, kMetaMac), SigningBytes(req), WallMs());
  if (st.ok()) {
    if (call) *call = std::move(c);
    return grpc::Status::OK;
  }
  // ipv4:198.18.0.200:41234 -> ipv4:198.18.0.200: one source per address.
  std::string source = ctx->peer().substr(0, ctx->peer().rfind(':'));
  if (auto line = refusals_.Note(method, source, std::string(st.message()), static_cast<uint64_t>(WallMs()))) {
    common::WriteLogLine("baton-fenced", *line);
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(st.message()));
}

void FencerService::SignReply(grpc::ServerContext* ctx, const PeerCall& call, const google::protobuf::Message& reply) {
  if (call.request_id.empty()) return;  // the local socket
  ctx->AddTrailingMetadata(kMetaMac, SignPeerReply(auth_->key(), call, SigningBytes(reply)));
}

grpc::Status FencerService::Fence(grpc::ServerContext* ctx, const FenceRequest* req, FenceReply* reply) {
  PeerCall call;
  if (auto st = Authenticate(ctx, "Fence", *req, &call); !st.ok()) return st;
  if (req->target().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no target node given");
  if (req->target().find_first_of(std::string("\n\r\0 \t=", 6)) != std::string::npos) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "target node name holds a blank, '=' or line break");
  }
  FenceCommand cmd;
  cmd.target = req->target();
  cmd.action = req->action().empty() ? "reboot" : req->action();
  if (req->timeout_ms() > 0) cmd.timeout_ms = req->timeout_ms();
  cmd.allow_self = req->allow_self();
  cmd.delay_ms = req->delay_ms();
  cmd.client = req->client().empty() ? "client" : req->client();
  cmd.origin = req->from_peer() ? call.from : "";
  FenceEvent e = backend_->Fence(std::move(cmd), req->from_peer());
  reply->set_success(e.state == FenceState::kSuccess);
  reply->set_state(std::string(FenceStateName(e.state)));
  reply->set_exit_reason(e.exit_reason);
  ToProto(e, reply->mutable_entry());
  SignReply(ctx, call, *reply);
  return grpc::Status::OK;
}

grpc::Status FencerService::Query(grpc::ServerContext* ctx, const QueryRequest* req, QueryReply* reply) {
  PeerCall call;
  if (auto st = Authenticate(ctx, "Query", *req, &call); !st.ok()) return st;
  for (const auto& d : backend_->Query(req->target())) reply->add_devices(d);
  SignReply(ctx, call, *reply);
  return grpc::Status::OK;
}

grpc::Status FencerService::Hello(grpc::ServerContext*, const HelloRequest*, HelloReply* reply) {
  reply->set_node(auth_->self());
  reply->set_nonce(auth_->nonce());
  return grpc::Status::OK;
}

grpc::Status FencerService::History(grpc::ServerContext* ctx, const HistoryRequest* req, HistoryReply* reply) {
  if (auto st = Authenticate(ctx, "History", *req); !st.ok()) return st;
  for (const auto& e : backend_->History(req->target())) ToProto(e, reply->add_entries());
  return grpc::Status::OK;
}

grpc::Status FencerService::RegisterDevice(grpc::ServerContext* ctx, const DeviceSpec* req, RegisterDeviceReply*) {
  if (auto st = Authenticate(ctx, "RegisterDevice", *req); !st.ok()) return st;
  DeviceConfig d{req->id(), req->agent(), {req->params().begin(), req->params().end()}};
  return ToGrpc(backend_->RegisterDevice(d));
}

grpc::Status FencerService::UnregisterDevice(grpc::ServerContext* ctx, const UnregisterDeviceRequest* req,
                                             UnregisterDeviceReply*) {
  if (auto st = Authenticate(ctx, "UnregisterDevice", *req); !st.ok()) return st;
  return ToGrpc(backend_->UnregisterDevice(req->id()));
}

grpc::Status FencerService::ListDevices(grpc::ServerContext* ctx, const ListDevicesRequest* req,
                                        ListDevicesReply* reply) {
  if (auto st = Authenticate(ctx, "ListDevices", *req); !st.ok()) return st;
  for (const auto& d : backend_->ListDevices()) {
    DeviceSpec* s = reply->add_devices();
    s->set_id(d.id);
    s->set_agent(d.agent);
    for (const auto& [k, v] : d.params) (*s->mutable_params())[k] = v;
  }
  return grpc::Status::OK;
}

grpc::Status FencerService::Confirm(grpc::ServerContext* ctx, const ConfirmRequest* req, ConfirmReply* reply) {
  if (auto st = Authenticate(ctx, "Confirm", *req); !st.ok()) return st;
  if (req->target().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no target node given");
  ToProto(backend_->Confirm(req->target(), req->client().empty() ? "operator" : req->client()), reply->mutable_entry());
  return grpc::Status::OK;
}

absl::StatusOr<PeerCall> PeerClient::Sign(grpc::ClientContext* ctx, const char* method,
                                          const google::protobuf::Message& req, int64_t deadline_ms) {
  auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms);
  if (nonce_.empty()) {
    grpc::ClientContext hello_ctx;
    hello_ctx.set_deadline(std::min(deadline, std::chrono::system_clock::now() + std::chrono::seconds(5)));
    HelloReply hello;
    grpc::Status st = stub_->Hello(&hello_ctx, HelloRequest(), &hello);
    if (!st.ok()) return absl::UnavailableError(absl::StrCat("Hello to ", peer_, ": ", st.error_message()));
    if (hello.node() != peer_ || hello.nonce().empty()) {
      return absl::FailedPreconditionError(absl::StrCat("the fencer at ", peer_, "'s address says it is '",
                                                        hello.node(), "'"));
    }
    nonce_ = hello.nonce();
  }
  PeerCall call;
  call.method = method;
  call.from = self_;
  call.to = peer_;
  call.nonce = nonce_;
  call.request_id = RandomHex128();
  call.ts_ms = WallMs();
  ctx->AddMetadata(kMetaNode, call.from);
  ctx->AddMetadata(kMetaTo, call.to);
  ctx->AddMetadata(kMetaNonce, call.nonce);
  ctx->AddMetadata(kMetaRequestId, call.request_id);
  ctx->AddMetadata(kMetaTimestamp, std::to_string(call.ts_ms));
  ctx->AddMetadata(kMetaMac, SignPeerCall(key_, call, SigningBytes(req)));
  ctx->set_deadline(deadline);
  return call;
}

grpc::Status PeerClient::CheckReply(grpc::ClientContext* ctx, const grpc::Status& st, const PeerCall& call,
                                    const google::protobuf::Message& reply) {
  if (!st.ok()) {
    if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED) nonce_.clear();  // it may have restarted
    return st;
  }
  auto it = ctx->GetServerTrailingMetadata().find(kMetaMac);
  std::string mac = it == ctx->GetServerTrailingMetadata().end() ? std::string()
                                                                   : std::string(it->second.data(), it->second.size());
  if (!SameTag(mac, SignPeerReply(key_, call, SigningBytes(reply)))) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat("the reply of ", peer_, " is not signed for this call"));
  }
  return st;
}

grpc::Status PeerClient::Query(const QueryRequest& req, QueryReply* reply, int64_t deadline_ms) {
  grpc::ClientContext ctx;
  auto call = Sign(&ctx, "Query", req, deadline_ms);
  if (!call.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(call.status().message()));
  return CheckReply(&ctx, stub_->Query(&ctx, req, reply), *call, *reply);
}

grpc::Status PeerClient::Fence(const FenceRequest& req, FenceReply* reply, int64_t deadline_ms) {
  grpc::ClientContext ctx;
  auto call = Sign(&ctx, "Fence", req, deadline_ms);
  if (!call.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(call.status().message()));
  return CheckReply(&ctx, stub_->Fence(&ctx, req, reply), *call, *reply);
}

}  // namespace baton::fencing
