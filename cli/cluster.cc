#include "cli/cluster.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/live.h"
#include "cli/status_client.h"
#include "lib/common/files.h"
#include "lib/config/auth_key.h"
#include "lib/config/cluster_config.h"
#include "lib/control/control.h"
#include "lib/join/join_protocol.h"

namespace baton::cli {
namespace {

constexpr uint16_t kDefaultJoinPort = 5405 + 11;  // totem port + 11 (crmd/daemon/join_server.h)
constexpr size_t kAuthKeyBytes = 256;              // as corosync-keygen writes

constexpr char kUsage[] =
    "usage: crm cluster init [--name NAME] [-i IFACE | --addr ADDR]... [--cluster-name NAME]\n"
    "                        [--totem-token MS] [--port PORT] [--token-ttl SECONDS] [--no-start]\n"
    "       crm cluster join -c MEMBER[:PORT] --token ID.SECRET [--name NAME]\n"
    "                        [-i IFACE | --addr ADDR]... [--no-start]\n"
    "       crm cluster remove [-c] NODE     take a stopped node out of the cluster\n"
    "       crm cluster token [--ttl SECONDS] | --revoke ID\n"
    "                                      a new join token (default valid 1 h)\n"
    "       crm cluster start | stop | enable | disable   this node's baton services\n"
    "       crm cluster status              membership, ring id, links and votes\n"
    "  -i/--addr once per ring (ring0, ring1, ...); default: the address of the\n"
    "  interface of the default route, on one ring.\n";

struct Common {
  std::string name;
  std::vector<std::string> addrs;
  bool start = true;
};

std::string ConfDir(ToolContext& ctx) {
  auto d = ctx.env("BATON_CONF_DIR");
  return d && !d->empty() ? *d : "/etc/baton";
}

std::string ShortHostName() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  std::string h = host;
  return h.substr(0, h.find('.'));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int Usage(ToolContext& ctx, const std::string& problem) {
  *ctx.err << "crm cluster: " << problem << "\n" << kUsage;
  return 2;
}

// start | stop | enable | disable | enable-start for both services.
absl::Status Services(ToolContext& ctx, const std::string& action) {
  std::vector<std::string> argv;
  if (auto cmd = ctx.env("BATON_SERVICE_CMD"); cmd && !cmd->empty()) {
    argv = {*cmd, action};
  } else if (Exists("/run/systemd/system")) {
    // The fencer first on start; the coordinator first on stop (its clean
    // leave hands the resources over while the fencer is still there).
    if (action == "enable-start") {
      argv = {"systemctl", "enable", "--now", "baton-fenced.service", "baton-crmd.service"};
    } else if (action == "stop") {
      argv = {"systemctl", "stop", "baton-crmd.service", "baton-fenced.service"};
    } else {
      argv = {"systemctl", action, "baton-fenced.service", "baton-crmd.service"};
    }
  } else {
    return absl::FailedPreconditionError(
        "systemd is not running here: start baton-fenced and baton-crmd as their units' ExecStart lines do, or "
        "set BATON_SERVICE_CMD to a command that takes start|stop|enable|disable|enable-start");
  }
  int rc = common::RunAndWait(argv);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("'", absl::StrJoin(argv, " "), "' failed (exit ", rc, ")"));
  }
  return absl::OkStatus();
}

