// pg/array_text: PostgreSQL's array text form, read and rewritten element by
// element (what masking does to array columns).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "pg/array_text.h"

namespace spur::pg::array_text {
namespace {

using Values = std::vector<std::optional<std::string>>;

Values Read(std::string_view literal) {
  Result<Values> v = Elements(literal);
  EXPECT_TRUE(v.ok()) << literal << ": " << v.status().message();
  return v.ok() ? *v : Values{};
}

// Upper-cases every element, NULL stays NULL.
std::string Upper(std::string_view literal) {
  const ElementFn upper = [](std::optional<std::string_view> in, std::string& out, bool& out_null) {
    out_null = !in;
    out.assign(in.value_or(""));
    for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return Status::Ok();
  };
  std::string out;
  const Status st = Rewrite(literal, upper, out);
  EXPECT_TRUE(st.ok()) << literal << ": " << st.message();
  return out;
}

TEST(PgArrayText, ReadsWhatArrayOutWrites) {
  EXPECT_EQ(Read("{a,b,c}"), (Values{"a", "b", "c"}));
  EXPECT_EQ(Read("{}"), Values{});
  EXPECT_EQ(Read(R"({"a b","",NULL,"NULL",null,"x\"y\\z"})"),
            (Values{"a b", "", std::nullopt, "NULL", std::nullopt, R"(x"y\z)"}));
  EXPECT_EQ(Read("{{1,2},{3,4}}"), (Values{"1", "2", "3", "4"}));
  EXPECT_EQ(Read("[0:1]={x,y}"), (Values{"x", "y"}));
}

TEST(PgArrayText, ReadsWhatArrayInAccepts) {
  EXPECT_EQ(Read(" { a , b } "), (Values{"a", "b"}));
  EXPECT_EQ(Read(R"({a\,b,c\"d})"), (Values{"a,b", "c\"d"}));
}

TEST(PgArrayText, RewriteKeepsShapeAndQuotesWhereNeeded) {
  EXPECT_EQ(Upper("{ann,bob}"), "{ANN,BOB}");
  EXPECT_EQ(Upper(R"({"ann smith",NULL,"a,b"})"), R"({"ANN SMITH",NULL,"A,B"})");
  EXPECT_EQ(Upper("{{a,b},{c,d}}"), "{{A,B},{C,D}}");
  EXPECT_EQ(Upper("[0:1]={a,b}"), "[0:1]={A,B}");
  EXPECT_EQ(Upper("{}"), "{}");
  // An element that becomes "NULL" is quoted so it stays a value.
  EXPECT_EQ(Upper(R"({null,"null"})"), R"({NULL,"NULL"})");
}

TEST(PgArrayText, AppendElementQuotesExactlyWhatArrayInWouldMisread) {
  auto quoted = [](std::string_view v) {
    std::string out;
    AppendElement(v, out);
    return out;
  };
  EXPECT_EQ(quoted("abc"), "abc");
  EXPECT_EQ(quoted(""), R"("")");
  EXPECT_EQ(quoted("Null"), R"("Null")");
  EXPECT_EQ(quoted("a b"), R"("a b")");
  EXPECT_EQ(quoted("{x}"), R"("{x}")");
  EXPECT_EQ(quoted(R"(a"b\c)"), R"("a\"b\\c")");
}

TEST(PgArrayText, MalformedArraysAreRefusedWithoutTheirContent) {
  for (const char* bad : {"{a,b", R"({"secret)", "{secret}x", "{a,,b}", R"({a"b})", "secret",
                          "{a\\", "{{{{{{{x}}}}}}}", "[1:2]{a}", "[x]={a}"}) {
    Result<Values> v = Elements(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(v.status().message().find("secret"), std::string::npos) << v.status().message();
  }
  EXPECT_TRUE(Elements("{{{{{{x}}}}}}").ok());  // six dimensions is PostgreSQL's limit
}

TEST(PgArrayText, ErrorsFromTheCallbackStopTheRewrite) {
  const ElementFn fail = [](std::optional<std::string_view>, std::string&, bool&) {
    return InvalidArgument("column t.c: no");
  };
  std::string out;
  const Status st = Rewrite("{a,b}", fail, out);
  EXPECT_EQ(st.message(), "column t.c: no");
}

}  // namespace
}  // namespace spur::pg::array_text
