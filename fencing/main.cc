// baton-fenced: the fencer daemon. Parses flags into FencedOptions and hands
// them to the wiring object (fencing/fenced.h).
#include <signal.h>
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <thread>

#include "fencing/fenced.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  baton::fencing::FencedOptions o;
  std::vector<std::string> agents_dirs;
  po::options_description desc("usage: baton-fenced [options]");
  desc.add_options()
      ("help,h", "this help")
      ("config", po::value(&o.config_path)->default_value(o.config_path), "cluster configuration")
      ("authkey", po::value(&o.authkey_path), "authkey file (default: 'authkey' beside the configuration)")
      ("state-dir", po::value(&o.state_dir)->default_value(o.state_dir), "state directory (fence-history db)")
      ("socket", po::value(&o.socket_path), "local socket (default: /run/baton/fenced.sock; with --state-dir, <state-dir>/fenced.sock)")
      ("node", po::value(&o.node_name), "this node's name (default: the host name)")
      ("devices", po::value(&o.devices_path), "CIB XML with stonith primitives and fencing-topology")
      ("agents-dir", po::value(&agents_dirs)->composing(), "where fence agents are found (repeatable; default /usr/sbin)")
      ("port", po::value(&o.port)->default_value(o.port), "peer port on ring0 (-1: totem port + 10, 0: any)")
      ("timeout", po::value(&o.default_timeout_ms)->default_value(o.default_timeout_ms), "default request timeout, ms")
      ("check-config", po::bool_switch(&o.check_config), "validate the configuration and devices, then exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "baton-fenced: " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (!agents_dirs.empty()) o.agents_dirs = agents_dirs;
  // Installed (no --state-dir): the socket lives in /run/baton, where crm looks.
  if (vm["state-dir"].defaulted() && o.socket_path.empty()) o.socket_path = "/run/baton/fenced.sock";
  umask(077);  // the local socket and the history are private to root
  // Signals are taken by a dedicated thread; every other thread blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto fenced = baton::fencing::Fenced::Create(o);
  if (!fenced.ok()) {
    std::cerr << "baton-fenced: " << fenced.status().message() << "\n";
    return 1;
  }
  if (o.check_config) {
    std::cout << "baton-fenced: configuration is valid (node " << (*fenced)->node() << ", "
              << (*fenced)->ListDevices().size() << " devices)\n";
    return 0;
  }
  baton::fencing::Fenced* f = fenced->get();
  std::thread([f, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    f->Shutdown();
  }).detach();
  auto st = f->Serve();
  if (!st.ok()) {
    std::cerr << "baton-fenced: " << st.message() << "\n";
    return 1;
  }
  return 0;
}
