// Operation digests: the MD5 of an operation's parameters in Pacemaker's
// canonical form, recorded with each result (op-digest). When the
// configuration's digest differs from the recorded one, the resource's
// definition changed: it is restarted, or reloaded when the agent can.
#pragma once

#include <map>
#include <string>

namespace baton::scheduler {

// MD5 (hex) of " <parameters k1="v1" k2="v2"/>\n" with keys in byte order.
std::string ParametersDigest(const std::map<std::string, std::string>& params);

}  // namespace baton::scheduler
