#include "common/units.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace spur {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB * 1024;
constexpr uint64_t kGiB = kMiB * 1024;
constexpr uint64_t kTiB = kGiB * 1024;

TEST(ParseDuration, AcceptsEachUnit) {
  struct Case {
    const char* text;
    int64_t seconds;
  };
  for (const Case& c : {Case{"45s", 45}, Case{"90m", 5400}, Case{"12h", 43200}, Case{"3d", 259200},
                        Case{"2w", 1209600}, Case{"1s", 1}}) {
    Result<int64_t> r = ParseDuration(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().message();
    EXPECT_EQ(*r, c.seconds) << c.text;
  }
}

TEST(ParseDurationMs, ReadsMillisecondsAndEveryDuration) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("2s"), 2000);
  EXPECT_EQ(*ParseDurationMs("1m"), 60000);
  EXPECT_EQ(*ParseDurationMs("3"), 3000);
  for (const char* bad : {"0ms", "ms", "1.5ms", "-1ms", "1 ms", "1mss", "0s", ""}) {
    EXPECT_FALSE(ParseDurationMs(bad).ok()) << bad;
  }
}

TEST(ParseDuration, BareNumberIsSeconds) {
  Result<int64_t> r = ParseDuration("600");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 600);
}

TEST(ParseDuration, RejectsMalformedInputWithAHint) {
  for (const char* bad : {"", "0", "0h", "-1h", "3x", "h", "1.5h", "1 h", "1H", "1hh", "1h30m"}) {
    Result<int64_t> r = ParseDuration(bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << '"' << bad << '"';
    EXPECT_NE(r.status().message().find("like 90m"), std::string::npos) << r.status().message();
  }
}

TEST(ParseDuration, RejectsOverflow) {
  for (const char* huge : {"99999999999999999999d", "99999999999999999999", "9999999999999999w",
                           "18446744073709551616s"}) {
    EXPECT_EQ(ParseDuration(huge).status().code(), Code::kInvalidArgument) << huge;
  }
}

TEST(ParseDuration, AcceptsLongButRepresentableDurations) {
  Result<int64_t> r = ParseDuration("5200w");  // about a century
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, int64_t{5200} * 7 * 86400);
}

TEST(ParseSize, BareNumberIsBytes) {
  Result<uint64_t> r = ParseSize("4096");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4096u);
}

