// `crm cluster init | join | remove | token | start | stop | enable |
// disable | status`: forming a cluster without editing cluster.conf, as
// crmsh's bootstrap does for Pacemaker.
//
//   init   on the first node: writes /etc/baton/cluster.conf (this node
//          only) and a new authkey (0400), enables and starts the services,
//          sets a new cluster's defaults (resource-stickiness=1, as pcs
//          does, so that a node's return does not shuffle services), and
//          prints the command that joins further nodes (a join token).
//   join   on a new node: asks a member, with the token, for the
//          configuration and key (lib/join: no ssh needed); every member
//          adds the node to its nodelist live before the answer comes back;
//          then writes both files and starts the services.
//   remove takes a stopped node out of every member's nodelist.
//
// Services are started with systemctl where systemd runs; elsewhere (a
// container, the netns testbed) $BATON_SERVICE_CMD is run as
// `$BATON_SERVICE_CMD start|stop|enable|disable|enable-start` instead.
// $BATON_CONF_DIR replaces /etc/baton (tests).
#pragma once

#include <string>
#include <vector>

#include "cli/tools.h"

namespace baton::cli {

int RunCluster(const std::vector<std::string>& args, ToolContext& ctx);

// The IPv4 (else IPv6) address of interface `name`; the interface of the
// default route when `name` is empty.
absl::StatusOr<std::string> InterfaceAddress(const std::string& name);

}  // namespace baton::cli
