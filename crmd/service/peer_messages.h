// The peer transport's payloads (proto/crmd.proto) to and from domain types.
// Thin: no logic beyond field mapping and range checks.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "crmd/cib/replication.h"
#include "crmd/transition/status_table.h"
#include "crmd/transition/transition.h"
#include "crmd.pb.h"

namespace baton::service {

std::string EncodeRepl(const cib::ReplMsg& msg);
// `from` is the transport's authenticated sender, not a field of the message.
// InvalidArgument for an unparsable payload or an unknown message type.
absl::StatusOr<cib::ReplMsg> DecodeRepl(const std::string& payload, uint32_t from);

// Operation results and requests between the DC and the nodes' executors.
transition::OpResultRecord FromProto(const crmd::OpResult& p);
void ToProto(const transition::OpResultRecord& r, crmd::OpResult* p);
// A request for `node`'s executor.
transition::GraphAction FromProto(const crmd::OpRequest& o, const std::string& node);
void ToProto(uint64_t graph, const transition::GraphAction& a, crmd::OpRequest* o);

}  // namespace baton::service
