#include <gtest/gtest.h>

#include <string>

#include "hooks/repo_config.h"

namespace spur::hooks {
namespace {

constexpr std::string_view kFull = R"(# .spur.yaml for acme/shop
source: staging
ttl: 3d
migrate: "npm run migrate"
seed: db/seed.sql
workdir: /srv/checkouts/app
labels: {team: payments, cost-center: "cc 42"}
branch_prefix: shop-pr-
comment_command: "gh pr comment $SPUR_PR --body-file -"
protected: true
)";

// Expects `yaml` to be rejected with InvalidArgument whose message contains each of `parts`.
void ExpectRejected(std::string_view yaml, std::initializer_list<std::string_view> parts) {
  Result<RepoConfig> c = ParseRepoConfig(yaml);
  ASSERT_EQ(c.status().code(), Code::kInvalidArgument) << yaml;
  for (std::string_view part : parts) {
    EXPECT_NE(c.status().message().find(part), std::string::npos)
        << "\"" << part << "\" not in: " << c.status().message();
  }
}

TEST(HooksRepoConfig, ParsesEveryKey) {
  Result<RepoConfig> c = ParseRepoConfig(kFull);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->source, "staging");
  EXPECT_EQ(c->snapshot, "");
  EXPECT_EQ(c->ttl_seconds, 3 * 86400);
  EXPECT_EQ(c->migrate, "npm run migrate");
  EXPECT_EQ(c->seed, "db/seed.sql");
  EXPECT_EQ(c->workdir, "/srv/checkouts/app");
  EXPECT_EQ(c->labels,
            (std::map<std::string, std::string>{{"team", "payments"}, {"cost-center", "cc 42"}}));
  EXPECT_EQ(c->branch_prefix, "shop-pr-");
  EXPECT_EQ(c->BranchName(42), "shop-pr-42");
  EXPECT_EQ(c->comment_command, "gh pr comment $SPUR_PR --body-file -");
  EXPECT_TRUE(c->is_protected);
}