// --name, -i, --addr, --no-start; unknown options are left in `rest`.
absl::Status ParseCommon(const std::vector<std::string>& args, Common* c, std::vector<std::string>* rest) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(a, " needs ", what));
      return args[++i];
    };
    if (a == "--name" || a == "-N") {
      auto v = value("a node name");
      if (!v.ok()) return v.status();
      c->name = *v;
    } else if (a == "-i" || a == "--interface") {
      auto v = value("an interface");
      if (!v.ok()) return v.status();
      auto addr = InterfaceAddress(*v);
      if (!addr.ok()) return addr.status();
      c->addrs.push_back(*addr);
    } else if (a == "--addr" || a == "-A") {
      auto v = value("an address");
      if (!v.ok()) return v.status();
      sockaddr_storage sa;
      socklen_t len;
      if (!common::ToSockaddr(*v, 0, &sa, &len)) {
        return absl::InvalidArgumentError(absl::StrCat("--addr '", *v, "' is not an IPv4 or IPv6 address"));
      }
      c->addrs.push_back(*v);
    } else if (a == "--no-start") {
      c->start = false;
    } else {
      rest->push_back(a);
    }
  }
  if (c->name.empty()) c->name = ShortHostName();
  if (c->addrs.empty()) {
    auto addr = InterfaceAddress("");
    if (!addr.ok()) return addr.status();
    c->addrs.push_back(*addr);
  }
  return absl::OkStatus();
}

// Waits until the local baton-crmd answers `request` (up to `seconds`).
absl::StatusOr<control::ControlReply> WaitFor(ToolContext& ctx, const control::ControlRequest& request,
                                              int seconds) {
  absl::StatusOr<control::ControlReply> r = absl::UnavailableError("not asked yet");
  for (int i = 0; i < seconds * 10; ++i) {
    r = ctx.backend->Call(request);
    if (r.ok() || r.status().code() == absl::StatusCode::kPermissionDenied) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

absl::Status WriteKeyAndConfig(const std::string& dir, const std::string& key, const std::string& conf) {
  ::mkdir(dir.c_str(), 0755);
  if (auto st = common::WriteFileDurably(dir + "/authkey", key, 0400); !st.ok()) return st;
  return common::WriteFileDurably(dir + "/cluster.conf", conf, 0644);
}

absl::Status RefuseIfConfigured(const std::string& dir) {
  if (Exists(dir + "/cluster.conf")) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, "/cluster.conf exists: this node is already configured for a cluster (to start over, stop the "
             "services, and move it and the authkey aside)"));
  }
  return absl::OkStatus();
}

void PrintJoinHint(ToolContext& ctx, const control::JoinToken& token) {
  time_t t = static_cast<time_t>(token.expires_s());
  char when[64];
  strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
  std::string member = token.address().find(':') != std::string::npos ? absl::StrCat("[", token.address(), "]")
                                                                        : token.address();
  std::string port = token.port() == kDefaultJoinPort ? "" : absl::StrCat(":", token.port());
  *ctx.out << "To add a node, run on it as root (the token is valid until " << when << "):\n"
           << "  crm cluster join -c " << member << port << " --token " << token.token() << "\n";
}

