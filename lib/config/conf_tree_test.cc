// The corosync.conf syntax layer: sections, entries, line numbers, comments
// and whitespace, and the errors for text that is not that syntax.
#include "lib/config/conf_tree.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace baton::config {
namespace {

::testing::AssertionResult FailsWith(const std::string& text, absl::string_view expected) {
  auto tree = ParseConfTree(text);
  if (tree.ok()) return ::testing::AssertionFailure() << "parsed";
  if (tree.status().message() != expected) {
    return ::testing::AssertionFailure() << "message: " << tree.status().message();
  }
  return ::testing::AssertionSuccess();
}

TEST(ConfTree, SectionsEntriesAndLines) {
  auto tree = ParseConfTree(
      "totem {\n"
      "  token: 500\n"
      "  interface {\n"
      "    linknumber: 0\n"
      "  }\n"
      "}\n"
      "nodelist {\n"
      "  node {\n"
      "    ring0_addr: fd00::1:2\n"
      "    name: a name with spaces\n"
      "  }\n"
      "}\n");
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(tree->name, "");
  ASSERT_EQ(tree->sections.size(), 2u);
  const ConfSection& totem = tree->sections[0];
  EXPECT_EQ(totem.name, "totem");
  EXPECT_EQ(totem.line, 1);
  ASSERT_EQ(totem.entries.size(), 1u);
  EXPECT_EQ(totem.entries[0].key, "token");
  EXPECT_EQ(totem.entries[0].value, "500");
  EXPECT_EQ(totem.entries[0].line, 2);
  ASSERT_EQ(totem.sections.size(), 1u);
  EXPECT_EQ(totem.sections[0].name, "interface");
  EXPECT_EQ(totem.sections[0].entries[0].line, 4);
  const ConfSection& node = tree->sections[1].sections[0];
  EXPECT_EQ(node.line, 8);
  EXPECT_EQ(node.entries[0].value, "fd00::1:2");  // split at the first ':'
  EXPECT_EQ(node.entries[1].value, "a name with spaces");
  EXPECT_EQ(node.entries[1].line, 10);
}

TEST(ConfTree, CommentsBlanksTabsAndCrlf) {
  auto tree = ParseConfTree(
      "# a comment\r\n"
      "\r\n"
      "   \t \n"
      "\ttotem{\r\n"
      "      # indented comment: with { braces }\n"
      "\tkey:value\t\r\n"
      "  other   :   spaced value  \n"
      "  empty:\n"
      "}   \n"
      "#}");
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_EQ(tree->sections.size(), 1u);
  const ConfSection& totem = tree->sections[0];
  EXPECT_EQ(totem.name, "totem");
  EXPECT_EQ(totem.line, 4);
  ASSERT_EQ(totem.entries.size(), 3u);
  EXPECT_EQ(totem.entries[0].key, "key");
  EXPECT_EQ(totem.entries[0].value, "value");
  EXPECT_EQ(totem.entries[0].line, 6);
  EXPECT_EQ(totem.entries[1].key, "other");
  EXPECT_EQ(totem.entries[1].value, "spaced value");
  EXPECT_EQ(totem.entries[2].value, "");
}

TEST(ConfTree, EmptyTextIsAnEmptyRoot) {
  auto tree = ParseConfTree("");
  ASSERT_TRUE(tree.ok());
  EXPECT_TRUE(tree->sections.empty());
  EXPECT_TRUE(tree->entries.empty());
}

TEST(ConfTree, ExtraClosingBrace) {
  EXPECT_TRUE(FailsWith("totem {\n}\n}\n", "line 3: '}' closes no open section; remove it"));
}

TEST(ConfTree, UnclosedSectionNamesItsOpeningLine) {
  EXPECT_TRUE(FailsWith("totem {\n}\nnodelist {\n  node {\n  }\n",
                        "line 3: section 'nodelist' is still open at the end of the file; "
                        "add its '}'"));
}

TEST(ConfTree, LineWithoutColonOrBrace) {
  EXPECT_TRUE(FailsWith("totem {\n  token 500\n}\n",
                        "line 2: 'token 500' is neither 'key: value', 'name {' nor '}'; "
                        "add the ':' or start the line with '#'"));
}

TEST(ConfTree, BracesMustStandAtTheEndOrAlone) {
  for (absl::string_view line : {"totem { token: 500 }", "token: 500 }", "} }", "a { b {"}) {
    auto tree = ParseConfTree(absl::StrCat("\n", line, "\n"));
    ASSERT_FALSE(tree.ok()) << line;
    EXPECT_TRUE(absl::StartsWith(tree.status().message(), "line 2: ")) << tree.status();
  }
  EXPECT_TRUE(FailsWith("totem { token: 500 }",
                        "line 1: 'totem { token: 500 }': a brace must end a section header "
                        "('name {') or stand alone ('}'); give each key and brace a line of its "
                        "own"));
}

TEST(ConfTree, SectionHeaderNeedsOneName) {
  EXPECT_TRUE(FailsWith("{\n}\n",
                        "line 1: '{' is not a section header; write one name before "
                        "'{', as in 'totem {'"));
  EXPECT_TRUE(FailsWith("\nmy totem {\n}\n",
                        "line 2: 'my totem {' is not a section header; write one name before "
                        "'{', as in 'totem {'"));
  EXPECT_TRUE(FailsWith("totem: {\n}\n",
                        "line 1: 'totem: {' is not a section header; write one name before "
                        "'{', as in 'totem {'"));
}

TEST(ConfTree, EntryNeedsAKeyOfOneWord) {
  EXPECT_TRUE(FailsWith("totem {\n  : 500\n}\n",
                        "line 2: ': 500' has no key of one word before ':'; write 'key: value'"));
  EXPECT_TRUE(FailsWith("totem {\n  to ken: 500\n}\n",
                        "line 2: 'to ken: 500' has no key of one word before ':'; write "
                        "'key: value'"));
}

TEST(ConfTree, LongLinesAreCutInMessages) {
  std::string line(200, 'x');
  auto tree = ParseConfTree(line);
  ASSERT_FALSE(tree.ok());
  EXPECT_LT(tree.status().message().size(), 160u) << tree.status();
  EXPECT_TRUE(absl::StrContains(tree.status().message(), "...'")) << tree.status();
}

TEST(ConfTree, NestingIsBounded) {
  std::string ok_text, deep_text;
  for (int i = 0; i < kMaxConfDepth; ++i) ok_text += "s {\n";
  for (int i = 0; i < kMaxConfDepth; ++i) ok_text += "}\n";
  EXPECT_TRUE(ParseConfTree(ok_text).ok());
  for (int i = 0; i <= kMaxConfDepth; ++i) deep_text += "s {\n";
  EXPECT_TRUE(FailsWith(
      deep_text, absl::StrCat("line ", kMaxConfDepth + 1, ": section 's' is nested more than ",
                              kMaxConfDepth, " deep; close the sections above it")));
}

}  // namespace
}  // namespace baton::config