TEST(HooksRepoConfig, RehearseRulesParseAndReadBack) {
  auto c = ParseRepoConfig(
      "rehearse:\n  max_write_block: 500ms\n  max_read_block: 3s\n  max_rewrite: 2G\n"
      "  max_plan_regression: 20\n  allow_drop: [users.legacy_email, \"odd:name\"]\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rehearse.max_write_block_ms, 500);
  EXPECT_EQ(c->rehearse.max_read_block_ms, 3000);
  EXPECT_EQ(c->rehearse.max_rewrite_bytes, int64_t{2} << 30);
  EXPECT_EQ(c->rehearse.max_plan_regression, 20);
  EXPECT_EQ(c->rehearse.allow_drop, (std::vector<std::string>{"users.legacy_email", "odd:name"}));
  auto again = ParseRepoConfig(RepoConfigToYaml(*c));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, *c);
  EXPECT_EQ(RepoConfigToJson(*c)["rehearse"]["max_write_block_ms"], 500);
  // Unset: the defaults, and nothing written back.
  auto plain = ParseRepoConfig("source: main\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->rehearse, RehearseRules{});
  EXPECT_EQ(RepoConfigToYaml(*plain).find("rehearse"), std::string::npos);
}

TEST(HooksRepoConfig, RehearseRulesRejectBadValuesNamingTheKey) {
  for (const char* bad : {"rehearse: 3\n", "rehearse:\n  max_write_block: soon\n",
                          "rehearse:\n  max_write_block: 0ms\n", "rehearse:\n  max_rewrite: lots\n",
                          "rehearse:\n  max_plan_regression: 0\n", "rehearse:\n  allow_drop: x\n",
                          "rehearse:\n  allow_drop: [\"\"]\n", "rehearse:\n  nope: 1\n",
                          "rehearse:\n  max_read_block: 1s\n  max_read_block: 2s\n"}) {
    auto c = ParseRepoConfig(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.status().message().find("rehearse"), std::string::npos) << c.status().message();
    EXPECT_EQ(c.status().message().find('\n'), std::string::npos) << c.status().message();
  }
}

TEST(HooksRepoConfig, EmptyFileAndNullValuesMeanDefaults) {
  for (std::string_view yaml : {"", "# nothing yet\n", "ttl:\nsource: ~\nlabels:\n"}) {
    Result<RepoConfig> c = ParseRepoConfig(yaml);
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(*c, RepoConfig{}) << yaml;
    EXPECT_EQ(c->source, "main");
    EXPECT_EQ(c->BranchName(7), "pr-7");
    EXPECT_FALSE(c->ttl_seconds.has_value());
  }
}

TEST(HooksRepoConfig, SnapshotReplacesSource) {
  Result<RepoConfig> c = ParseRepoConfig("snapshot: nightly\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->snapshot, "nightly");
  EXPECT_EQ(c->source, "");
}

TEST(HooksRepoConfig, RejectsSourceWithSnapshot) {
  ExpectRejected("source: main\nsnapshot: nightly\n",
                 {".spur.yaml line 2", "both source and snapshot"});
}

TEST(HooksRepoConfig, RejectsUnknownKeysListingKnownOnes) {
  ExpectRejected("source: main\nttl: 3d\nmigrations: npm run migrate\n",
                 {".spur.yaml line 3", "unknown key \"migrations\"",
                  "source, snapshot, ttl, migrate, seed, workdir, labels, branch_prefix, "
                  "comment_command, protected"});
  ExpectRejected("[a]: 1\n", {"unknown key a list"});
}

TEST(HooksRepoConfig, RejectsRepeatedKeys) {
  ExpectRejected("ttl: 3d\nttl: 4d\n", {"line 2", "\"ttl\" appears twice"});
}

TEST(HooksRepoConfig, RejectsBadTtl) {
  ExpectRejected("source: main\nttl: 3 days\n", {".spur.yaml line 2: ttl: ", "duration"});
  ExpectRejected("ttl: 0\n", {"line 1: ttl: ", "zero"});
}

TEST(HooksRepoConfig, RejectsBadNames) {
  ExpectRejected("source: Main\n", {"line 1: source: ", "source branch name \"Main\""});
  ExpectRejected("snapshot: ../x\n", {"line 1: snapshot: ", "snapshot name"});
  ExpectRejected("branch_prefix: PR-\n", {"line 1: branch_prefix: ", "\"PR-123\""});
  ExpectRejected("branch_prefix: " + std::string(61, 'p') + "\n", {"branch_prefix", "64"});
  ExpectRejected("labels:\n  team: payments\n  Team: x\n", {"line 3: labels: ", "label key"});
  ExpectRejected("labels: {team: " + std::string(201, 'x') + "}\n",
                 {"line 1: labels: ", "label \"team\"", "200 printable"});
  ExpectRejected("labels: {team: \"a\\nb\"}\n", {"label \"team\"", "printable"});
}

TEST(HooksRepoConfig, RejectsWrongTypesNamingKeyAndLine) {
  ExpectRejected("source: main\nmigrate:\n  - npm ci\n  - npm run migrate\n",
                 {".spur.yaml line 2: migrate: ", "expected a string, found a list"});
  ExpectRejected("protected: maybe\n", {"line 1: protected: ", "true or false", "\"maybe\""});
  ExpectRejected("source: {name: main}\n", {"line 1: source: ", "a mapping"});
  ExpectRejected("\n\nlabels: [team, payments]\n", {"line 3: labels: ", "a list"});
  ExpectRejected("labels: {team: [a]}\n", {"labels", "name and a string"});
}

TEST(HooksRepoConfig, RejectsPathsOutsideTheirPlace) {
  ExpectRejected("seed: /etc/passwd\n", {"line 1: seed: ", "relative path"});
  ExpectRejected("seed: db/../../secrets.sql\n", {"seed", "not inside the checkout"});
  ExpectRejected("seed: ..\n", {"seed"});
  ExpectRejected("workdir: checkouts/app\n", {"line 1: workdir: ", "absolute path"});
}

TEST(HooksRepoConfig, AcceptsDotsThatStayInside) {
  Result<RepoConfig> c = ParseRepoConfig("seed: ./db/..seed.sql\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->seed, "./db/..seed.sql");
}

TEST(HooksRepoConfig, RejectsBrokenYamlAndNonMappings) {
  ExpectRejected("source: main\nlabels: {team: payments\n", {".spur.yaml line", "YAML"});
  ExpectRejected("- source: main\n", {"mapping", "a list"});
  ExpectRejected("just some text\n", {"mapping"});
}

TEST(HooksRepoConfig, RoundTripsThroughYaml) {
  RepoConfig tricky;
  tricky.snapshot = "nightly";
  tricky.source = "";
  tricky.ttl_seconds = 5400;
  tricky.migrate = "set -e\nnpm ci\nnpm run migrate -- --env \"pr\" # done\n";
  tricky.labels = {{"note", "true"}, {"empty", ""}, {"tilde", "~"}, {"colon", "a: b"}};
  tricky.branch_prefix = "";
  tricky.comment_command = "'quoted' $SPUR_PR";
  Result<RepoConfig> full = ParseRepoConfig(kFull);
  ASSERT_TRUE(full.ok()) << full.status().message();
  for (const RepoConfig& c : {RepoConfig{}, *full, tricky}) {
    std::string yaml = RepoConfigToYaml(c);
    Result<RepoConfig> back = ParseRepoConfig(yaml);
    ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << yaml;
    EXPECT_EQ(*back, c) << yaml;
  }
  EXPECT_NE(RepoConfigToYaml(tricky).find("ttl: 90m"), std::string::npos);
}

TEST(HooksRepoConfig, ToJson) {
  Result<RepoConfig> c = ParseRepoConfig(kFull);
  ASSERT_TRUE(c.ok()) << c.status().message();
  nlohmann::json j = RepoConfigToJson(*c);
  EXPECT_EQ(j["source"], "staging");
  EXPECT_TRUE(j["snapshot"].is_null());
  EXPECT_EQ(j["ttl_seconds"], 259200);
  EXPECT_EQ(j["labels"]["team"], "payments");
  EXPECT_EQ(j["branch_prefix"], "shop-pr-");
  EXPECT_EQ(j["protected"], true);

  nlohmann::json d = RepoConfigToJson(RepoConfig{});
  EXPECT_EQ(d["source"], "main");
  EXPECT_TRUE(d["ttl_seconds"].is_null());
  EXPECT_TRUE(d["migrate"].is_null());
  EXPECT_TRUE(d["labels"].is_object());
  EXPECT_EQ(d["protected"], false);
}

// Found by the repo_config fuzz target: a value with bytes that are not UTF-8 was accepted, and
// RepoConfigToJson(...).dump() (GET /repos, the audit log) then threw.
TEST(HooksRepoConfig, NonUtf8ValueIsRefusedBeforeItReachesJson) {
  auto c = ParseRepoConfig("migrate: \"\xff\xfe\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("not valid UTF-8 (byte 11)"), std::string::npos)
      << c.status().message();
}

// Found by the fuzz target next: an overlong encoding (E0 9E 8B) passed a lenient UTF-8 check.
TEST(HooksRepoConfig, OverlongUtf8IsRefused) {
  auto c = ParseRepoConfig("seed: \xe0\x9e\x8b\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("not valid UTF-8 (byte 7)"), std::string::npos)
      << c.status().message();
}

// Found by the repo_config fuzz target's 10-minute run: yaml-cpp turned a NUL
// inside a value into bytes that are not UTF-8, so the printed config did not
// read back. Control characters are refused in the file before YAML sees it.
TEST(HooksRepoConfig, NulInValueIsRefusedBeforeYamlTurnsItIntoNonUtf8) {
  auto c = ParseRepoConfig(std::string("seed: a\xe0\xbe\x8b:= \xe0\xbe\x8b\0_b\n", 20));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(".spur.yaml holds a control character (byte 17)"),
            std::string::npos)
      << c.status().message();
}

// Found by the repo_config fuzz target's second 10-minute run: the file was
// UTF-8, but the YAML escape "\_" in a double-quoted value made the single
// byte 0xA0, so the printed config (with a replacement character) did not
// read back equal. Values are checked for UTF-8 after YAML's escapes.
TEST(HooksRepoConfig, QuotedEscapeMakingNonUtf8IsRefused) {
  for (const char* yaml : {"migrate: \"np\n\n$\\_alsi\"\n", "migrate: \"\\N\"\n"}) {
    auto c = ParseRepoConfig(yaml);
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_NE(c.status().message().find("not UTF-8"), std::string::npos) << c.status().message();
  }
  // The same characters written as themselves are fine.
  auto nbsp = ParseRepoConfig("migrate: \"make\u00a0migrate\"\n");
  ASSERT_TRUE(nbsp.ok()) << nbsp.status().message();
  EXPECT_EQ(nbsp->migrate, "make\xc2\xa0migrate");
}

// Found by the repo_config fuzz target: a value ending in a carriage return
// was kept, and RepoConfigToYaml wrote it unquoted so it read back without it.
TEST(HooksRepoConfig, CarriageReturnInValueIsRefusedNotLostOnRoundTrip) {
  auto c = ParseRepoConfig("seed: .s./tc\r");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("control character"), std::string::npos)
      << c.status().message();
  EXPECT_EQ(c.status().message().find('\r'), std::string::npos);
  EXPECT_FALSE(ParseRepoConfig("source: \"ma\\x01in\"\n").ok());
  EXPECT_FALSE(ParseRepoConfig("migrate: \"make\\rmigrate\"\n").ok());
  // Commands may span lines and hold tabs, and they survive the round trip.
  auto multi = ParseRepoConfig("migrate: |\n  make migrate\n  make\tseed\n");
  ASSERT_TRUE(multi.ok()) << multi.status().message();
  EXPECT_EQ(multi->migrate, "make migrate\nmake\tseed\n");
  auto again = ParseRepoConfig(RepoConfigToYaml(*multi));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->migrate, multi->migrate);
  // A file saved with Windows line endings still reads.
  auto crlf = ParseRepoConfig("source: main\r\nttl: 3d\r\n");
  ASSERT_TRUE(crlf.ok()) << crlf.status().message();
  EXPECT_EQ(crlf->source, "main");
}

}  // namespace
}  // namespace spur::hooks

