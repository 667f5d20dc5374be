#include "cli/options.h"

#include <gtest/gtest.h>

namespace baton::cli {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {'G', "query", OptionSpec::kNone},
    {'q', "quiet", OptionSpec::kNone},
    {'v', "update", OptionSpec::kRequired, {"attr-value"}},
    {'p', "promotion", OptionSpec::kOptional},
};

TEST(Options, ShortLongAttachedAndCombined) {
  auto p = ParseOptions({"-Gq", "-v5", "--update=6", "--attr-value", "7", "pos"}, kSpecs);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->options.size(), 5u);
  EXPECT_EQ(p->options[0].name, "query");
  EXPECT_EQ(p->options[1].name, "quiet");
  EXPECT_EQ(p->options[2].value, "5");
  EXPECT_EQ(p->options[3].value, "6");
  EXPECT_EQ(p->options[4].name, "update");
  EXPECT_EQ(p->options[4].value, "7");
  EXPECT_EQ(p->positional, std::vector<std::string>{"pos"});
}

TEST(Options, OptionalValueTakesOnlyANonOptionWord) {
  auto p = ParseOptions({"-p", "-v", "5"}, kSpecs);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->options[0].value, std::nullopt);
  p = ParseOptions({"-p", "db", "-v", "5"}, kSpecs);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->options[0].value, "db");
  p = ParseOptions({"--promotion=db"}, kSpecs);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->options[0].value, "db");
}

TEST(Options, RefusesUnknownAndMissingValues) {
  EXPECT_FALSE(ParseOptions({"-x"}, kSpecs).ok());
  EXPECT_FALSE(ParseOptions({"--nope"}, kSpecs).ok());
  EXPECT_FALSE(ParseOptions({"-v"}, kSpecs).ok());
  EXPECT_FALSE(ParseOptions({"--update"}, kSpecs).ok());
  EXPECT_FALSE(ParseOptions({"--query=1"}, kSpecs).ok());
}

}  // namespace
}  // namespace baton::cli
