// The one JSON parser for outside input and the helpers that echo outside
// text into messages: bounded before parsing, duplicate keys refused, never a
// raw control character or invalid UTF-8 in a message.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/units.h"
#include "common/untrusted_json.h"
#include "common/untrusted_text.h"
#include "engine/pg_settings_policy.h"

namespace spur {
namespace {

TEST(UntrustedJson, DeeplyNestedBodyIsRefusedNotCrash) {
  for (const char* open : {"{\"a\":", "["}) {
    std::string body;
    for (int i = 0; i < 100000; ++i) body += open;
    body += "1";
    for (int i = 0; i < 100000; ++i) body += open[0] == '[' ? "]" : "}";
    auto r = ParseUntrustedJson(body, "request body");
    ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("levels deep"), std::string::npos);
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  }
}

TEST(UntrustedJson, NestingInsideStringsDoesNotCount) {
  std::string text = "{\"a\":\"" + std::string(1000, '[') + "\\\"{{{\"}";
  auto r = ParseUntrustedJson(text, "body");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(JsonNestingDepth(text, 100), 1);
  std::string sixty_four;
  for (int i = 0; i < 64; ++i) sixty_four += "[";
  for (int i = 0; i < 64; ++i) sixty_four += "]";
  EXPECT_TRUE(ParseUntrustedJson(sixty_four, "body").ok());
  EXPECT_FALSE(ParseUntrustedJson("[" + sixty_four + "]", "body").ok());
}

TEST(UntrustedJson, OversizedBodyIsRefusedBeforeParsing) {
  std::string big = "\"" + std::string(2000, 'x') + "\"";
  auto r = ParseUntrustedJson(big, "request body", {.max_bytes = 1000});
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("at most 1000"), std::string::npos);
}

TEST(UntrustedJson, DuplicateJsonKeysRefused) {
  for (const char* text :
       {R"({"name":"a","name":"b"})", R"({"pg":{"work_mem":"1MB","work_mem":"2"}})",
        R"([{"x":1},{"y":2,"y":3}])"}) {
    auto r = ParseUntrustedJson(text, "request body");
    ASSERT_EQ(r.status().code(), Code::kInvalidArgument) << text;
    EXPECT_NE(r.status().message().find("repeats the key"), std::string::npos);
  }
  // The same key in sibling objects is fine.
  EXPECT_TRUE(ParseUntrustedJson(R"([{"x":1},{"x":2}])", "body").ok());
  EXPECT_TRUE(ParseUntrustedJson(R"({"a":{"x":1},"b":{"x":2}})", "body").ok());
}

TEST(UntrustedJson, InvalidJsonAndNonUtf8AreOneLine) {
  for (std::string text : {std::string("{\"a\":\n\n"), std::string("{\"a\":\"\xff\"}"),
                           std::string("\x01\x02"), std::string("")}) {
    auto r = ParseUntrustedJson(text, "request body");
    ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << r.status().message();
    EXPECT_TRUE(IsValidUtf8(r.status().message()));
  }
}

TEST(UntrustedText, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

TEST(UntrustedText, ErrorMessageNeverCarriesRawNewlineFromInput) {
  std::string q = Quote("a\nb\r\"c\\\x01\xff\x7f");
  EXPECT_EQ(q, "\"a\\nb\\r\\\"c\\\\\\x01\\xFF\\x7F\"");
  EXPECT_TRUE(IsValidUtf8(q));
  EXPECT_EQ(Quote(std::string(100, 'x'), 10), "\"xxxxxxxxxx...\"");
  EXPECT_EQ(Quote("\xc2\x85"), "\"\\xC2\\x85\"");  // C1 NEL
  EXPECT_EQ(ValidUtf8("ok\n\xff"), "ok\n\\xFF");
}

// Random bytes biased towards the characters parsers care about: nothing
// crashes, and every refusal is one line of valid UTF-8.
TEST(UntrustedInput, RandomInputNeverCrashesAndErrorsAreOneLine) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789.-+eExXkKmMgGtTbBiIsShHdDwW{}[]\":,\\'\n\r\t #\xff\xc3";
  auto one_line = [](const Status& st) {
    if (st.ok()) return;
    EXPECT_TRUE(IsValidUtf8(st.message())) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
  };
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    size_t len = rng() % 24;
    for (size_t k = 0; k < len; ++k) {
      text += rng() % 8 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    one_line(ParseDuration(text).status());
    one_line(ParseSize(text).status());
    one_line(ParseInteger("n", text, -5, 1000).status());
    one_line(ParseDecimal("price", text, 0, 1e6).status());
    one_line(ParseUntrustedJson(text, "body").status());
    for (const char* name : {"work_mem", "statement_timeout", "random_page_cost", "jit",
                             "log_statement", "timezone", "max_connections"}) {
      auto r = engine::CheckSettings({{name, text}}, engine::SettingsCaller::kOperator, {});
      one_line(r.status());
      if (r.ok()) {
        for (char c : r->begin()->second) {
          EXPECT_TRUE(c >= 0x20 && c != '\'' && c != '\\' && c != '#') << name << "=" << text;
        }
      }
    }
  }
}

TEST(UntrustedText, CheckTextFileRefusesNonUtf8AndControlCharacters) {
  EXPECT_TRUE(CheckTextFile("mask.yaml", "tables:\r\n\tt: {}\n").ok());
  Status nul = CheckTextFile("mask.yaml", std::string_view("a: b\0c", 6));
  EXPECT_EQ(nul.code(), Code::kInvalidArgument);
  EXPECT_EQ(nul.message(), "mask.yaml holds a control character (byte 5); it must be plain text");
  Status bad = CheckTextFile("subset.yaml", "a: \xff");
  EXPECT_EQ(bad.message(), "subset.yaml is not valid UTF-8 (byte 4); save it as UTF-8");
  EXPECT_FALSE(CheckTextFile(".spur.yaml", "a: \x1b[31m").ok());
}

TEST(UntrustedText, ControlCharAtFindsTheFirstOneNotAllowed) {
  EXPECT_EQ(ControlCharAt("plain text, ünïcode"), std::string_view::npos);
  EXPECT_EQ(ControlCharAt("ab\rc"), 2u);
  EXPECT_EQ(ControlCharAt(std::string_view("a\0", 2)), 1u);
  EXPECT_EQ(ControlCharAt("a\x7f"), 1u);
  EXPECT_EQ(ControlCharAt("a\nb\tc", "\n\t"), std::string_view::npos);
  EXPECT_EQ(ControlCharAt("a\nb\rc", "\n\t"), 3u);
}

}  // namespace
}  // namespace spur