int Init(const std::vector<std::string>& args, ToolContext& ctx) {
  Common c;
  std::vector<std::string> rest;
  if (auto st = ParseCommon(args, &c, &rest); !st.ok()) return Usage(ctx, std::string(st.message()));
  config::ClusterConfig cfg;
  cfg.cluster_name = "hacluster";
  int64_t ttl = join::kDefaultTokenTtlS;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    bool has = i + 1 < rest.size();
    uint32_t n = 0;
    if (a == "--cluster-name" && has) {
      cfg.cluster_name = rest[++i];
    } else if (a == "--totem-token" && has && absl::SimpleAtoi(rest[i + 1], &n)) {
      cfg.token_ms = n;
      cfg.heartbeat_interval_ms = std::max<uint32_t>(1, n / 5);
      ++i;
    } else if (a == "--port" && has && absl::SimpleAtoi(rest[i + 1], &n) && n > 0 && n <= 65535 - 11) {
      cfg.port = n;
      ++i;
    } else if (a == "--token-ttl" && has && absl::SimpleAtoi(rest[i + 1], &ttl) && ttl > 0 && ttl <= 7 * 86400) {
      ++i;
    } else {
      return Usage(ctx, absl::StrCat("init: '", a, "' is not an option here, or its value is out of range (--totem-token "
                                     "50.., --port 1..65524, --token-ttl 1..604800)"));
    }
  }
  if (::geteuid() != 0) {
    *ctx.err << "crm cluster init: must be run as root (it writes the configuration and starts services)\n";
    return 4;
  }
  std::string dir = ConfDir(ctx);
  if (auto st = RefuseIfConfigured(dir); !st.ok()) {
    *ctx.err << "crm cluster init: " << st.message() << "\n";
    return 1;
  }
  cfg.nodes.push_back({1, c.name, c.addrs, 1});
  std::string text = config::FormatClusterConfig(cfg);
  if (auto parsed = config::ParseClusterConfig(text); !parsed.ok()) {
    *ctx.err << "crm cluster init: " << parsed.status().message() << "\n";
    return 2;
  }
  if (auto st = WriteKeyAndConfig(dir, join::RandomBytes(kAuthKeyBytes), text); !st.ok()) {
    *ctx.err << "crm cluster init: " << st.message() << "\n";
    return 1;
  }
  *ctx.out << "Wrote " << dir << "/cluster.conf (cluster '" << cfg.cluster_name << "', node " << c.name << " on "
           << absl::StrJoin(c.addrs, ", ") << ") and a new " << dir << "/authkey\n";
  if (!c.start) return 0;
  if (auto st = Services(ctx, "enable-start"); !st.ok()) {
    *ctx.err << "crm cluster init: " << st.message() << "\n";
    return 1;
  }
  // A new cluster's defaults, once the DC can write.
  absl::Status defaults = absl::UnavailableError("baton-crmd did not answer within 30 s");
  for (int i = 0; i < 60; ++i) {
    std::ostringstream quiet_out, quiet_err;
    ToolContext q = ctx;
    q.out = &quiet_out;
    q.err = &quiet_err;
    if (RunConfigure({"rsc_defaults", "resource-stickiness=1"}, q) == 0) {
      defaults = absl::OkStatus();
      break;
    }
    defaults = absl::UnavailableError(quiet_err.str());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!defaults.ok()) {
    *ctx.err << "crm cluster init: the services started, but the defaults could not be set: "
             << defaults.message() << "\n";
    return 1;
  }
  auto token = WaitFor(ctx, control::request::JoinToken(ttl), 10);
  if (!token.ok()) {
    *ctx.err << "crm cluster init: no join token: " << token.status().message() << "\n";
    return 1;
  }
  *ctx.out << "Cluster '" << cfg.cluster_name << "' is running on " << c.name << " (rsc_defaults "
           << "resource-stickiness=1).\n";
  PrintJoinHint(ctx, token->join_token());
  return 0;
}

