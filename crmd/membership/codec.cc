#include "crmd/membership/codec.h"

#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"
#include "cluster.pb.h"
#include "lib/common/hmac.h"

namespace baton::membership {
namespace {

constexpr uint32_t kVersion = 1;

void ToProto(const View& v, proto::View* out) {
  out->mutable_ring()->set_representative(v.ring.representative);
  out->mutable_ring()->set_seq(v.ring.seq);
  for (NodeId m : v.members) out->add_members(m);
}

}  // namespace

std::string EncodeHeartbeat(const Heartbeat& hb, std::string_view cluster_name, std::string_view key) {
  proto::Heartbeat p;
  p.set_cluster_name(std::string(cluster_name));
  p.set_sender(hb.sender);
  p.set_incarnation(hb.incarnation);
  p.set_seq(hb.seq);
  p.set_link(hb.link);
  for (NodeId n : hb.reachable) p.add_reachable(n);
  for (NodeId n : hb.proposal) p.add_proposal(n);
  p.set_proposal_seq(hb.proposal_seq);
  ToProto(hb.installed, p.mutable_installed());
  p.set_ready(hb.ready);
  p.set_receiver(hb.receiver);
  p.set_receiver_incarnation(hb.receiver_incarnation);
  proto::Datagram d;
  d.set_version(kVersion);
  d.set_heartbeat(p.SerializeAsString());
  d.set_hmac(common::HmacSha256(key, d.heartbeat()));
  return d.SerializeAsString();
}

absl::StatusOr<Heartbeat> DecodeHeartbeat(std::string_view datagram, std::string_view cluster_name,
                                          std::string_view key) {
  if (datagram.size() > kMaxDatagram) {
    return absl::InvalidArgumentError(absl::StrCat("datagram of ", datagram.size(), " bytes is too large"));
  }
  proto::Datagram d;
  if (!d.ParseFromArray(datagram.data(), static_cast<int>(datagram.size()))) {
    return absl::InvalidArgumentError("malformed datagram");
  }
  if (d.version() != kVersion) return absl::InvalidArgumentError(absl::StrCat("unknown version ", d.version()));
  std::string expect = common::HmacSha256(key, d.heartbeat());
  if (d.hmac().size() != expect.size() || CRYPTO_memcmp(d.hmac().data(), expect.data(), expect.size()) != 0) {
    return absl::PermissionDeniedError("bad HMAC: not signed with this cluster's authkey");
  }
  proto::Heartbeat p;
  if (!p.ParseFromString(d.heartbeat())) return absl::InvalidArgumentError("malformed heartbeat");
  if (p.cluster_name() != cluster_name) {
    return absl::InvalidArgumentError(absl::StrCat("heartbeat for cluster '", p.cluster_name(), "'"));
  }
  if (p.sender() == 0) return absl::InvalidArgumentError("heartbeat without a sender");
  Heartbeat hb;
  hb.sender = p.sender();
  hb.incarnation = p.incarnation();
  hb.seq = p.seq();
  hb.link = p.link();
  hb.reachable.insert(p.reachable().begin(), p.reachable().end());
  hb.proposal.insert(p.proposal().begin(), p.proposal().end());
  hb.proposal_seq = p.proposal_seq();
  hb.installed.ring = {p.installed().ring().representative(), p.installed().ring().seq()};
  hb.installed.members.insert(p.installed().members().begin(), p.installed().members().end());
  hb.ready = p.ready();
  hb.receiver = p.receiver();
  hb.receiver_incarnation = p.receiver_incarnation();
  return hb;
}

}  // namespace baton::membership
