// The pull-request flow as the API runs it (POST /ci/up over api::Service),
// with its outside effects faked: the repository's commands and the forge's
// API (pr_fakes.h), the forge token from the environment as `spur serve` reads
// it. pr_flow_test.cc tests pr::Flow on its own.
#include <gtest/gtest.h>

#include <cstdlib>

#include "api_harness.h"
#include "pr_fakes.h"

namespace spur::api {
namespace {

using nlohmann::json;

using test::FakePoster;
using test::FakeRunner;

constexpr char kToken[] = "SPUR_FORGE_TOKEN_PR_FLOW_TEST";

class PrFlowTest : public ::testing::Test {
 protected:
  PrFlowTest()
      : h_(nullptr, [this](ServiceOptions& o) {
          o.command_runner = &runner_;
          o.comment_poster = &poster_;
        }) {}
  void SetUp() override {
    ASSERT_TRUE(h_.ready());
    ::setenv(kToken, "tok-123", 1);
    const std::string config = std::string("migrate: ./migrate.sh\nforge: github\n") +
                               "forge_url: https://github.example.com/api/v3\n" +
                               "forge_token_env: " + kToken + "\n";
    ASSERT_TRUE(h_.store()
                    .PutRepo({"acme/shop", "github", "0123456789abcdef0123456789abcdef", config, 0})
                    .ok());
  }
  void TearDown() override { ::unsetenv(kToken); }
  Reply Up(int pr) {
    return h_.Do("POST", "/ci/up", test::kTestAdmin,
                 {{"pr", pr}, {"repo", "acme/shop"}, {"sha", "abc"}, {"migrate", true}});
  }
  FakeRunner runner_;
  FakePoster poster_;
  test::ApiHarness h_;
};

TEST_F(PrFlowTest, FailedMigrationIsRecordedShownAndCommented) {
  runner_.answer = {3, 1.5, "applying 001\nERROR:  relation \"orders\" already exists\n"};
  Reply r = Up(4);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["migration"]["exit_code"], 3);
  EXPECT_NE(r.body["migration"]["output_tail"].get<std::string>().find("already exists"),
            std::string::npos);
  ASSERT_EQ(runner_.seen.size(), 1u);  // no seed after a failed migration
  EXPECT_EQ(runner_.seen[0].command, "./migrate.sh");
  EXPECT_EQ(runner_.seen[0].env.at("SPUR_PR"), "4");
  EXPECT_NE(runner_.seen[0].env.at("DATABASE_URL").find("postgresql://"), std::string::npos);
  ASSERT_EQ(poster_.bodies.size(), 1u);
  EXPECT_NE(poster_.bodies[0].find("failed with exit code 3"), std::string::npos)
      << poster_.bodies[0];
  EXPECT_EQ(poster_.targets[0].api_url, "https://github.example.com/api/v3");
  EXPECT_EQ(poster_.targets[0].token, "tok-123");
  EXPECT_EQ(poster_.targets[0].pr, 4);
  EXPECT_EQ(poster_.markers[0], "<!-- spur:acme/shop#4 -->");
  EXPECT_EQ(r.body["comment_posted"], true);
  EXPECT_EQ(r.body["comment_id"], 77);
}

TEST_F(PrFlowTest, ForgeErrorIsReportedAndTheBranchStays) {
  runner_.answer = {0, 0.2, "ok\n"};
  poster_.answer =
      Unavailable("github answered HTTP 502 to POST /repos/acme/shop/issues/5/comments");
  Reply r = Up(5);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["result"], "created");
  EXPECT_EQ(r.body["comment_posted"], false);
  EXPECT_NE(r.body["comment_error"].get<std::string>().find("502"), std::string::npos);
  EXPECT_EQ(r.body.dump().find("tok-123"), std::string::npos) << "the token leaked";
}

TEST_F(PrFlowTest, MissingTokenIsSaidAndNothingIsSent) {
  ::unsetenv(kToken);
  runner_.answer = {0, 0.1, ""};
  Reply r = Up(6);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["comment_posted"], false);
  EXPECT_NE(r.body["comment_error"].get<std::string>().find(kToken), std::string::npos);
  EXPECT_TRUE(poster_.bodies.empty());
}

// Bytes that are not UTF-8 in a command's output reach JSON cleaned.
TEST_F(PrFlowTest, CommandOutputThatIsNotUtf8IsCleaned) {
  runner_.answer = {1, 0.1, std::string("bad \xff\xfe bytes")};
  Reply r = Up(7);
  ASSERT_EQ(r.status, 200) << r.body.dump(-1, ' ', false, json::error_handler_t::replace);
  EXPECT_NO_THROW(r.body.dump());
}

}  // namespace
}  // namespace spur::api

namespace spur::api {
namespace {

// Regression (found by the runner test): `ci up` without --migrate on a kept
// branch erased the recorded migration, and the comment then said no migrate
// command was configured.
TEST_F(PrFlowTest, KeptBranchKeepsItsMigrationRecordWithoutMigrate) {
  runner_.answer = {0, 0.3, "applied\n"};
  ASSERT_EQ(Up(8).status, 200);
  Reply again =
      h_.Do("POST", "/ci/up", test::kTestAdmin, {{"pr", 8}, {"repo", "acme/shop"}, {"sha", "abc"}});
  ASSERT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body["result"], "kept");
  EXPECT_EQ(runner_.seen.size(), 1u);
  ASSERT_EQ(poster_.bodies.size(), 2u);
  EXPECT_NE(poster_.bodies[1].find("succeeded"), std::string::npos) << poster_.bodies[1];
  EXPECT_EQ(poster_.bodies[1].find("No migrate command configured"), std::string::npos);
}

}  // namespace
}  // namespace spur::api