int Join(const std::vector<std::string>& args, ToolContext& ctx) {
  Common c;
  std::vector<std::string> rest;
  if (auto st = ParseCommon(args, &c, &rest); !st.ok()) return Usage(ctx, std::string(st.message()));
  std::string member, token_text;
  for (size_t i = 0; i < rest.size(); ++i) {
    bool has = i + 1 < rest.size();
    if ((rest[i] == "-c" || rest[i] == "--cluster-node") && has) {
      member = rest[++i];
    } else if (rest[i] == "--token" && has) {
      token_text = rest[++i];
    } else {
      return Usage(ctx, absl::StrCat("join: unexpected '", rest[i], "'"));
    }
  }
  if (member.empty() || token_text.empty()) return Usage(ctx, "join needs -c MEMBER and --token ID.SECRET");
  auto token = join::ParseJoinToken(token_text);
  if (!token.ok()) return Usage(ctx, std::string(token.status().message()));
  uint16_t port = kDefaultJoinPort;
  std::string host = member;
  if (!member.empty() && member.front() == '[') {  // [v6]:port
    auto close = member.find(']');
    if (close == std::string::npos) return Usage(ctx, absl::StrCat("-c '", member, "': no closing ']'"));
    host = member.substr(1, close - 1);
    if (close + 1 < member.size()) {
      uint32_t p = 0;
      if (member[close + 1] != ':' || !absl::SimpleAtoi(member.substr(close + 2), &p) || p == 0 || p > 65535) {
        return Usage(ctx, absl::StrCat("-c '", member, "': bad port"));
      }
      port = static_cast<uint16_t>(p);
    }
  } else if (std::count(member.begin(), member.end(), ':') == 1) {
    uint32_t p = 0;
    host = member.substr(0, member.find(':'));
    if (!absl::SimpleAtoi(member.substr(member.find(':') + 1), &p) || p == 0 || p > 65535) {
      return Usage(ctx, absl::StrCat("-c '", member, "': bad port"));
    }
    port = static_cast<uint16_t>(p);
  }
  // A name: resolve it (the join is authenticated by the token, not the name).
  sockaddr_storage sa;
  socklen_t sa_len;
  if (!common::ToSockaddr(host, 0, &sa, &sa_len)) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
      *ctx.err << "crm cluster join: cannot resolve member '" << host << "'\n";
      return 2;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    if (res->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof(buf));
    } else {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, buf, sizeof(buf));
    }
    freeaddrinfo(res);
    host = buf;
  }
  if (::geteuid() != 0) {
    *ctx.err << "crm cluster join: must be run as root (it writes the configuration and starts services)\n";
    return 4;
  }
  std::string dir = ConfDir(ctx);
  if (auto st = RefuseIfConfigured(dir); !st.ok()) {
    *ctx.err << "crm cluster join: " << st.message() << "\n";
    return 1;
  }
  proto::JoinRequestBody req;
  req.set_name(c.name);
  for (const auto& a : c.addrs) req.add_ring_addrs(a);
  auto reply = join::RequestJoin(host, port, *token, req, 30000);
  if (!reply.ok()) {
    *ctx.err << "crm cluster join: " << reply.status().message() << "\n";
    return 1;
  }
  if (!reply->error().empty()) {
    *ctx.err << "crm cluster join: refused by " << host << ": " << reply->error() << "\n";
    return 1;
  }
  auto cfg = config::ParseClusterConfig(reply->cluster_conf());
  bool listed = false;
  if (cfg.ok()) {
    for (const auto& n : cfg->nodes) listed = listed || (n.name == c.name && n.nodeid == reply->nodeid());
  }
  if (!cfg.ok() || !listed || reply->authkey().size() < config::kMinAuthKeyBytes) {
    *ctx.err << "crm cluster join: the member's answer is not a configuration with this node in it"
             << (cfg.ok() ? "" : absl::StrCat(": ", cfg.status().message())) << "\n";
    return 1;
  }
  if (auto st = WriteKeyAndConfig(dir, reply->authkey(), reply->cluster_conf()); !st.ok()) {
    *ctx.err << "crm cluster join: " << st.message() << "\n";
    return 1;
  }
  std::vector<std::string> names;
  for (const auto& n : cfg->nodes) names.push_back(n.name);
  *ctx.out << "Joined cluster '" << cfg->cluster_name << "' as " << c.name << " (node id " << reply->nodeid()
           << "); nodelist: " << absl::StrJoin(names, " ") << "\n";
  if (!c.start) return 0;
  if (auto st = Services(ctx, "enable-start"); !st.ok()) {
    *ctx.err << "crm cluster join: " << st.message() << "\n";
    return 1;
  }
  if (auto up = WaitFor(ctx, control::request::Status(/*cluster=*/true), 30); !up.ok()) {
    *ctx.err << "crm cluster join: the services started, but baton-crmd does not answer: "
             << up.status().message() << "\n";
    return 1;
  }
  return 0;
}

int Remove(const std::vector<std::string>& args, ToolContext& ctx) {
  std::vector<std::string> a = args;
  if (!a.empty() && (a[0] == "-c" || a[0] == "--cluster-node")) a.erase(a.begin());
  if (a.size() != 1) return Usage(ctx, "remove takes one node");
  auto r = control::ReplyText(ctx.backend->Call(control::request::NodelistRemove(a[0])));
  if (!r.ok()) {
    *ctx.err << "crm cluster remove: " << r.status().message() << "\n";
    return r.status().code() == absl::StatusCode::kPermissionDenied ? 4 : 1;
  }
  *ctx.out << *r;
  return 0;
}

