#include "crmd/service/peer_messages.h"

#include "crmd.pb.h"

namespace baton::service {
namespace {

void ToProto(const cib::Version& v, crmd::CibVersion* p) {
  p->set_admin_epoch(v.admin_epoch);
  p->set_epoch(v.epoch);
  p->set_num_updates(v.num_updates);
}

cib::Version FromProto(const crmd::CibVersion& p) { return {p.admin_epoch(), p.epoch(), p.num_updates()}; }

}  // namespace

std::string EncodeRepl(const cib::ReplMsg& m) {
  crmd::PeerMessage pm;
  crmd::Repl* r = pm.mutable_repl();
  r->set_type(static_cast<int32_t>(m.type));
  r->set_term(m.term);
  ToProto(m.version, r->mutable_version());
  r->set_config(m.config);
  r->set_written(m.written);
  r->set_seq(m.seq);
  r->set_request_id(m.request_id);
  ToProto(m.base, r->mutable_base());
  r->set_code(static_cast<int32_t>(m.code));
  r->set_error(m.error);
  return pm.SerializeAsString();
}

absl::StatusOr<cib::ReplMsg> DecodeRepl(const std::string& payload, uint32_t from) {
  crmd::PeerMessage pm;
  if (!pm.ParseFromString(payload) || !pm.has_repl()) {
    return absl::InvalidArgumentError("peer message is not a replication message");
  }
  const crmd::Repl& r = pm.repl();
  if (r.type() < static_cast<int>(cib::ReplMsg::Type::kQuery) ||
      r.type() > static_cast<int>(cib::ReplMsg::Type::kResult)) {
    return absl::InvalidArgumentError("unknown replication message type");
  }
  if (r.code() < 0 || r.code() > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::InvalidArgumentError("unknown status code in a replication result");
  }
  cib::ReplMsg m;
  m.type = static_cast<cib::ReplMsg::Type>(r.type());
  m.term = r.term();
  m.from = from;
  m.version = FromProto(r.version());
  m.config = r.config();
  m.written = r.written();
  m.seq = r.seq();
  m.request_id = r.request_id();
  m.base = FromProto(r.base());
  m.code = static_cast<absl::StatusCode>(r.code());
  m.error = r.error();
  return m;
}

}  // namespace baton::service
