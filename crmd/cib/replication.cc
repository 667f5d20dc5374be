#include "crmd/cib/replication.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace baton::cib {
namespace {

std::string VersionText(const Version& v) {
  return absl::StrCat(v.admin_epoch, ".", v.epoch, ".", v.num_updates);
}

const char kViewChanged[] =
    "membership changed before every member confirmed the change; it may or may not have been kept "
    "(check the configuration)";

ReplMsg Msg(ReplMsg::Type type) {
  ReplMsg m;
  m.type = type;
  return m;
}

ReplMsg WithCib(ReplMsg::Type type, const StoredCib& cib, uint64_t seq = 0) {
  ReplMsg m = Msg(type);
  m.version = cib.version;
  m.config = cib.config;
  m.written = cib.written;
  m.seq = seq;
  return m;
}

}  // namespace

absl::Status MemoryCibStore::Save(const StoredCib& cib) {
  if (fail_) return absl::InternalError("store: simulated write failure");
  stored_ = cib;
  return absl::OkStatus();
}

CibReplica::CibReplica(uint32_t self, CibStore* store, ReplicaOptions options)
    : self_(self), store_(store), options_(options) {}

absl::Status CibReplica::Init() {
  auto loaded = store_->Load();
  if (!loaded.ok()) return loaded.status();
  if (*loaded) current_ = **loaded;
  return absl::OkStatus();
}

std::set<uint32_t> CibReplica::Others() const {
  std::set<uint32_t> out = members_;
  out.erase(self_);
  return out;
}

void CibReplica::Send(uint32_t to, ReplMsg msg) {
  msg.term = term_;
  msg.from = self_;
  outgoing_.push_back({to, std::move(msg)});
}

void CibReplica::Finish(uint32_t origin, uint64_t request_id, absl::Status status, const Version& version) {
  if (origin == self_) {
    results_.push_back({request_id, std::move(status), version});
    return;
  }
  ReplMsg r;
  r.type = ReplMsg::Type::kResult;
  r.request_id = request_id;
  r.version = version;
  r.code = status.code();
  r.error = std::string(status.message());
  Send(origin, std::move(r));
}

void CibReplica::FailAllPending(const absl::Status& why) {
  if (in_flight_) Finish(in_flight_->origin, in_flight_->request_id, why, {});
  in_flight_.reset();
  for (const auto& p : queue_) Finish(p.origin, p.request_id, why, {});
  queue_.clear();
  for (uint64_t id : forwarded_) results_.push_back({id, why, {}});
  forwarded_.clear();
}

void CibReplica::OnView(uint64_t term, const std::set<uint32_t>& members, std::optional<uint32_t> dc,
                        int64_t now_ms) {
  if (term < term_) return;  // an old view
  // The same view again, unless quorum (and so the DC) changed within it.
  if (term == term_ && members == members_ && dc == dc_) return;
  // Results owed to other nodes cannot reach them in the new term; they fail
  // there on their own view change.
  FailAllPending(absl::UnavailableError(kViewChanged));
  outgoing_.clear();
  term_ = term;
  members_ = members;
  dc_ = dc;
  phase_ = Phase::kIdle;
  last_install_seq_ = 0;
  versions_.clear();
  awaiting_.clear();
  if (!is_dc()) return;
  versions_[self_] = StoredCib{current_.version, "", current_.written};
  awaiting_ = Others();
  phase_ = Phase::kQuerying;
  last_send_ms_ = now_ms;
  for (uint32_t m : awaiting_) Send(m, Msg(ReplMsg::Type::kQuery));
  if (awaiting_.empty()) StartInstall(now_ms);
}

void CibReplica::StartInstall(int64_t now_ms) {
  phase_ = Phase::kInstalling;
  ++install_seq_;
  awaiting_ = Others();
  last_send_ms_ = now_ms;
  for (uint32_t m : awaiting_) {
    Send(m, WithCib(ReplMsg::Type::kInstall, current_, install_seq_));
  }
  if (awaiting_.empty()) InstallDone(now_ms);
}

void CibReplica::InstallDone(int64_t now_ms) {
  if (in_flight_) {
    Finish(in_flight_->origin, in_flight_->request_id, absl::OkStatus(), current_.version);
    in_flight_.reset();
  }
  phase_ = Phase::kServing;
  ApplyNext(now_ms);
}

void CibReplica::ApplyNext(int64_t now_ms) {
  while (phase_ == Phase::kServing && !in_flight_ && !queue_.empty()) {
    Pending p = std::move(queue_.front());
    queue_.erase(queue_.begin());
    if (p.base != current_.version) {
      Finish(p.origin, p.request_id,
             absl::FailedPreconditionError(absl::StrCat("the CIB changed since it was read (read ",
                                                        VersionText(p.base), ", now ",
                                                        VersionText(current_.version), "): re-read and retry")),
             {});
      continue;
    }
    StoredCib next{current_.version, std::move(p.config), term_};
    ++next.version.epoch;
    next.version.num_updates = 0;
    if (auto st = store_->Save(next); !st.ok()) {
      Finish(p.origin, p.request_id, absl::InternalError(absl::StrCat("not saved: ", st.message())), {});
      continue;
    }
    current_ = std::move(next);
    p.config.clear();
    in_flight_ = std::move(p);
    StartInstall(now_ms);
  }
}

