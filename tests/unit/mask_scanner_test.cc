#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "mask/aho_corasick.h"
#include "mask/scanner.h"

namespace spur::mask {
namespace {

namespace fs = std::filesystem;

using Matches = std::vector<std::pair<uint32_t, size_t>>;  // (pattern, end), sorted

Matches Naive(const std::vector<std::string>& patterns, std::string_view text) {
  Matches out;
  for (uint32_t id = 0; id < patterns.size(); ++id) {
    const std::string& p = patterns[id];
    if (p.empty()) continue;
    for (size_t pos = text.find(p); pos != std::string_view::npos; pos = text.find(p, pos + 1)) {
      out.emplace_back(id, pos + p.size());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Feeds `text` in pieces cut at `cuts`, carrying the state, with ends made absolute.
Matches Search(const AhoCorasick& ac, std::string_view text, std::vector<size_t> cuts = {}) {
  Matches out;
  cuts.push_back(text.size());
  AhoCorasick::State state = AhoCorasick::kStart;
  size_t begin = 0;
  for (size_t cut : cuts) {
    state = ac.Feed(text.substr(begin, cut - begin), state,
                    [&](uint32_t id, size_t end) { out.emplace_back(id, begin + end); });
    begin = cut;
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(MaskAhoCorasick, ClassicExample) {
  const std::vector<std::string> patterns = {"he", "she", "his", "hers"};
  AhoCorasick ac(patterns);
  EXPECT_EQ(ac.pattern_count(), 4u);
  EXPECT_EQ(ac.max_pattern_length(), 4u);
  EXPECT_EQ(Search(ac, "ushers"), (Matches{{0, 4}, {1, 4}, {3, 6}}));
  EXPECT_EQ(Search(ac, "ahishers"), Naive(patterns, "ahishers"));
}

TEST(MaskAhoCorasick, OverlapsDuplicatesEmptyAndBinary) {
  const std::vector<std::string> patterns = {"aa", "aa", "", "a", std::string("\0\xff", 2)};
  AhoCorasick ac(patterns);
  const std::string text = std::string("aaa\0\xff", 5);
  EXPECT_EQ(Search(ac, text), Naive(patterns, text));
  EXPECT_EQ(Search(ac, text).size(), 3u + 2u + 2u + 1u);
  EXPECT_TRUE(Search(AhoCorasick(std::vector<std::string>{}), "anything").empty());
}

TEST(MaskAhoCorasick, MatchesNaiveSearchOnRandomData) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    const int alphabet = 2 + static_cast<int>(rng() % 4);  // small: many matches
    auto random_string = [&](size_t len) {
      std::string s;
      for (size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + rng() % alphabet));
      return s;
    };
    std::vector<std::string> patterns;
    for (int k = static_cast<int>(1 + rng() % 12); k > 0; --k) {
      patterns.push_back(random_string(1 + rng() % 6));
    }
    const std::string text = random_string(rng() % 400);
    AhoCorasick ac(patterns);
    ASSERT_EQ(Search(ac, text), Naive(patterns, text)) << "round " << round;
  }
}

TEST(MaskAhoCorasick, MatchesAcrossEveryCutPoint) {
  const std::vector<std::string> patterns = {"alice@example.com", "example", "com.al"};
  AhoCorasick ac(patterns);
  const std::string text = "xx alice@example.com.alice@example.com yy";
  const Matches expected = Naive(patterns, text);
  ASSERT_EQ(expected.size(), 5u);
  for (size_t a = 0; a <= text.size(); ++a) {
    ASSERT_EQ(Search(ac, text, {a}), expected) << "cut at " << a;
    for (size_t b = a; b <= text.size(); b += 7) ASSERT_EQ(Search(ac, text, {a, b}), expected);
  }
}

// A temporary directory tree, removed at the end of the test.
class MaskScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("spur_mask_scanner_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& rel, const std::string& data) {
    const fs::path path = root_ / rel;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << data;
  }

  Result<ScanReport> Run(const std::vector<Needle>& needles, ScanOptions options = {}) {
    return ScanDataDirectory((root_ / "data").string(), needles, options);
  }

  fs::path root_;
};

TEST_F(MaskScanner, CountsHitsPerNeedleAndArea) {
  Write("data/base/16384/16400", "....alice@example.com....alice@example.com..");
  Write("data/base/16384/16400_fsm", "nothing here");
  Write("data/global/1262", "+4930123456 and alice@example.com");
  Write("data/pg_wal/000000010000000000000001", "bob@example.org");
  Write("data/pg_xact/0000", "alice@example.com");
  Write("data/postgresql.conf", "port = 5432");
  const std::vector<Needle> needles = {{"alice@example.com", "public.users.email"},
                                       {"bob@example.org", "public.users.email"},
                                       {"+4930123456", "public.users.phone"},
                                       {"zz", "public.users.initials"},
                                       {"carol@example.net", "public.users.email"}};
  Result<ScanReport> report = Run(needles);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->files, 6u);
  EXPECT_EQ(report->areas.at("relations").files, 3u);
  EXPECT_EQ(report->areas.at("WAL").files, 1u);
  EXPECT_EQ(report->areas.at("WAL").bytes, 15u);
  EXPECT_EQ(report->areas.at("other").files, 2u);
  EXPECT_EQ(report->needles_searched, 4u);
  EXPECT_EQ(report->needles_skipped, 1u);
  ASSERT_EQ(report->leaks.size(), 3u);
  EXPECT_FALSE(report->clean());
  EXPECT_EQ(report->leaks[0].needle, 0u);
  EXPECT_EQ(report->leaks[0].column, "public.users.email");
  EXPECT_EQ(report->leaks[0].hits, 4u);
  EXPECT_EQ(report->leaks[0].files,
            (std::vector<std::string>{"base/16384/16400", "global/1262", "pg_xact/0000"}));
  EXPECT_EQ(report->leaks[1].needle, 1u);
  EXPECT_EQ(report->leaks[1].files, (std::vector<std::string>{"pg_wal/000000010000000000000001"}));
  EXPECT_EQ(report->leaks[2].column, "public.users.phone");
}

TEST_F(MaskScanner, ReportNeverContainsNeedleValues) {
  Write("data/base/1/1", "secret-value-1234 secret-value-1234");
  Result<ScanReport> report = Run({{"secret-value-1234", "public.users.ssn"}});
  ASSERT_TRUE(report.ok()) << report.status().message();
  const std::string json = report->ToJson().dump();
  EXPECT_EQ(json.find("secret-value"), std::string::npos) << json;
  EXPECT_NE(json.find("public.users.ssn"), std::string::npos);
  EXPECT_EQ(report->ToJson()["leaks"][0]["hits"], 2);
  EXPECT_EQ(report->ToJson()["clean"], false);
}

TEST_F(MaskScanner, FindsMatchesAcrossChunkBoundaries) {
  std::string data(100, '.');
  data.replace(5, 11, "needle-here");   // crosses byte 8
  data.replace(60, 11, "needle-here");  // crosses byte 64
  Write("data/base/1/2", data);
  for (size_t chunk : {1u, 3u, 8u, 13u, 64u, 1000u}) {
    ScanOptions options;
    options.chunk_bytes = chunk;
    Result<ScanReport> report = Run({{"needle-here", "t.c"}}, options);
    ASSERT_TRUE(report.ok()) << report.status().message();
    ASSERT_EQ(report->leaks.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(report->leaks[0].hits, 2u) << "chunk " << chunk;
    EXPECT_EQ(report->bytes, 100u);
  }
}

// Regression (found by bench/sync, verify --sample all): an original 11-digit
// tax id turned up by chance inside a masked 20-digit account number and
// was called a leak. A needle that starts or ends with a digit counts only
// where no digit adjoins it; at every chunk size, across chunk boundaries.
TEST_F(MaskScanner, NumbersInsideLongerNumbersAreNotHits) {
  const std::string needle = "13082317572";
  std::string data = "\x19" + needle + "\x01";  // stored on its own: a hit
  data += "DE7500" + needle + "709667416 ";     // inside a longer number: no hit
  data += "x" + needle + "9 9" + needle + "x";  // a digit on one side: no hit
  data += "\x19+49 1810714131\x19";             // starts with '+': its own rule
  data += needle;                               // at the end of the file: a hit
  Write("data/base/1/2", data);
  for (size_t chunk : {1u, 2u, 5u, 11u, 12u, 13u, 64u, 1000u}) {
    ScanOptions options;
    options.chunk_bytes = chunk;
    Result<ScanReport> report =
        Run({{needle, "t.tax_id"}, {"+49 1810714131", "t.phone"}, {"31715", "t.x"}}, options);
    ASSERT_TRUE(report.ok()) << report.status().message();
    ASSERT_EQ(report->leaks.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(report->leaks[0].needle, 0u);
    EXPECT_EQ(report->leaks[0].hits, 2u) << "chunk " << chunk;
    EXPECT_EQ(report->leaks[1].needle, 1u);
    EXPECT_EQ(report->leaks[1].hits, 1u) << "chunk " << chunk;
  }
  // A file that starts with the needle: nothing before it.
  Write("data/base/1/2", needle + " ");
  Result<ScanReport> first = Run({{needle, "t.tax_id"}});
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->clean());
}

TEST_F(MaskScanner, MatchesDoNotSpanFiles) {
  Write("data/base/1/a", "needle-");
  Write("data/base/1/b", "here");
  Result<ScanReport> report = Run({{"needle-here", "t.c"}});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->clean());
}

TEST_F(MaskScanner, KeepsAtMostThreeFilesPerNeedle) {
  for (int i = 0; i < 5; ++i) Write("data/base/1/" + std::to_string(i), "leak leak");
  Result<ScanReport> report = Run({{"leak", "t.c"}});
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->leaks.size(), 1u);
  EXPECT_EQ(report->leaks[0].hits, 10u);
  EXPECT_EQ(report->leaks[0].files, (std::vector<std::string>{"base/1/0", "base/1/1", "base/1/2"}));
}

TEST_F(MaskScanner, FollowsOnlyTablespaceLinks) {
  Write("outside/PG_15_202209061/16384/16500", "tablespace-leak");
  Write("elsewhere/file", "linked-leak");
  Write("data/base/1/1", "");
  fs::create_directories(root_ / "data/pg_tblspc");
  fs::create_directory_symlink(root_ / "outside", root_ / "data/pg_tblspc/16999");
  fs::create_directory_symlink(root_ / "elsewhere", root_ / "data/base/link");
  fs::create_symlink(root_ / "elsewhere/file", root_ / "data/pg_tblspc/notadir");
  Result<ScanReport> report = Run({{"tablespace-leak", "t.a"}, {"linked-leak", "t.b"}});
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->leaks.size(), 1u);
  EXPECT_EQ(report->leaks[0].column, "t.a");
  EXPECT_EQ(report->leaks[0].files,
            (std::vector<std::string>{"pg_tblspc/16999/PG_15_202209061/16384/16500"}));
  EXPECT_EQ(report->areas.at("relations").files, 2u);
  EXPECT_EQ(report->skipped_links, (std::vector<std::string>{"base/link", "pg_tblspc/notadir"}));
}

TEST_F(MaskScanner, RejectsMissingRootAndZeroOptions) {
  EXPECT_EQ(Run({}).status().code(), Code::kInvalidArgument);  // data/ not created
  Write("data/x", "");
  ScanOptions options;
  options.chunk_bytes = 0;
  EXPECT_EQ(Run({}, options).status().code(), Code::kInvalidArgument);
  Result<ScanReport> report = Run({});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->clean());
  EXPECT_EQ(report->files, 1u);
}

TEST(MaskScanArea, ByTopDirectory) {
  EXPECT_EQ(ScanArea("base/1/1259"), "relations");
  EXPECT_EQ(ScanArea("global/pg_control"), "relations");
  EXPECT_EQ(ScanArea("pg_tblspc/16999/PG_15/1/2"), "relations");
  EXPECT_EQ(ScanArea("pg_wal/000000010000000000000001"), "WAL");
  EXPECT_EQ(ScanArea("pg_xact/0000"), "other");
  EXPECT_EQ(ScanArea("postgresql.auto.conf"), "other");
  EXPECT_EQ(ScanArea("basement/x"), "other");
}

}  // namespace
}  // namespace spur::mask
