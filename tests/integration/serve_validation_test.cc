// Issue 11 against the real `spur serve`: hostile bodies and settings from a
// developer token over HTTP, and `--pg` through the CLI against the daemon.
// The daemon stays up and nothing is created.
#include <algorithm>
#include <string>

#include "serve_fixture.h"

namespace spur::testing {
namespace {

using nlohmann::json;

class ServeValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "spur serve runs postgres as the postgres user; needs root";
    ServePoolOptions o;
    o.sample_data = false;
    serve_ = std::make_unique<ServeFixture>(o);
    ASSERT_TRUE(serve_->ok()) << serve_->error();
    ASSERT_TRUE(serve_->Start()) << serve_->error();
  }
  void TearDown() override {
    if (HasFailure() && serve_) std::printf("--- spur serve log ---\n%s\n", serve_->Log().c_str());
  }
  bool Healthy() { return serve_->Call("GET", "/healthz", "").status == 200; }

  std::unique_ptr<ServeFixture> serve_;
};

TEST_F(ServeValidationTest, DeeplyNestedBodyIsRefusedNotCrash) {
  const auto dev = serve_->MakeToken("developer", "alice");
  std::string body;
  for (int i = 0; i < 100000; ++i) body += "{\"a\":";
  body += "1";
  for (int i = 0; i < 100000; ++i) body += "}";
  for (const char* target : {"/branches", "/ci/up", "/snapshots"}) {
    http::Response r = serve_->Call("POST", target, dev.secret, body);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body.substr(0, 300);
    EXPECT_NE(r.body.find("levels deep"), std::string::npos) << r.body.substr(0, 300);
  }
  http::Response hook = serve_->Call("POST", "/hooks/github", "", body,
                                     {{"X-GitHub-Event", "pull_request"},
                                      {"X-GitHub-Delivery", "nested-1"},
                                      {"X-Hub-Signature-256", "sha256=00"},
                                      {"Content-Type", "application/json"}});
  EXPECT_EQ(hook.status, 401) << hook.body.substr(0, 300);  // unreadable: names no secret
  EXPECT_TRUE(Healthy());
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
}

TEST_F(ServeValidationTest, DuplicateJsonKeysRefused) {
  const auto dev = serve_->MakeToken("developer", "alice");
  http::Response r = serve_->Call("POST", "/branches", dev.secret,
                                  R"({"name":"a1","pg":{"work_mem":"4MB"},"pg":{"port":"1"}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("repeats the key"), std::string::npos) << r.body;
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
}

TEST_F(ServeValidationTest, DeveloperPgSettingsThroughTheDaemonAreAllowlisted) {
  const auto dev = serve_->MakeToken("developer", "alice");
  struct Case {
    std::string pg;
    int status;
  };
  for (const Case& c :
       std::vector<Case>{{R"({"archive_mode":"on","archive_command":"id > /tmp/spur-pwned"})", 403},
                         {R"({"unix_socket_directories":"/tmp"})", 403},
                         {R"({"listen_addresses":"0.0.0.0"})", 403},
                         {R"({"shared_buffers":"1GB"})", 403},
                         {R"({"work_mem":"64MB'\narchive_command='id'"})", 400},
                         {R"({"no_such_setting":"1"})", 400}}) {
    http::Response r =
        serve_->Call("POST", "/branches", dev.secret, R"({"name":"x","pg":)" + c.pg + "}");
    EXPECT_EQ(r.status, c.status) << c.pg << ": " << r.body;
  }
  // The CLI against the daemon with the developer's token: same answers.
  CliResult cli = serve_->Remote(serve_->http_url(), dev.secret,
                                 {"branch", "create", "x", "--pg", "archive_command=id"});
  EXPECT_EQ(cli.exit_code, 7) << cli.err;
  EXPECT_EQ(std::count(cli.err.begin(), cli.err.end(), '\n'), 1) << cli.err;
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});

  CliResult ok = serve_->Remote(serve_->http_url(), dev.secret,
                                {"branch", "create", "tuned", "--pg", "work_mem=32MB"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  json b = serve_->AdminJson("GET", "/branches/tuned");
  EXPECT_EQ(b["settings"], json({{"work_mem", "32MB"}}));
  EXPECT_TRUE(Healthy());
}

TEST_F(ServeValidationTest, NonUtf8PathIsFourHundredNotInternalError) {
  for (const char* target : {"/branches/%FF%FE", "/branches/\xff", "/%C0%AF"}) {
    http::Response r = serve_->Call("GET", target, "");
    EXPECT_NE(r.status, 500) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("exception"), std::string::npos) << r.body;
  }
  const auto admin = serve_->MakeToken("admin", "ops");
  http::Response r = serve_->Call("GET", "/branches/%FF%FE", admin.secret);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(Healthy());
}

}  // namespace
}  // namespace spur::testing