TEST(ParseSize, AcceptsPowersOf1024) {
  struct Case {
    const char* text;
    uint64_t bytes;
  };
  for (const Case& c : {Case{"1K", kKiB}, Case{"512M", 512 * kMiB}, Case{"20G", 20 * kGiB},
                        Case{"1T", kTiB}, Case{"12B", 12}}) {
    Result<uint64_t> r = ParseSize(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().message();
    EXPECT_EQ(*r, c.bytes) << c.text;
  }
}

TEST(ParseSize, SuffixesAreCaseInsensitive) {
  for (const char* text : {"2G", "2g", "2GB", "2gb", "2Gb", "2GiB", "2gib", "2GIB"}) {
    Result<uint64_t> r = ParseSize(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_EQ(*r, 2 * kGiB) << text;
  }
  Result<uint64_t> k = ParseSize("3KiB");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, 3 * kKiB);
  Result<uint64_t> kb = ParseSize("3kb");
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ(*kb, 3 * kKiB);
}

TEST(ParseSize, RejectsJunk) {
  for (const char* bad : {"", "G", "-1G", "1.5G", "1 G", "1P", "1X", "1GG", "1KBB", "abc"}) {
    Result<uint64_t> r = ParseSize(bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << '"' << bad << '"';
    EXPECT_NE(r.status().message().find("like 512M"), std::string::npos) << r.status().message();
  }
}

TEST(ParseSize, RejectsAUnitSuffixWithoutAUnit) {
  // The grammar is <number>[K|M|G|T][B|iB]: "iB" needs a K, M, G or T before it,
  // and "B" may appear once.
  EXPECT_EQ(ParseSize("1iB").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSize("1BB").status().code(), Code::kInvalidArgument);
}

TEST(ParseSize, RejectsOverflow) {
  // 2^24 TiB is 2^64 bytes, one more than uint64_t holds.
  EXPECT_EQ(ParseSize("16777216T").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSize("99999999999999999999").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSize("18446744073709551616").status().code(), Code::kInvalidArgument);
  // Sizes are capped at one EiB (kMaxSizeBytes), so they always fit an int64.
  EXPECT_EQ(ParseSize("16777215T").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSize("1048577T").status().code(), Code::kInvalidArgument);
  Result<uint64_t> max_t = ParseSize("1048576T");
  ASSERT_TRUE(max_t.ok());
  EXPECT_EQ(*max_t, 1048576 * kTiB);
}

TEST(ParseDuration, HugeDurationsAreRefusedWithTheAllowedRange) {
  for (const char* huge : {"9223372036854775807", "36501d", "5215w", "1e30", "3153600001"}) {
    Result<int64_t> r = ParseDuration(huge);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << huge;
    EXPECT_NE(r.status().message().find("1s to 36500d"), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(ParseDuration("36500d").ok());
}

TEST(ExpiryAfter, NeverOverflows) {
  EXPECT_EQ(ExpiryAfter(1000, 60).value(), 1060);
  EXPECT_FALSE(ExpiryAfter(1000, std::numeric_limits<int64_t>::max()).ok());
  EXPECT_FALSE(ExpiryAfter(1000, 0).ok());
  EXPECT_FALSE(ExpiryAfter(1000, -5).ok());
  EXPECT_FALSE(ExpiryAfter(std::numeric_limits<int64_t>::max() - 10, 3600).ok());
  EXPECT_EQ(SaturatingAdd(std::numeric_limits<int64_t>::max() - 1, 5),
            std::numeric_limits<int64_t>::max());
}

TEST(ParseInteger, QuotaMaxBranchesOneEThreeIsRefusedNotOne) {
  for (const char* bad :
       {"1e3", "0x10", "+5", " 5", "5 ", "5.0", "", "-", "--1", "1_000", "99999999999999999999"}) {
    Result<int64_t> r = ParseInteger("--max-branches", bad, 0, 1000);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("from 0 to 1000"), std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(ParseInteger("n", "1000", 0, 1000).value(), 1000);
  EXPECT_EQ(ParseInteger("n", "007", 0, 1000).value(), 7);
  EXPECT_FALSE(ParseInteger("n", "1001", 0, 1000).ok());
  EXPECT_FALSE(ParseInteger("n", "-1", 0, 1000).ok());
  EXPECT_EQ(ParseInteger("n", "-1", -1, 10).value(), -1);
}

TEST(ParseDecimal, PriceZeroXTenIsRefusedNotSixteen) {
  for (const char* bad : {"0x10", "1e3", "inf", "nan", "-1", "+1", ".5", "5.", "1,5", " 1", ""}) {
    EXPECT_EQ(ParseDecimal("price", bad, 0, 1e6).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_DOUBLE_EQ(ParseDecimal("price", "0.25", 0, 1e6).value(), 0.25);
  EXPECT_DOUBLE_EQ(ParseDecimal("price", "16", 0, 1e6).value(), 16);
  EXPECT_FALSE(ParseDecimal("price", "1000001", 0, 1e6).ok());
}

TEST(FormatBytes, PicksTheLargestUnitWithOneDecimalBelowTen) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(12), "12 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(kKiB), "1.0 KiB");
  EXPECT_EQ(FormatBytes(312 * kKiB), "312 KiB");
  EXPECT_EQ(FormatBytes(kGiB + kGiB / 2), "1.5 GiB");
  EXPECT_EQ(FormatBytes(64 * kMiB), "64 MiB");
  EXPECT_EQ(FormatBytes(3 * kTiB), "3.0 TiB");
  EXPECT_EQ(FormatBytes(2048 * kTiB), "2048 TiB");  // TiB is the largest unit
}

TEST(FormatDuration, UsesTheLargestUnitAndTheNextWhenNotZero) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(45), "45s");
  EXPECT_EQ(FormatDuration(59), "59s");
  EXPECT_EQ(FormatDuration(60), "1m");
  EXPECT_EQ(FormatDuration(12 * 60 + 59), "12m59s");
  EXPECT_EQ(FormatDuration(3 * 3600), "3h");
  EXPECT_EQ(FormatDuration(86399), "23h59m");
  EXPECT_EQ(FormatDuration(2 * 86400 - 60), "1d23h");
  EXPECT_EQ(FormatDuration(2 * 86400 + 5), "2d");
  EXPECT_EQ(FormatDuration(30 * 86400), "30d");
}

TEST(FormatDuration, KeepsTheSignOfNegativeDurations) {
  EXPECT_EQ(FormatDuration(-90), "-1m30s");
  EXPECT_EQ(FormatDuration(-5), "-5s");
}

TEST(FormatDuration, RoundTripsThroughParseDuration) {
  for (const char* text : {"45s", "12m", "3h", "2d"}) {
    Result<int64_t> r = ParseDuration(text);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(FormatDuration(*r), text);
  }
}

TEST(FormatTimestamp, IsUtcIso8601) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(1795259287), "2026-11-21T11:08:07Z");
  EXPECT_EQ(FormatTimestamp(951782400), "2000-02-29T00:00:00Z");  // a leap day
}

}  // namespace
}  // namespace spur
