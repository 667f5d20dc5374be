#include "crmd/attrd/attrd.h"

#include <gtest/gtest.h>

namespace baton::attrd {
namespace {

TEST(AttributeStore, SetGetDeleteKeepsLifetimesApart) {
  AttributeStore s;
  ASSERT_TRUE(s.Set("n1", "master-db", "10", Lifetime::kReboot).ok());
  ASSERT_TRUE(s.Set("n1", "master-db", "3", Lifetime::kForever).ok());
  EXPECT_EQ(s.Get("n1", "master-db", Lifetime::kReboot), "10");
  EXPECT_EQ(s.Get("n1", "master-db", Lifetime::kForever), "3");
  EXPECT_EQ(s.Get("n2", "master-db", Lifetime::kReboot), std::nullopt);
  auto d = s.Delete("n1", "master-db", Lifetime::kReboot);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d);
  EXPECT_EQ(s.Get("n1", "master-db", Lifetime::kReboot), std::nullopt);
  EXPECT_EQ(s.Get("n1", "master-db", Lifetime::kForever), "3");
  d = s.Delete("n1", "master-db", Lifetime::kReboot);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(*d);  // already gone: not an error
}

TEST(AttributeStore, EmptyValueIsAValue) {
  AttributeStore s;
  ASSERT_TRUE(s.Set("n1", "pingd", "", Lifetime::kReboot).ok());
  EXPECT_EQ(s.Get("n1", "pingd", Lifetime::kReboot), "");
}

TEST(AttributeStore, RejectsBadKeysAndChangesNothing) {
  AttributeStore s;
  ASSERT_TRUE(s.Set("n1", "a", "1", Lifetime::kReboot).ok());
  EXPECT_FALSE(s.Set("", "a", "1", Lifetime::kReboot).ok());
  EXPECT_FALSE(s.Set("n1", "", "1", Lifetime::kReboot).ok());
  EXPECT_FALSE(s.Set("n1", "a\tb", "1", Lifetime::kReboot).ok());
  EXPECT_FALSE(s.Set("n1", "a", "1\n2", Lifetime::kReboot).ok());
  EXPECT_FALSE(s.Delete("n1", "", Lifetime::kReboot).ok());
  EXPECT_EQ(s.Get("n1", "a", Lifetime::kReboot), "1");
  EXPECT_EQ(s.transient().size(), 1u);
}

TEST(AttributeStore, NodeLossClearsOnlyItsTransientAttributes) {
  AttributeStore s;
  ASSERT_TRUE(s.Set("n1", "a", "1", Lifetime::kReboot).ok());
  ASSERT_TRUE(s.Set("n2", "a", "2", Lifetime::kReboot).ok());
  ASSERT_TRUE(s.Set("n1", "site", "x", Lifetime::kForever).ok());
  s.ClearTransient("n1");
  EXPECT_EQ(s.Get("n1", "a", Lifetime::kReboot), std::nullopt);
  EXPECT_EQ(s.Get("n2", "a", Lifetime::kReboot), "2");
  EXPECT_EQ(s.Get("n1", "site", Lifetime::kForever), "x");
}

TEST(AttributeStore, PermanentRoundTripAndCorruptFileChangesNothing) {
  AttributeStore s;
  ASSERT_TRUE(s.Set("n1", "site", "east", Lifetime::kForever).ok());
  ASSERT_TRUE(s.Set("n2", "rack", "", Lifetime::kForever).ok());
  std::string text = s.SerializePermanent();
  AttributeStore t;
  ASSERT_TRUE(t.LoadPermanent(text).ok());
  EXPECT_EQ(t.permanent(), s.permanent());
  auto st = t.LoadPermanent("n1\tsite\teast\nbroken line\n");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("line 2"), std::string::npos);
  EXPECT_EQ(t.permanent(), s.permanent());
}

TEST(Lifetime, ParsesPacemakerSpellings) {
  EXPECT_EQ(*ParseLifetime("reboot"), Lifetime::kReboot);
  EXPECT_EQ(*ParseLifetime("status"), Lifetime::kReboot);
  EXPECT_EQ(*ParseLifetime("forever"), Lifetime::kForever);
  EXPECT_EQ(*ParseLifetime("nodes"), Lifetime::kForever);
  EXPECT_FALSE(ParseLifetime("sometimes").ok());
}

}  // namespace
}  // namespace baton::attrd