namespace spur::hooks {
namespace {

// Issue 13, item 7: the forge spur posts the PR comment to. Its token comes
// only from an env var named SPUR_FORGE_* or a file in the pool's
// forge-tokens directory, and crosses the network only over https (plain
// http to loopback, for a local forge), so settings cannot send another
// secret of the host anywhere.
TEST(HooksRepoConfig, ForgeSettingsKeepTheTokenWhereItBelongs) {
  auto c = ParseRepoConfig(
      "forge: github\nforge_url: https://github.example.com/api/v3\n"
      "forge_token_env: SPUR_FORGE_TOKEN\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->forge, "github");
  EXPECT_EQ(c->forge_url, "https://github.example.com/api/v3");
  auto back = ParseRepoConfig(RepoConfigToYaml(*c));
  ASSERT_TRUE(back.ok()) << RepoConfigToYaml(*c);
  EXPECT_EQ(*back, *c);
  EXPECT_TRUE(ParseRepoConfig("forge: gitlab\nforge_token_file: gitlab\n").ok());
  EXPECT_TRUE(
      ParseRepoConfig("forge: gitlab\nforge_url: http://127.0.0.1:8080/api/v4\nforge_token_file: "
                      "t\n")
          .ok());
  ExpectRejected("forge: bitbucket\nforge_token_file: t\n", {"github or gitlab"});
  ExpectRejected("forge: github\n", {"exactly one"});
  ExpectRejected("forge: github\nforge_token_env: SPUR_FORGE_A\nforge_token_file: t\n",
                 {"exactly one"});
  ExpectRejected("forge: github\nforge_token_env: AWS_SECRET_ACCESS_KEY\n", {"SPUR_FORGE_"});
  ExpectRejected("forge: github\nforge_token_file: ../../etc/shadow\n", {"forge token file"});
  ExpectRejected("forge: github\nforge_token_env: SPUR_FORGE_T\nforge_url: http://evil.example/\n",
                 {"https"});
  ExpectRejected("forge_token_env: SPUR_FORGE_T\n", {"need forge"});
}

}  // namespace
}  // namespace spur::hooks
