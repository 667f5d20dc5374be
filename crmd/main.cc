// baton-crmd: the coordinator daemon. Parses flags into Options and hands
// them to the wiring object (crmd/daemon).
#include <boost/program_options.hpp>
#include <iostream>

#include "crmd/daemon/crmd.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  baton::crmd::Options o;
  po::options_description desc("usage: baton-crmd [options]");
  desc.add_options()
      ("help,h", "this help")
      ("config", po::value(&o.config_path)->default_value(o.config_path), "cluster configuration")
      ("authkey", po::value(&o.authkey_path), "authkey file (default: 'authkey' beside the configuration)")
      ("state-dir", po::value(&o.state_dir)->default_value(o.state_dir), "state directory")
      ("socket", po::value(&o.socket_path), "control socket (default: /run/baton/crmd.sock; with --state-dir, <state-dir>/crmd.sock)")
      ("node", po::value(&o.node_name), "this node's name (default: found from local addresses)")
      ("fenced-socket", po::value(&o.fenced_socket), "baton-fenced's socket (default: /run/baton/fenced.sock; with --state-dir, <state-dir>/fenced.sock)")
      ("agents-dir", po::value(&o.agents_dir), "baton's OCF agents (default: found beside this binary)")
      ("tools-dir", po::value(&o.tools_dir), "tools agents call (default: found beside this binary)")
      ("rsctmp", po::value(&o.rsctmp)->default_value(o.rsctmp), "HA_RSCTMP for resource agents")
      ("check-config", po::bool_switch(&o.check_config), "validate the configuration and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "baton-crmd: " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  // Installed (no --state-dir): the sockets live in /run/baton, where crm
  // looks for them; a state directory of one's own keeps them beside it.
  if (vm["state-dir"].defaulted()) {
    if (o.socket_path.empty()) o.socket_path = "/run/baton/crmd.sock";
    if (o.fenced_socket.empty()) o.fenced_socket = "/run/baton/fenced.sock";
  }
  auto setup = baton::crmd::LoadSetup(o);
  if (!setup.ok()) {
    std::cerr << "baton-crmd: " << setup.status().message() << "\n";
    return 1;
  }
  if (o.check_config) {
    std::cout << "baton-crmd: " << o.config_path << ": configuration is valid ("
              << setup->config.nodes.size() << " nodes, this is node " << setup->self << ")\n";
    return 0;
  }
  auto st = baton::crmd::Run(o, *std::move(setup));
  if (!st.ok()) {
    std::cerr << "baton-crmd: " << st.message() << "\n";
    return 1;
  }
  return 0;
}
