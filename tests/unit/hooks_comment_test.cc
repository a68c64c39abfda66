#include <gtest/gtest.h>

#include <string>

#include "hooks/comment.h"

namespace spur::hooks {
namespace {

constexpr int64_t kNow = 1772445247;  // 2026-03-02T09:54:07Z

CommentInput Running() {
  CommentInput in;
  in.repo = "acme/shop";
  in.pr = 42;
  in.branch = "pr-42";
  in.state = "running";
  in.host = "db.example.com";
  in.port = 5512;
  in.database = "shop";
  in.role = "app";
  in.exclusive_bytes = 12 * 1024 * 1024;
  in.cost_estimate_month = 0.4213;
  in.expires_at = kNow + 3 * 86400;
  in.now = kNow;
  return in;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(HooksComment, StartsWithItsMarker) {
  std::string md = BuildPrComment(Running());
  EXPECT_EQ(md.substr(0, md.find('\n')), "<!-- spur:acme/shop#42 -->");
  EXPECT_EQ(CommentMarker("acme/shop", 42), "<!-- spur:acme/shop#42 -->");
  EXPECT_EQ(CommentMarker("evil-->\n<b>x", 1), "<!-- spur:evil--bx#1 -->");
}

TEST(HooksComment, TableShowsBranchStateStorageCostAndExpiry) {
  std::string md = BuildPrComment(Running());
  EXPECT_TRUE(Contains(md, "| `pr-42` | running | 12 MiB | $0.42 | 3d |")) << md;

  CommentInput in = Running();
  in.expires_at.reset();
  in.currency = "EUR";
  in.cost_estimate_month = 0.001;
  EXPECT_TRUE(Contains(BuildPrComment(in), "| &lt; 0.01 EUR | never |")) << BuildPrComment(in);
  in.expires_at = kNow - 1;
  EXPECT_TRUE(Contains(BuildPrComment(in), "| expired |"));
  in.expires_at = kNow + 3 * 3600 + 20 * 60;
  EXPECT_TRUE(Contains(BuildPrComment(in), "| 3h20m |"));
}

TEST(HooksComment, ConnectShowsUriWithoutPasswordAndTheUriHint) {
  std::string md = BuildPrComment(Running());
  EXPECT_TRUE(
      Contains(md, "#### Connect\n\n```sh\npsql \"postgresql://app@db.example.com:5512/shop\"\n"))
      << md;
  EXPECT_TRUE(Contains(md, "spur uri pr-42\n```\n"));
  EXPECT_FALSE(Contains(md, "spur branch start"));
}

TEST(HooksComment, StoppedBranchSaysHowToStartIt) {
  CommentInput in = Running();
  in.state = "stopped";
  std::string md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "| stopped |"));
  EXPECT_TRUE(Contains(md, "`spur branch start pr-42`")) << md;
}

TEST(HooksComment, BracketsIpv6HostsAndEncodesNames) {
  CommentInput in = Running();
  in.host = "::1";
  in.role = "app user";
  std::string md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "postgresql://app%20user@[::1]:5512/shop")) << md;
}

TEST(HooksComment, WithoutMigrationSaysNoneConfigured) {
  std::string md = BuildPrComment(Running());
  EXPECT_TRUE(Contains(md, "#### Migration\n\nNo migrate command configured")) << md;
  EXPECT_FALSE(Contains(md, "<details"));
}

TEST(HooksComment, SuccessfulMigration) {
  CommentInput in = Running();
  in.migration = MigrationResult{"npm run migrate", 0, 4.21, "Batch 1 run: 3 migrations\n"};
  std::string md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "✅ `npm run migrate` succeeded in 4.2s.")) << md;
  EXPECT_TRUE(Contains(md,
                       "<details><summary>Output (last lines)</summary>\n\n"
                       "```text\nBatch 1 run: 3 migrations\n```\n\n</details>"))
      << md;
}

