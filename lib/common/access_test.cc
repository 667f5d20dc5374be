// The access helpers and the journal priorities.
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "lib/common/access.h"
#include "lib/common/log.h"

namespace baton::common {
namespace {

bool GroupExists() { return getgrnam(kClusterGroup) != nullptr; }

TEST(Access, RootAndOwnUserMayUseTheCluster) {
  EXPECT_TRUE(MayUseCluster(0, 0));
  EXPECT_TRUE(MayUseCluster(::geteuid(), ::getegid()));
}

TEST(Access, StrangerWithoutTheGroupMayNot) {
  // An unassigned uid with no passwd entry and a gid that is not haclient.
  const uid_t stranger = 54321;
  const gid_t other = 54321;
  if (::geteuid() == stranger) GTEST_SKIP() << "running as the test's stranger uid";
  EXPECT_FALSE(MayUseCluster(stranger, other));
}

TEST(Access, PrimaryGroupHaclientMay) {
  struct group* g = getgrnam(kClusterGroup);
  if (g == nullptr) GTEST_SKIP() << "no haclient group on this machine";
  EXPECT_TRUE(MayUseCluster(54321, g->gr_gid));
}

TEST(Access, RefusalNamesTheUserAndTheGroup) {
  std::string m = NoAccessMessage(54321);
  EXPECT_NE(m.find("uid 54321"), std::string::npos) << m;
  EXPECT_NE(m.find("haclient"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST(Access, SocketIsRestrictedToRootAndTheGroup) {
  char dir[] = "/tmp/baton-access-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string sub = std::string(dir) + "/run/baton";
  ASSERT_TRUE(MakeSocketDirectory(sub).ok());
  struct stat st;
  ASSERT_EQ(::stat(sub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, GroupExists() ? 0750u : 0700u);

  std::string path = sub + "/test.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)), 0);
  ASSERT_TRUE(RestrictClusterSocket(path).ok());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, GroupExists() ? 0660u : 0600u);
  if (GroupExists()) {
    EXPECT_EQ(st.st_gid, getgrnam(kClusterGroup)->gr_gid);
  }
  ::close(fd);

  EXPECT_FALSE(RestrictClusterSocket(sub + "/missing.sock").ok());
  std::system((std::string("rm -rf ") + dir).c_str());
}

TEST(Access, PeerCredentialsOfASocketPair) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  PeerCredentials c;
  ASSERT_TRUE(GetPeerCredentials(sv[0], &c).ok());
  EXPECT_EQ(c.uid, ::geteuid());
  EXPECT_EQ(c.pid, ::getpid());
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(Log, PriorityFollowsTheFirstWord) {
  EXPECT_EQ(LogPriority("ERROR: the stored CIB does not parse"), 3);
  EXPECT_EQ(LogPriority("WARNING: ring1 is down"), 4);
  EXPECT_EQ(LogPriority("notice: ring0 is up"), 5);
  EXPECT_EQ(LogPriority("view 1.4: [ n1 n2 ] quorate"), 6);
}

}  // namespace
}  // namespace baton::common
