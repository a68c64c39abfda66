#include <gtest/gtest.h>

#include "subset/config.h"

namespace spur::subset {
namespace {

TEST(SubsetConfigTest, ParsesTheDocumentedExample) {
  auto c = ParseSubsetConfig(R"(
roots:
  public.customers: { percent: 10 }
  public.orders: { where: "created_at > '2024-01-01'" }
children: false
others: none
tables:
  public.audit_log: all
seed: 42
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->roots.size(), 2u);
  EXPECT_EQ(c->roots[0].table, "public.customers");
  EXPECT_EQ(c->roots[0].percent, 10.0);
  EXPECT_FALSE(c->roots[0].where);
  EXPECT_EQ(c->roots[0].line, 3);
  EXPECT_EQ(c->roots[1].where.value_or(""), "created_at > '2024-01-01'");
  EXPECT_FALSE(c->children);
  EXPECT_EQ(c->others, Others::kNone);
  ASSERT_EQ(c->tables.size(), 1u);
  EXPECT_EQ(c->tables[0].table, "public.audit_log");
  EXPECT_EQ(c->tables[0].rows, Others::kAll);
  EXPECT_EQ(c->seed, 42);
}

TEST(SubsetConfigTest, DefaultsAreChildrenAllAndSeedZero) {
  auto c = ParseSubsetConfig("roots: {t: {percent: 0.5}}");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->children);
  EXPECT_EQ(c->others, Others::kAll);
  EXPECT_TRUE(c->tables.empty());
  EXPECT_EQ(c->seed, 0);
  EXPECT_EQ(c->roots[0].percent, 0.5);
}

struct BadCase {
  const char* yaml;
  const char* message;  // a part of the expected error
};

class SubsetConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SubsetConfigErrorTest, IsOneLineNamingTheLine) {
  auto c = ParseSubsetConfig(GetParam().yaml);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  const std::string& m = c.status().message();
  EXPECT_NE(m.find(GetParam().message), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ(m.rfind("subset.yaml", 0), 0u) << m;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SubsetConfigErrorTest,
    ::testing::Values(
        BadCase{"roots: {t: {percent: 10}}\nrows: 3\n", "line 2: unknown key \"rows\""},
        BadCase{"roots:\n  t: {percnt: 10}\n", "line 2: root t: unknown key \"percnt\""},
        BadCase{"roots:\n  t: {percent: 0}\n", "line 2: root t: percent: 0 is outside (0, 100]"},
        BadCase{"roots:\n  t: {percent: 100.5}\n", "outside (0, 100]"},
        BadCase{"roots:\n  t: {percent: -3}\n", "outside (0, 100]"},
        BadCase{"roots:\n  t: {percent: ten}\n", "percent: expected a number"},
        BadCase{"roots:\n  t: {percent: 5, where: 'id > 1'}\n",
                "line 2: root t: has both percent and where"},
        BadCase{"roots:\n  t: {}\n", "root t: needs percent or where"},
        BadCase{"roots:\n  t: {where: ''}\n", "where: expected an SQL condition"},
        BadCase{"roots: {t: {percent: 1}}\nothers: some\n",
                "line 2: others: expected all or none, found \"some\""},
        BadCase{"roots: {t: {percent: 1}}\ntables:\n  u: maybe\n",
                "line 3: tables: u: expected all or none"},
        BadCase{"roots: {t: {percent: 1}}\nchildren: perhaps\n",
                "children: expected true or false"},
        BadCase{"roots: {t: {percent: 1}}\nseed: 1.5\n", "seed: expected an integer"},
        BadCase{"roots: {t: {percent: 1}}\nseed: 1\nseed: 2\n",
                "line 3: key \"seed\" appears twice"},
        BadCase{"roots:\n  t: {percent: 1}\n  t: {percent: 2}\n",
                "line 3: roots: table t appears twice"},
        BadCase{"seed: 1\n", "no roots"}, BadCase{"roots: []\n", "roots: expected a mapping"},
        BadCase{"- a\n- b\n", "expected a mapping with roots:"},
        BadCase{"roots: {t: {percent: 1}\n", "subset.yaml line"}));

TEST(SubsetConfigTest, NamesOthersValues) {
  EXPECT_STREQ(OthersName(Others::kAll), "all");
  EXPECT_STREQ(OthersName(Others::kNone), "none");
}

}  // namespace
}  // namespace spur::subset