int Token(const std::vector<std::string>& args, ToolContext& ctx) {
  if (args.size() == 2 && args[0] == "--revoke") {
    auto r = ctx.backend->Call(control::request::JoinTokenRevoke(args[1]));
    if (!r.ok()) {
      *ctx.err << "crm cluster token: " << r.status().message() << "\n";
      return 1;
    }
    *ctx.out << "revoked " << args[1] << "\n";
    return 0;
  }
  int64_t ttl = join::kDefaultTokenTtlS;
  if (!args.empty() &&
      !(args.size() == 2 && args[0] == "--ttl" && absl::SimpleAtoi(args[1], &ttl) && ttl > 0 && ttl <= 7 * 86400)) {
    return Usage(ctx, "token takes --ttl SECONDS (1 to 604800) or --revoke ID");
  }
  auto r = ctx.backend->Call(control::request::JoinToken(ttl));
  if (!r.ok()) {
    *ctx.err << "crm cluster token: " << r.status().message() << "\n";
    return r.status().code() == absl::StatusCode::kPermissionDenied ? 4 : 1;
  }
  PrintJoinHint(ctx, r->join_token());
  return 0;
}

}  // namespace

absl::StatusOr<std::string> InterfaceAddress(const std::string& name) {
  std::string iface = name;
  if (iface.empty()) {
    std::ifstream routes("/proc/net/route");
    std::string line;
    std::getline(routes, line);  // header
    while (std::getline(routes, line)) {
      std::istringstream f(line);
      std::string dev, dest;
      f >> dev >> dest;
      if (dest == "00000000") {
        iface = dev;
        break;
      }
    }
    if (iface.empty()) {
      return absl::NotFoundError("no default route to find this node's address by: give -i IFACE or --addr ADDR");
    }
  }
  struct ifaddrs* ifs = nullptr;
  if (::getifaddrs(&ifs) != 0) return absl::UnavailableError("getifaddrs failed");
  std::string v4, v6;
  for (struct ifaddrs* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr || iface != i->ifa_name) continue;
    char buf[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET && v4.empty()) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof(buf));
      v4 = buf;
    } else if (i->ifa_addr->sa_family == AF_INET6 && v6.empty()) {
      auto* a6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr)) continue;
      inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf));
      v6 = buf;
    }
  }
  ::freeifaddrs(ifs);
  if (!v4.empty()) return v4;
  if (!v6.empty()) return v6;
  return absl::NotFoundError(absl::StrCat("interface '", iface, "' has no usable address (is it up and numbered?)"));
}

int RunCluster(const std::vector<std::string>& args, ToolContext& ctx) {
  if (args.empty() || args[0] == "help" || args[0] == "--help") {
    *(args.empty() ? ctx.err : ctx.out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string sub = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "init") return Init(rest, ctx);
  if (sub == "join") return Join(rest, ctx);
  if (sub == "remove" || sub == "delete") return Remove(rest, ctx);
  if (sub == "token") return Token(rest, ctx);
  if (sub == "status") return RunStatus(rest, /*cluster=*/true, *ctx.out, *ctx.err);
  if (sub == "start" || sub == "stop" || sub == "enable" || sub == "disable") {
    if (!rest.empty()) return Usage(ctx, absl::StrCat(sub, " takes no arguments (this node only)"));
    if (auto st = Services(ctx, sub); !st.ok()) {
      *ctx.err << "crm cluster " << sub << ": " << st.message() << "\n";
      return 1;
    }
    return 0;
  }
  return Usage(ctx, absl::StrCat("unknown command '", sub, "'"));
}

}  // namespace baton::cli
