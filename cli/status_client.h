// `crm status` and `crm cluster status`: ask the local baton-crmd over its
// control socket and print its answer.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace baton::cli {

// The socket: --socket PATH, else $BATON_SOCKET, else
// $BATON_NODE_DIR/state/crmd.sock (the testbed), else
// /run/baton/crmd.sock.
int RunStatus(const std::vector<std::string>& args, bool cluster, std::ostream& out, std::ostream& err);

}  // namespace baton::cli
