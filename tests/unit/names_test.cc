#include "common/names.h"

#include <gtest/gtest.h>

namespace spur {
namespace {

TEST(ValidateName, AcceptsTheDocumentedAlphabet) {
  EXPECT_TRUE(ValidateName("branch", "main").ok());
  EXPECT_TRUE(ValidateName("branch", "pr-12").ok());
  EXPECT_TRUE(ValidateName("branch", "0.feature_x-y").ok());
  EXPECT_TRUE(ValidateName("branch", std::string(63, 'a')).ok());
}

TEST(ValidateName, RejectsEverythingElseWithAnInvalidArgument) {
  for (const std::string bad :
       {"", "../x", "a b", "a'b", "a\"b", "Main", "-x", ".x", "_x", "a/b", "a\nb", "ü"}) {
    Status st = ValidateName("branch", bad);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("branch name"), std::string::npos) << st.message();
  }
  Status too_long = ValidateName("branch", std::string(1000, 'a'));
  EXPECT_EQ(too_long.code(), Code::kInvalidArgument);
  EXPECT_NE(too_long.message().find("1000 characters"), std::string::npos);
  EXPECT_EQ(ValidateName("branch", std::string(64, 'a')).code(), Code::kInvalidArgument);
}

TEST(ValidateName, EscapesControlCharactersInTheMessage) {
  Status st = ValidateName("snapshot", "x\x1b[31m");
  EXPECT_EQ(st.message().find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace spur
