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

transition::OpResultRecord FromProto(const crmd::OpResult& p) {
  transition::OpResultRecord r;
  r.node = p.node();
  r.rsc = p.rsc();
  r.rsc_class = p.rsc_class();
  r.provider = p.provider();
  r.type = p.type();
  r.task = p.task();
  r.interval_ms = p.interval_ms();
  r.call_id = p.call_id();
  r.rc = p.rc();
  r.op_status = p.op_status();
  r.target_rc = p.target_rc();
  r.exit_reason = p.exit_reason();
  r.last_rc_change_s = p.last_rc_change_s();
  r.last_run_s = p.last_run_s();
  r.exec_ms = p.exec_ms();
  r.queue_ms = p.queue_ms();
  r.op_digest = p.op_digest();
  r.transition_key = p.transition_key();
  return r;
}

void ToProto(const transition::OpResultRecord& r, crmd::OpResult* p) {
  p->set_node(r.node);
  p->set_rsc(r.rsc);
  p->set_rsc_class(r.rsc_class);
  p->set_provider(r.provider);
  p->set_type(r.type);
  p->set_task(r.task);
  p->set_interval_ms(r.interval_ms);
  p->set_call_id(r.call_id);
  p->set_rc(r.rc);
  p->set_op_status(r.op_status);
  p->set_target_rc(r.target_rc);
  p->set_exit_reason(r.exit_reason);
  p->set_last_rc_change_s(r.last_rc_change_s);
  p->set_last_run_s(r.last_run_s);
  p->set_exec_ms(r.exec_ms);
  p->set_queue_ms(r.queue_ms);
  p->set_op_digest(r.op_digest);
  p->set_transition_key(r.transition_key);
}

transition::GraphAction FromProto(const crmd::OpRequest& o, const std::string& node) {
  transition::GraphAction a;
  a.id = o.action();
  a.kind = transition::GraphAction::Kind::kResource;
  a.node = node;
  a.rsc = o.rsc();
  a.rsc_class = o.rsc_class();
  a.provider = o.provider();
  a.type = o.type();
  a.task = o.task();
  a.interval_ms = o.interval_ms();
  a.timeout_ms = o.timeout_ms();
  a.params.insert(o.params().begin(), o.params().end());
  a.meta.insert(o.meta().begin(), o.meta().end());
  a.target_rc = o.target_rc();
  a.op_digest = o.op_digest();
  return a;
}

void ToProto(uint64_t graph, const transition::GraphAction& a, crmd::OpRequest* o) {
  o->set_graph(graph);
  o->set_action(a.id);
  o->set_rsc(a.rsc);
  o->set_rsc_class(a.rsc_class);
  o->set_provider(a.provider);
  o->set_type(a.type);
  o->set_task(a.task);
  o->set_interval_ms(a.interval_ms);
  o->set_timeout_ms(a.timeout_ms);
  o->mutable_params()->insert(a.params.begin(), a.params.end());
  o->mutable_meta()->insert(a.meta.begin(), a.meta.end());
  o->set_target_rc(a.target_rc);
  o->set_op_digest(a.op_digest);
}

}  // namespace baton::service
