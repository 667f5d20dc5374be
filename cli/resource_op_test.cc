// `crm resource op`: bad input is refused with exit 2 and one line; a real
// agent's meta-data comes back through the executor.
#include "cli/resource_op.h"

#include <sstream>

#include "gtest/gtest.h"

namespace baton::cli {
namespace {

struct OpRun {
  int rc = 0;
  std::string out, err;
};

OpRun RunOp(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int rc = RunResourceOp(args, out, err);
  return {rc, out.str(), err.str()};
}

TEST(ResourceOp, RefusesBadInputWithExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {"r", "frobnicate", "--agent", "ocf:baton:Dummy"},
      {"r", "start", "--agent", "ocf:baton:Dummy", "--param", "novalue"},
      {"r", "start", "--agent", "ocf:baton:NoSuchAgent"},
      {"r", "start", "--agent", "lsb:foo"},
      {"r", "start"},
      {"r", "start", "--agent", "ocf:baton:Dummy", "--interval", "abc"},
      {"r", "start", "--agent", "ocf:baton:Dummy", "--interval", "1000"},
      {"r", "start", "--agent"},
  };
  for (const auto& args : cases) {
    OpRun r = RunOp(args);
    EXPECT_EQ(r.rc, 2) << args[1];
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("crm resource op: ", 0), 0u) << r.err;
  }
}

TEST(ResourceOp, MetaDataOfBatonAgentIsPrinted) {
  OpRun r = RunOp({"d", "meta-data", "--agent", "ocf:baton:Dummy"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind("d meta-data: rc=0 (ok)\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("<resource-agent name=\"Dummy\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace baton::cli
