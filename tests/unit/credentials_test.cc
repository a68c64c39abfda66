#include "engine/credentials.h"

#include <gtest/gtest.h>

#include <string>

namespace spur::engine {
namespace {

bool AllIn(const std::string& s, const std::string& alphabet) {
  return s.find_first_not_of(alphabet) == std::string::npos;
}

const std::string kLower = "abcdefghijklmnopqrstuvwxyz";
const std::string kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const std::string kDigits = "0123456789";

TEST(RandomPassword, Is24AlphanumericCharacters) {
  for (int i = 0; i < 20; ++i) {
    std::string p = RandomPassword();
    EXPECT_EQ(p.size(), 24u);
    EXPECT_TRUE(AllIn(p, kUpper + kLower + kDigits)) << p;
  }
}

TEST(RandomPassword, DiffersBetweenCalls) {
  // Two equal 24-character draws from 62 symbols would mean no randomness.
  EXPECT_NE(RandomPassword(), RandomPassword());
}

TEST(RandomPassword, UsesTheWholeAlphabet) {
  // 200 passwords are 4800 draws; missing a class by chance has odds ~1e-400.
  std::string all;
  for (int i = 0; i < 200; ++i) all += RandomPassword();
  EXPECT_NE(all.find_first_of(kUpper), std::string::npos);
  EXPECT_NE(all.find_first_of(kLower), std::string::npos);
  EXPECT_NE(all.find_first_of(kDigits), std::string::npos);
}

TEST(RandomToken, HasTheRequestedLengthAndAlphabet) {
  for (int n : {0, 1, 8, 63, 64, 65, 200}) {
    std::string t = RandomToken(n);
    EXPECT_EQ(t.size(), static_cast<size_t>(n));
    EXPECT_TRUE(AllIn(t, kLower + kDigits)) << t;
  }
  EXPECT_NE(RandomToken(16), RandomToken(16));
}

TEST(BuildUri, PlainPartsAreLeftAlone) {
  EXPECT_EQ(BuildUri("app", "s3cret", "127.0.0.1", 5501, "app"),
            "postgresql://app:s3cret@127.0.0.1:5501/app");
  EXPECT_EQ(BuildUri("a-b_c.d~e", "x", "db.internal", 6000, "my_db"),
            "postgresql://a-b_c.d~e:x@db.internal:6000/my_db");
}

TEST(BuildUri, PercentEncodesSpecialCharacters) {
  EXPECT_EQ(BuildUri("us er", "p@ss:w/rd?#%", "localhost", 5432, "d b/x"),
            "postgresql://us%20er:p%40ss%3Aw%2Frd%3F%23%25@localhost:5432/d%20b%2Fx");
  EXPECT_EQ(BuildUri("r", "\xc3\xbc", "h", 1, "d"), "postgresql://r:%C3%BC@h:1/d");
}

TEST(BuildUri, BracketsIpv6Hosts) {
  EXPECT_EQ(BuildUri("app", "pw", "::1", 5501, "app"), "postgresql://app:pw@[::1]:5501/app");
  EXPECT_EQ(BuildUri("app", "pw", "fe80::1", 5501, "app"),
            "postgresql://app:pw@[fe80::1]:5501/app");
}

TEST(BuildUri, OmitsAnEmptyPassword) {
  EXPECT_EQ(BuildUri("app", "", "127.0.0.1", 5501, "app"), "postgresql://app@127.0.0.1:5501/app");
}

TEST(BuildProxyUri, ADomainRoutesBySniAndNeedsTls) {
  EXPECT_EQ(BuildProxyUri("app", "pw", "pr-1", "app", "10.0.0.5", 5432, "db.example.com", false),
            "postgresql://app:pw@pr-1.db.example.com:5432/app?sslmode=require");
}

TEST(BuildProxyUri, WithoutADomainTheBranchTravelsInOptions) {
  EXPECT_EQ(BuildProxyUri("app", "p w", "pr-1", "app", "127.0.0.1", 6432, "", false),
            "postgresql://app:p%20w@127.0.0.1:6432/app?options=--branch%3Dpr-1");
  EXPECT_EQ(BuildProxyUri("app", "", "feat_x", "my db", "::1", 6432, "", true),
            "postgresql://app@[::1]:6432/my%20db?sslmode=require&options=--branch%3Dfeat_x");
}

}  // namespace
}  // namespace spur::engine