void CibReplica::Submit(uint64_t request_id, const Version& base, std::string config, int64_t now_ms) {
  if (!dc_) {
    results_.push_back({request_id,
                        absl::FailedPreconditionError("no quorum: the cluster refuses configuration changes"),
                        {}});
    return;
  }
  if (is_dc()) {
    queue_.push_back({request_id, self_, base, std::move(config)});
    ApplyNext(now_ms);
    return;
  }
  forwarded_.insert(request_id);
  ReplMsg fwd = Msg(ReplMsg::Type::kForward);
  fwd.config = std::move(config);
  fwd.request_id = request_id;
  fwd.base = base;
  Send(*dc_, std::move(fwd));
}

void CibReplica::OnMessage(const ReplMsg& m, int64_t now_ms) {
  if (m.term != term_ || !members_.count(m.from)) return;  // another view's
  switch (m.type) {
    case ReplMsg::Type::kQuery:
      Send(m.from, WithCib(ReplMsg::Type::kVersion, StoredCib{current_.version, "", current_.written}));
      return;
    case ReplMsg::Type::kFetch:
      Send(m.from, WithCib(ReplMsg::Type::kFull, current_));
      return;
    case ReplMsg::Type::kInstall: {
      if (m.from != dc_ || m.seq < last_install_seq_) return;  // a late duplicate of an older install
      last_install_seq_ = m.seq;
      StoredCib next{m.version, m.config, m.written};
      if (next != current_) {
        if (!store_->Save(next).ok()) return;  // no ack: the DC retries
        current_ = std::move(next);
      }
      ReplMsg ack = Msg(ReplMsg::Type::kAck);
      ack.seq = m.seq;
      Send(m.from, std::move(ack));
      return;
    }
    case ReplMsg::Type::kResult: {
      if (m.from != dc_ || !forwarded_.erase(m.request_id)) return;
      absl::Status st = m.code == absl::StatusCode::kOk ? absl::OkStatus() : absl::Status(m.code, m.error);
      results_.push_back({m.request_id, st, m.version});
      return;
    }
    default:
      break;
  }
  if (!is_dc()) return;
  switch (m.type) {
    case ReplMsg::Type::kVersion:
      if (phase_ != Phase::kQuerying || !awaiting_.erase(m.from)) return;
      versions_[m.from] = StoredCib{m.version, "", m.written};
      if (awaiting_.empty()) {
        // The newest copy wins; on a tie our own.
        uint32_t best = self_;
        for (const auto& [node, v] : versions_) {
          if (v.NewerThan(versions_[best])) best = node;
        }
        if (best == self_ || options_.unsafe_keep_own_cib) {
          StartInstall(now_ms);
        } else {
          phase_ = Phase::kFetching;
          fetch_from_ = best;
          awaiting_ = {best};
          last_send_ms_ = now_ms;
          Send(best, Msg(ReplMsg::Type::kFetch));
        }
      }
      return;
    case ReplMsg::Type::kFull: {
      if (phase_ != Phase::kFetching || m.from != fetch_from_) return;
      StoredCib next{m.version, m.config, m.written};
      if (!store_->Save(next).ok()) return;  // retried on the next tick
      current_ = std::move(next);
      StartInstall(now_ms);
      return;
    }
    case ReplMsg::Type::kAck:
      if (phase_ != Phase::kInstalling || m.seq != install_seq_ || !awaiting_.erase(m.from)) return;
      if (awaiting_.empty()) InstallDone(now_ms);
      return;
    case ReplMsg::Type::kForward:
      queue_.push_back({m.request_id, m.from, m.base, m.config});
      ApplyNext(now_ms);
      return;
    default:
      return;
  }
}

void CibReplica::OnTick(int64_t now_ms) {
  if (!is_dc() || awaiting_.empty() || now_ms - last_send_ms_ < options_.retry_ms) return;
  last_send_ms_ = now_ms;
  for (uint32_t m : awaiting_) {
    switch (phase_) {
      case Phase::kQuerying:
        Send(m, Msg(ReplMsg::Type::kQuery));
        break;
      case Phase::kFetching:
        Send(m, Msg(ReplMsg::Type::kFetch));
        break;
      case Phase::kInstalling:
        Send(m, WithCib(ReplMsg::Type::kInstall, current_, install_seq_));
        break;
      default:
        break;
    }
  }
}

std::vector<Outgoing> CibReplica::TakeOutgoing() { return std::exchange(outgoing_, {}); }
std::vector<ChangeResult> CibReplica::TakeResults() { return std::exchange(results_, {}); }

}  // namespace baton::cib