TEST(HooksComment, FailedAndKilledMigrations) {
  CommentInput in = Running();
  in.migration = MigrationResult{"npm run migrate", 1, 125.0, "error: relation exists"};
  std::string md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "❌ `npm run migrate` failed with exit code 1 after 2m5s.")) << md;
  EXPECT_TRUE(Contains(md, "<details open>"));

  in.migration = MigrationResult{"./migrate.sh", -1, 0.5, ""};
  md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "❌ `./migrate.sh` was killed by a signal after 0.5s.")) << md;
  EXPECT_TRUE(Contains(md, "(no output)"));
}

TEST(HooksComment, OutputCannotBreakTheFence) {
  CommentInput in = Running();
  in.migration = MigrationResult{"run `x`", 1, 1, "```\n</details>\n# heading\n````sh\n"};
  std::string md = BuildPrComment(in);
  // The fence is longer than any backtick run inside, so the block ends only at its own fence.
  EXPECT_TRUE(Contains(md, "\n`````text\n```\n</details>\n# heading\n````sh\n`````\n")) << md;
  EXPECT_TRUE(Contains(md, "`` run `x` `` failed")) << md;
}

TEST(HooksComment, OutputLosesTerminalEscapesAndKeepsItsTail) {
  CommentInput in = Running();
  std::string noisy =
      "\x1b[32mok\x1b[0m\r\nprogress 10%\rprogress 100%\n\x1b]8;;http://x\x07link\x07";
  in.migration = MigrationResult{"m", 0, 1, noisy};
  std::string md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "```text\nok\nprogress 10%\nprogress 100%\nlink\n```")) << md;

  in.migration = MigrationResult{"m", 0, 1, std::string(40000, 'a') + "\xc3\xa9" + "END"};
  md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "[... earlier output cut ...]\n"));
  EXPECT_TRUE(Contains(md,
                       "\xc3\xa9"
                       "END\n```"));
  EXPECT_LT(md.size(), 20000u);
}

}  // namespace
}  // namespace spur::hooks

namespace spur::hooks {
namespace {

// Issue 13, item 7: the comment holds what the branch changed.
TEST(HooksComment, ChangesShowSchemaStatementsWithHazardsAndRowCounts) {
  CommentInput in = Running();
  DiffSummary d;
  d.against = "main";
  d.statements = {{"ALTER TABLE public.orders ADD COLUMN note text;", {}},
                  {"ALTER TABLE public.orders ALTER COLUMN id TYPE bigint;", {"table_rewrite"}},
                  {"-- ```\nDROP TABLE public.x;", {"data_loss"}}};
  d.tables = {{"public.orders", 3, 1, 2}};
  in.diff = d;
  std::string md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "#### Changes against `main`")) << md;
  EXPECT_TRUE(Contains(md, "3 schema statements, 2 with hazards.")) << md;
  EXPECT_TRUE(Contains(md, "-- hazard: table_rewrite\nALTER TABLE public.orders ALTER COLUMN id"));
  EXPECT_TRUE(Contains(md, "````sql")) << "a fence longer than the backticks inside";
  EXPECT_TRUE(Contains(md, "| `public.orders` | 3 | 1 | 2 |")) << md;
  // A table name cannot split the row into cells of its own (links, text).
  d.tables = {{"public.x|[pw](https://ev.il)|", 1, 0, 0}};
  in.diff = d;
  md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "| `public.x\\|[pw](https://ev.il)\\|` | 1 | 0 | 0 |")) << md;

  in.diff = DiffSummary{.against = "main", .error = "branch pr-42 [x](https://ev.il) is stopped"};
  md = BuildPrComment(in);
  EXPECT_TRUE(
      Contains(md, "The diff could not be made: `branch pr-42 [x](https://ev.il) is stopped`"))
      << md;
  in.diff = DiffSummary{.against = "main"};
  md = BuildPrComment(in);
  EXPECT_TRUE(Contains(md, "No schema changes.")) << md;
  EXPECT_TRUE(Contains(md, "No rows changed.")) << md;
  in.diff.reset();
  EXPECT_FALSE(Contains(BuildPrComment(in), "#### Changes"));
}

}  // namespace
}  // namespace spur::hooks
