// baton-garp: announces a floating address the moment it is added, for the
// IPaddr agent. IPv4: gratuitous ARP requests (sender = target = ADDRESS,
// broadcast). IPv6: unsolicited neighbour advertisements to ff02::1 with the
// Override flag. The first announcement is sent before the command returns;
// the other COUNT-1 follow every INTERVAL ms from a detached child, which
// stops early if the address leaves the interface.
//
// usage: baton-garp [-c COUNT] [-w INTERVAL_MS] INTERFACE ADDRESS
// Exit: 0 the first announcement was sent; 1 it could not be; 2 bad usage.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

struct Target {
  std::string nic;
  int ifindex = 0;
  unsigned char mac[6] = {0};
  int family = AF_INET;
  in_addr v4{};
  in6_addr v6{};
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "baton-garp: %s\nusage: baton-garp [-c COUNT] [-w INTERVAL_MS] INTERFACE ADDRESS\n", why);
  std::exit(2);
}

bool ParseInt(const char* text, long lo, long hi, long* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool AddressOnInterface(const Target& t) {
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) return false;
  bool found = false;
  for (ifaddrs* i = ifs; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || t.nic != i->ifa_name || i->ifa_addr->sa_family != t.family) continue;
    if (t.family == AF_INET) {
      found = std::memcmp(&reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, &t.v4, sizeof(t.v4)) == 0;
    } else {
      found = std::memcmp(&reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, &t.v6, sizeof(t.v6)) == 0;
    }
  }
  freeifaddrs(ifs);
  return found;
}

// One gratuitous ARP request on the interface's link, broadcast.
bool SendArp(const Target& t) {
  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (fd < 0) return false;
  unsigned char pkt[28];
  pkt[0] = 0; pkt[1] = 1;        // hardware type: Ethernet
  pkt[2] = 0x08; pkt[3] = 0x00;  // protocol: IPv4
  pkt[4] = 6; pkt[5] = 4;        // address lengths
  pkt[6] = 0; pkt[7] = 1;        // request
  std::memcpy(pkt + 8, t.mac, 6);
  std::memcpy(pkt + 14, &t.v4, 4);
  std::memset(pkt + 18, 0, 6);
  std::memcpy(pkt + 24, &t.v4, 4);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = t.ifindex;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  bool ok = ::sendto(fd, pkt, sizeof(pkt), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == sizeof(pkt);
  ::close(fd);
  return ok;
}

// One unsolicited neighbour advertisement (Override set) to all nodes; the
// kernel fills in the ICMPv6 checksum.
bool SendNa(const Target& t) {
  int fd = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (fd < 0) return false;
  int hops = 255;
  bool ok = ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) == 0 &&
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &t.ifindex, sizeof(t.ifindex)) == 0 &&
            ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t.nic.c_str(), static_cast<socklen_t>(t.nic.size())) == 0;
  sockaddr_in6 from{};
  from.sin6_family = AF_INET6;
  from.sin6_addr = t.v6;
  ok = ok && ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) == 0;
  unsigned char pkt[sizeof(nd_neighbor_advert) + 8];
  std::memset(pkt, 0, sizeof(pkt));
  auto* na = reinterpret_cast<nd_neighbor_advert*>(pkt);
  na->nd_na_type = ND_NEIGHBOR_ADVERT;
  na->nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
  na->nd_na_target = t.v6;
  unsigned char* opt = pkt + sizeof(nd_neighbor_advert);
  opt[0] = ND_OPT_TARGET_LINKADDR;
  opt[1] = 1;  // in units of 8 octets
  std::memcpy(opt + 2, t.mac, 6);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
  to.sin6_scope_id = static_cast<uint32_t>(t.ifindex);
  ok = ok && ::sendto(fd, pkt, sizeof(pkt), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == sizeof(pkt);
  ::close(fd);
  return ok;
}

bool Announce(const Target& t) { return t.family == AF_INET ? SendArp(t) : SendNa(t); }

}  // namespace

int main(int argc, char** argv) {
  long count = 5, interval_ms = 200;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("option " + flag + " needs a value").c_str());
    if (flag == "-c") {
      if (!ParseInt(argv[++i], 1, 1000, &count)) Usage("-c COUNT must be 1..1000");
    } else if (flag == "-w") {
      if (!ParseInt(argv[++i], 0, 60000, &interval_ms)) Usage("-w INTERVAL_MS must be 0..60000");
    } else {
      Usage(("unknown option " + flag).c_str());
    }
  }
  if (argc - i != 2) Usage("expected INTERFACE and ADDRESS");
  Target t;
  t.nic = argv[i];
  if (t.nic.empty() || t.nic.size() >= IFNAMSIZ) Usage("bad interface name");
  if (inet_pton(AF_INET, argv[i + 1], &t.v4) == 1) {
    t.family = AF_INET;
  } else if (inet_pton(AF_INET6, argv[i + 1], &t.v6) == 1) {
    t.family = AF_INET6;
  } else {
    Usage((std::string("'") + argv[i + 1] + "' is not an IPv4 or IPv6 address").c_str());
  }
  t.ifindex = static_cast<int>(if_nametoindex(t.nic.c_str()));
  if (t.ifindex == 0) {
    std::fprintf(stderr, "baton-garp: no interface '%s'\n", t.nic.c_str());
    return 1;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, t.nic.c_str(), IFNAMSIZ - 1);
  if (fd < 0 || ::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    std::fprintf(stderr, "baton-garp: %s: cannot read the hardware address: %s\n", t.nic.c_str(), std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return 1;
  }
  ::close(fd);
  std::memcpy(t.mac, ifr.ifr_hwaddr.sa_data, 6);
  if (!Announce(t)) {
    std::fprintf(stderr, "baton-garp: %s on %s: cannot send: %s\n", argv[i + 1], t.nic.c_str(), std::strerror(errno));
    return 1;
  }
  if (count == 1) return 0;
  // The rest from a detached child: the agent returns now.
  pid_t pid = ::fork();
  if (pid != 0) return pid < 0 ? 1 : 0;
  ::setsid();
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
  for (long k = 1; k < count; ++k) {
    timespec ts{interval_ms / 1000, (interval_ms % 1000) * 1000000};
    ::nanosleep(&ts, nullptr);
    if (!AddressOnInterface(t)) return 0;  // stopped meanwhile
    (void)Announce(t);
  }
  return 0;
}
