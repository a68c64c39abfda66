#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mask/json_path.h"

namespace spur::mask {
namespace {

using Type = JsonPathStep::Type;

std::string Canonical(std::string_view path) {
  Result<std::vector<JsonPathStep>> steps = ParseJsonPath(path);
  EXPECT_TRUE(steps.ok()) << path << ": " << steps.status().message();
  return steps.ok() ? JsonPathToString(*steps) : "";
}

TEST(MaskJsonPath, ParsesEveryStep) {
  Result<std::vector<JsonPathStep>> steps = ParseJsonPath("$.contacts[*].email[0][\"a b\"]");
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  ASSERT_EQ(steps->size(), 5u);
  EXPECT_EQ((*steps)[0], (JsonPathStep{Type::kMember, "contacts"}));
  EXPECT_EQ((*steps)[1], (JsonPathStep{Type::kEvery}));
  EXPECT_EQ((*steps)[2], (JsonPathStep{Type::kMember, "email"}));
  EXPECT_EQ((*steps)[3], (JsonPathStep{Type::kIndex, "", 0}));
  EXPECT_EQ((*steps)[4], (JsonPathStep{Type::kMember, "a b"}));
}

TEST(MaskJsonPath, CanonicalSpelling) {
  EXPECT_EQ(Canonical("$.address.street"), "$.address.street");
  EXPECT_EQ(Canonical("$[\"address\"][\"street\"]"), "$.address.street");
  EXPECT_EQ(Canonical("$[007]"), "$[7]");
  EXPECT_EQ(Canonical("$[\"first name\"]"), "$[\"first name\"]");
  EXPECT_EQ(Canonical("$[\"q\\\"\\\\\"]"), "$[\"q\\\"\\\\\"]");
  EXPECT_EQ(Canonical("$[\"1st\"]"), "$[\"1st\"]");
  EXPECT_EQ(Canonical("$[\"\"]"), "$[\"\"]");
  EXPECT_EQ(Canonical("$._x9"), "$._x9");
  EXPECT_EQ(Canonical("$[123456789]"), "$[123456789]");
}

TEST(MaskJsonPath, CanonicalFormReadsBack) {
  for (std::string_view path : {"$.a[*].b", "$[\"x.y\"][2]", "$[\"\\\\\"]"}) {
    const std::string once = Canonical(path);
    EXPECT_EQ(Canonical(once), once);
  }
}

TEST(MaskJsonPath, RejectsEverythingElse) {
  for (std::string_view bad :
       {"",        "$",           "a.b",   "$.",  "$..a",  "$.1a",          "$a",
        "$[",      "$[]",         "$[x]",  "$[1", "$[-1]", "$[1234567890]", "$['a']",
        "$[\"a\"", "$[\"a\\n\"]", "$.a b", "$.*", "$[*",   " $.a"}) {
    Result<std::vector<JsonPathStep>> steps = ParseJsonPath(bad);
    ASSERT_EQ(steps.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(steps.status().message().find('\n'), std::string::npos);
  }
  EXPECT_NE(ParseJsonPath("$.a..b").status().message().find("character 5"), std::string::npos);
}

}  // namespace
}  // namespace spur::mask
