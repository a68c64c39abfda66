#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "pg/copy_text.h"

namespace spur::pg::copy_text {
namespace {

using Fields = std::vector<std::string_view>;

Fields Split(std::string_view row) {
  Fields fields;
  Status st = SplitRow(row, fields);
  EXPECT_TRUE(st.ok()) << st.message();
  return fields;
}

std::string Unescaped(std::string_view raw) {
  std::string out;
  Unescape(raw, out);
  return out;
}

std::string Escaped(std::string_view value) {
  std::string out;
  Escape(value, out);
  return out;
}

TEST(MaskCopyText, SplitsOnTabs) {
  EXPECT_EQ(Split("1\talice@example.com\t\\N\n"), (Fields{"1", "alice@example.com", "\\N"}));
  EXPECT_EQ(Split("\n"), (Fields{""}));
  EXPECT_EQ(Split("\t\n"), (Fields{"", ""}));
  EXPECT_EQ(Split("a\t\t\tb\n"), (Fields{"a", "", "", "b"}));
}

TEST(MaskCopyText, EscapedTabsAndBackslashesStayInTheirField) {
  EXPECT_EQ(Split("a\\tb\tc\n"), (Fields{"a\\tb", "c"}));
  EXPECT_EQ(Split("a\\\\\tb\n"), (Fields{"a\\\\", "b"}));
  // A backslash before a real tab makes the tab data, as the server reads it.
  EXPECT_EQ(Split("a\\\tb\tc\n"), (Fields{"a\\\tb", "c"}));
  EXPECT_EQ(Split("x\\n\\r\\\\\n"), (Fields{"x\\n\\r\\\\"}));
}

TEST(MaskCopyText, RejectsRowsCutShort) {
  Fields fields;
  EXPECT_EQ(SplitRow("", fields).code(), Code::kInvalidArgument);
  EXPECT_EQ(SplitRow("a\tb", fields).code(), Code::kInvalidArgument);
  Status st = SplitRow("a\tb\\\n", fields);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("lone backslash"), std::string::npos) << st.message();
}

TEST(MaskCopyText, NullIsOnlyBackslashN) {
  EXPECT_TRUE(IsNull("\\N"));
  EXPECT_FALSE(IsNull(""));
  EXPECT_FALSE(IsNull("N"));
  EXPECT_FALSE(IsNull("\\\\N"));
  EXPECT_FALSE(IsNull("\\N "));
  EXPECT_EQ(Unescaped("a\\Nb"), "aNb");
}

TEST(MaskCopyText, UnescapesEveryForm) {
  EXPECT_EQ(Unescaped("plain"), "plain");
  EXPECT_EQ(Unescaped(""), "");
  EXPECT_EQ(Unescaped("\\b\\f\\n\\r\\t\\v"), "\b\f\n\r\t\v");
  EXPECT_EQ(Unescaped("a\\\\b"), "a\\b");
  EXPECT_EQ(Unescaped("\\101\\102C"), "ABC");
  EXPECT_EQ(Unescaped("\\0"), std::string(1, '\0'));
  EXPECT_EQ(Unescaped("\\12x"), "\nx");
  EXPECT_EQ(Unescaped("\\1018"), "A8");   // at most three octal digits
  EXPECT_EQ(Unescaped("\\777"), "\xff");  // wraps like the server: & 0377
  EXPECT_EQ(Unescaped("\\x41\\x4a"), "AJ");
  EXPECT_EQ(Unescaped("\\x4"), "\x04");
  EXPECT_EQ(Unescaped("\\x414"), "A4");  // at most two hex digits
  EXPECT_EQ(Unescaped("\\xg"), "xg");    // no hex digit: the letter x
  EXPECT_EQ(Unescaped("\\x"), "x");
  EXPECT_EQ(Unescaped("\\q\\.\\8"), "q.8");  // anything else: itself
  EXPECT_EQ(Unescaped("ab\\"), "ab");        // lone trailing backslash dropped
  EXPECT_EQ(Unescaped("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(MaskCopyText, UnescapeAppends) {
  std::string out = "x";
  Unescape("\\n", out);
  EXPECT_EQ(out, "x\n");
}

TEST(MaskCopyText, EscapesWhatCopyToEscapes) {
  EXPECT_EQ(Escaped("plain"), "plain");
  EXPECT_EQ(Escaped(""), "");
  EXPECT_EQ(Escaped("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
  EXPECT_EQ(Escaped("\b\f\v"), "\\b\\f\\v");
  EXPECT_EQ(Escaped("\\N"), "\\\\N");
  EXPECT_EQ(Escaped(std::string("\x01\x7f\xff", 3)), std::string("\x01\x7f\xff", 3));
  EXPECT_EQ(Escaped("\xe2\x82\xac"), "\xe2\x82\xac");
}

TEST(MaskCopyText, EscapedFieldsNeverContainTabsOrNewlines) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string escaped = Escaped(all);
  EXPECT_EQ(escaped.find('\t'), std::string::npos);
  EXPECT_EQ(escaped.find('\n'), std::string::npos);
  EXPECT_EQ(escaped.find('\r'), std::string::npos);
  EXPECT_EQ(Unescaped(escaped), all);
}

TEST(MaskCopyText, RandomBytesRoundTrip) {
  std::mt19937 rng(20240601);
  // Biased towards the bytes that matter: escapes, separators, 'N', high bytes.
  const std::string special = std::string("\\\t\n\r\b\f\vNx01", 11) + "\xc3\xa9\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string value;
    const int len = static_cast<int>(rng() % 40);
    for (int k = 0; k < len; ++k) {
      value.push_back(rng() % 2 ? special[rng() % special.size()] : static_cast<char>(rng()));
    }
    ASSERT_EQ(Unescaped(Escaped(value)), value) << "case " << i;
  }
}

// Unescape copies runs of plain bytes in one go; any escaped text, well
// formed or not, must decode exactly as a byte-at-a-time reading does.
std::string UnescapedByteAtATime(std::string_view raw) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    if (++i == raw.size()) break;
    const char c = raw[i];
    if (octal(c)) {
      int v = c - '0';
      for (int more = 0; more < 2 && i + 1 < raw.size() && octal(raw[i + 1]); ++more) {
        v = v * 8 + (raw[++i] - '0');
      }
      out += static_cast<char>(v & 0377);
    } else if (c == 'x' && i + 1 < raw.size() && hex(raw[i + 1]) >= 0) {
      int v = hex(raw[++i]);
      if (i + 1 < raw.size() && hex(raw[i + 1]) >= 0) v = v * 16 + hex(raw[++i]);
      out += static_cast<char>(v);
    } else {
      const std::string from = "bfnrtv", to = "\b\f\n\r\t\v";
      const size_t k = from.find(c);
      out += k == std::string::npos ? c : to[k];
    }
  }
  return out;
}

TEST(MaskCopyText, UnescapeOfAnyTextMatchesAByteAtATimeReading) {
  std::mt19937 rng(20261207);
  const std::string alphabet = "\\\\\\x0178fFgnbtvrNz\xc3\xa9";
  for (int i = 0; i < 5000; ++i) {
    std::string raw;
    const int len = static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) raw += alphabet[rng() % alphabet.size()];
    ASSERT_EQ(Unescaped(raw), UnescapedByteAtATime(raw)) << "case " << i << ": " << raw;
  }
}

