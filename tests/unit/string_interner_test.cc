#include "common/string_interner.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace spur {
namespace {

TEST(StringInterner, IdsAreDenseAndStable) {
  StringInterner strings;
  EXPECT_FALSE(strings.Find("a").has_value());
  EXPECT_EQ(strings.Intern("a"), 0u);
  EXPECT_EQ(strings.Intern(""), 1u);
  EXPECT_EQ(strings.Intern("b"), 2u);
  EXPECT_EQ(strings.Intern("a"), 0u);
  EXPECT_EQ(strings.Intern(""), 1u);
  EXPECT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings.Find(""), 1u);
  EXPECT_EQ(strings.Get(2), "b");
}

TEST(StringInterner, HoldsValuesWithNulBytesAndLongValues) {
  StringInterner strings;
  const std::string nul("a\0b", 3), long_value(600 * 1024, 'x');
  const uint32_t a = strings.Intern(nul), b = strings.Intern(std::string_view("a")),
                 c = strings.Intern(long_value);
  EXPECT_NE(a, b);
  EXPECT_EQ(strings.Get(a), nul);
  EXPECT_EQ(strings.Get(c), long_value);
  EXPECT_EQ(strings.Find(long_value), c);
}

// Against std::unordered_map on a random mix of repeats and new values, many
// enough to grow the index and fill several blocks; views taken early must
// still read the same after all of that.
TEST(StringInterner, AgreesWithAnUnorderedMapAndKeepsViews) {
  std::mt19937 rng(7);
  StringInterner strings;
  std::unordered_map<std::string, uint32_t> expected;
  std::vector<std::string> by_id;
  std::vector<std::string_view> early;
  for (int i = 0; i < 200000; ++i) {
    std::string v = std::to_string(rng() % 150000);
    if (rng() % 50 == 0) v += std::string(rng() % 3000, 'y');
    auto [it, added] = expected.emplace(v, static_cast<uint32_t>(by_id.size()));
    if (added) by_id.push_back(v);
    ASSERT_EQ(strings.Intern(v), it->second) << v;
    if (i < 1000) early.push_back(strings.Get(it->second));
  }
  ASSERT_EQ(strings.size(), by_id.size());
  for (uint32_t id = 0; id < by_id.size(); ++id) ASSERT_EQ(strings.Get(id), by_id[id]);
  for (size_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(strings.Find(std::string(early[i])), expected.at(std::string(early[i])));
  }
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(strings.Find("n" + std::to_string(i)).has_value());
}

}  // namespace
}  // namespace spur
