#include <gtest/gtest.h>

#include <string>

#include "mask/sql_name.h"

namespace spur::mask {
namespace {

TableRef Parsed(std::string_view text) {
  Result<TableRef> t = ParseTableName(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().message();
  return t.ok() ? *t : TableRef{};
}

TEST(MaskSqlName, TableNames) {
  EXPECT_EQ(Parsed("users"), (TableRef{"public", "users"}));
  EXPECT_EQ(Parsed("Users"), (TableRef{"public", "users"}));
  EXPECT_EQ(Parsed("sales.Orders"), (TableRef{"sales", "orders"}));
  EXPECT_EQ(Parsed("\"My Table\""), (TableRef{"public", "My Table"}));
  EXPECT_EQ(Parsed("\"a.b\".\"c\"\"d\""), (TableRef{"a.b", "c\"d"}));
  EXPECT_EQ(Parsed("_t$1"), (TableRef{"public", "_t$1"}));
  EXPECT_EQ(Parsed("caf\xc3\xa9"), (TableRef{"public", "caf\xc3\xa9"}));
}

TEST(MaskSqlName, RejectsBadTableNames) {
  for (std::string_view bad : {"", ".", "a.", ".a", "a.b.c", "1abc", "$a", "my-table", "a b",
                               "\"\"", "\"open", "\"a\"b", "a.\"\""}) {
    Result<TableRef> t = ParseTableName(bad);
    ASSERT_EQ(t.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(t.status().message().find("not a valid name"), std::string::npos);
  }
}

// Found by the mask_config fuzz target: a quoted name held NUL and control
// bytes, which no PostgreSQL name can match and whose JSON form did not parse back.
TEST(MaskSqlName, ControlCharactersInQuotedNamesAreRefused) {
  for (std::string bad : {std::string("\"My S\0\0\".t", 8), std::string("\"a\tb\""),
                          std::string("\"a\rb\".\"c\""), std::string("s.\"x\x7f\"")}) {
    Result<TableRef> t = ParseTableName(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.status().message().find("control character"), std::string::npos)
        << t.status().message();
    EXPECT_EQ(t.status().message().find('\0'), std::string::npos);
    EXPECT_EQ(t.status().message().find('\t'), std::string::npos);
  }
  EXPECT_FALSE(ParseColumnName("\"a\nb\"").ok());
  EXPECT_EQ(ParseColumnName("\"a b\"").value(), "a b");
}

TEST(MaskSqlName, ColumnNames) {
  EXPECT_EQ(ParseColumnName("Email").value(), "email");
  EXPECT_EQ(ParseColumnName("\"FirstName\"").value(), "FirstName");
  EXPECT_EQ(ParseColumnName("\"a.b\"").value(), "a.b");
  EXPECT_EQ(ParseColumnName("a.b").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseColumnName("").status().code(), Code::kInvalidArgument);
}

TEST(MaskSqlName, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(QuoteIdent("users"), "users");
  EXPECT_EQ(QuoteIdent("_x$1"), "_x$1");
  EXPECT_EQ(QuoteIdent("Users"), "\"Users\"");
  EXPECT_EQ(QuoteIdent("my table"), "\"my table\"");
  EXPECT_EQ(QuoteIdent("1a"), "\"1a\"");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdent(""), "\"\"");
  EXPECT_EQ((TableRef{"Sales", "big deals"}).ToString(), "\"Sales\".\"big deals\"");
  // What QuoteIdent writes, ParseTableName reads back.
  for (TableRef t : {TableRef{"public", "Users"}, TableRef{"a.b", "c\"d"}, TableRef{"x", "y"}}) {
    EXPECT_EQ(Parsed(t.ToString()), t);
  }
}

}  // namespace
}  // namespace spur::mask