TEST(MaskCopyText, RandomRowsSplitBackIntoTheirFields) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> values(1 + rng() % 6);
    std::string row;
    for (size_t c = 0; c < values.size(); ++c) {
      for (int k = static_cast<int>(rng() % 12); k > 0; --k) {
        values[c].push_back(static_cast<char>(rng()));
      }
      if (c > 0) row.push_back('\t');
      Escape(values[c], row);
    }
    row.push_back('\n');
    Fields fields = Split(row);
    ASSERT_EQ(fields.size(), values.size());
    for (size_t c = 0; c < values.size(); ++c) ASSERT_EQ(Unescaped(fields[c]), values[c]);
  }
}

TEST(MaskCopyText, TrickyRow) {
  // id, NULL, empty, "tab\there", "line\nbreak", "back\slash", literal "\N", UTF-8.
  const std::string row = "7\t\\N\t\ttab\\there\tline\\nbreak\tback\\\\slash\t\\\\N\tZo\xc3\xab\n";
  Fields f = Split(row);
  ASSERT_EQ(f.size(), 8u);
  EXPECT_TRUE(IsNull(f[1]));
  EXPECT_FALSE(IsNull(f[2]));
  EXPECT_EQ(Unescaped(f[2]), "");
  EXPECT_EQ(Unescaped(f[3]), "tab\there");
  EXPECT_EQ(Unescaped(f[4]), "line\nbreak");
  EXPECT_EQ(Unescaped(f[5]), "back\\slash");
  EXPECT_FALSE(IsNull(f[6]));
  EXPECT_EQ(Unescaped(f[6]), "\\N");
  EXPECT_EQ(Unescaped(f[7]), "Zo\xc3\xab");
}

}  // namespace
}  // namespace spur::pg::copy_text
