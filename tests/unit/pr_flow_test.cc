// pr::Flow on its own: a fake pool, a recorded audit trail, and fakes of the
// repository's commands and the forge (pr_fakes.h). What each step leaves
// behind when a command, the forge, the audit log or the caller's rights fail.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fake_pool.h"
#include "pr/flow.h"
#include "pr/forge_target.h"
#include "pr_fakes.h"

namespace spur::pr {
namespace {

using nlohmann::json;

constexpr char kTokenEnv[] = "SPUR_FORGE_TOKEN_PR_FLOW_UNIT";

struct AuditLine {
  std::string actor, action, target, result;
};

class FlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fp = test::FakePool::Make();
    ASSERT_TRUE(fp.ok()) << fp.status().message();
    fp_ = std::move(*fp);
    ::setenv(kTokenEnv, "tok-unit", 1);
    ASSERT_TRUE(PutRepo(std::string("migrate: ./migrate.sh\nforge: github\nforge_token_env: ") +
                        kTokenEnv + "\n")
                    .ok());
    FlowParts parts;
    parts.with_pool = [this](const std::function<Status(engine::Pool&)>& fn) {
      return fn(fp_->pool());
    };
    parts.audit = [this](const std::string& actor, const std::string& action,
                         const std::string& target, const std::string& result,
                         const json&) -> Status {
      if (!audit_error_.ok()) return audit_error_;
      audit_.push_back({actor, action, target, result});
      return Status::Ok();
    };
    parts.commands = &runner_;
    parts.poster = &poster_;
    parts.data_replaced = [this](int64_t id) { replaced_.push_back(id); };
    flow_ = std::make_unique<Flow>(std::move(parts));
  }
  void TearDown() override { ::unsetenv(kTokenEnv); }

  Status PutRepo(const std::string& config) {
    return fp_->store().PutRepo(
        {"acme/shop", "github", "0123456789abcdef0123456789abcdef", config, 0});
  }
  static FlowRequest Request(hooks::PrAction action, int64_t pr, const authz::Principal& who,
                             bool migrate = true, const std::string& repo = "acme/shop") {
    FlowRequest r;
    r.event.forge = "ci";
    r.event.repo = repo;
    r.event.number = pr;
    r.event.action = action;
    r.event.head_sha = "abc";
    r.who = who;
    r.migrate = migrate;
    return r;
  }
  Result<json> Open(int64_t pr, const authz::Principal& who = kAdmin) {
    return flow_->Apply(Request(hooks::PrAction::kOpen, pr, who));
  }

  static inline const authz::Principal kAdmin{"token:1(root)", authz::Role::kAdmin, "root"};
  std::unique_ptr<test::FakePool> fp_;
  test::FakeRunner runner_;
  test::FakePoster poster_;
  std::vector<AuditLine> audit_;
  Status audit_error_;
  std::vector<int64_t> replaced_;
  std::unique_ptr<Flow> flow_;
};

TEST_F(FlowTest, FailedMigrationKeepsTheBranchRecordsItAndSaysSoInTheComment) {
  runner_.answer = {3, 1.5, "applying 001\nERROR:  relation \"orders\" already exists\n"};
  auto out = Open(4);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)["result"], "created");
  EXPECT_EQ((*out)["migration"]["exit_code"], 3);
  EXPECT_TRUE(fp_->Exists("pr-4"));
  ASSERT_EQ(runner_.seen.size(), 1u);  // no seed after a failed migration
  EXPECT_EQ(runner_.seen[0].env.at("PGPASSWORD"), (*out)["connection"]["password"]);
  auto bound = fp_->store().GetPullRequest("acme/shop", 4);
  ASSERT_TRUE(bound.ok() && *bound);
  EXPECT_NE((*bound)->migration.find("already exists"), std::string::npos);
  ASSERT_EQ(poster_.bodies.size(), 1u);
  EXPECT_NE(poster_.bodies[0].find("failed with exit code 3"), std::string::npos);
  EXPECT_EQ(poster_.targets[0].token, "tok-unit");
  ASSERT_EQ(audit_.size(), 2u);
  EXPECT_EQ(audit_[0].result, "started");
  EXPECT_EQ(audit_[1].result, "ok (migration failed)");
  EXPECT_EQ(audit_[1].target, "acme/shop#4");
}

TEST_F(FlowTest, ForgeThatRefusesLeavesTheBranchAndNamesTheError) {
  runner_.answer = {0, 0.1, "ok\n"};
  poster_.answer =
      Unavailable("github answered HTTP 502 to POST /repos/acme/shop/issues/5/comments");
  auto out = Open(5);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)["comment_posted"], false);
  EXPECT_NE((*out)["comment_error"].get<std::string>().find("502"), std::string::npos);
  EXPECT_EQ(out->dump().find("tok-unit"), std::string::npos) << "the token leaked";
  EXPECT_TRUE(fp_->Exists("pr-5"));
  EXPECT_EQ(audit_.back().result, "ok");
}

TEST_F(FlowTest, UnreadableTokenFileIsNamedAndNothingIsPosted) {
  ASSERT_TRUE(PutRepo("migrate: ./migrate.sh\nforge: github\nforge_token_file: shop\n").ok());
  runner_.answer = {0, 0.1, ""};
  auto out = Open(6);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)["comment_posted"], false);
  EXPECT_NE((*out)["comment_error"].get<std::string>().find("/pool/forge-tokens/shop"),
            std::string::npos)
      << (*out)["comment_error"];
  EXPECT_TRUE(poster_.bodies.empty());
}

TEST_F(FlowTest, TokenScopedToAnotherRepoChangesAndAuditsNothing) {
  authz::Principal ci{"token:9(ci)", authz::Role::kDeveloper, "ci", {"acme/other"}};
  auto out = Open(7, ci);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kPermissionDenied);
  EXPECT_NE(out.status().message().find("acme/other"), std::string::npos);
  EXPECT_FALSE(fp_->Exists("pr-7"));
  EXPECT_TRUE(audit_.empty());
  EXPECT_TRUE(runner_.seen.empty());
}

TEST_F(FlowTest, AuditLogThatFailsStopsTheFlowBeforeAnyChange) {
  audit_error_ = Internal("audit log: disk full");
  auto out = Open(8);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("disk full"), std::string::npos);
  EXPECT_FALSE(fp_->Exists("pr-8"));
  EXPECT_TRUE(runner_.seen.empty());
}

TEST_F(FlowTest, UnknownRepositoryIsRefusedWhenOpeningButClosingStillWorks) {
  auto opened = flow_->Apply(Request(hooks::PrAction::kOpen, 9, kAdmin, false, "acme/typo"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kNotFound);
  EXPECT_NE(opened.status().message().find("spur repo list"), std::string::npos);
  EXPECT_FALSE(fp_->Exists("pr-9"));
  auto closed = flow_->Apply(Request(hooks::PrAction::kClose, 9, kAdmin, false, "acme/typo"));
  ASSERT_TRUE(closed.ok()) << closed.status().message();
  EXPECT_EQ((*closed)["deleted"], json::array());
}

TEST_F(FlowTest, MigrateWithNothingConfiguredIsRefused) {
  ASSERT_TRUE(PutRepo("ttl: 2h\n").ok());
  auto out = Open(10);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("migrate:"), std::string::npos);
  EXPECT_FALSE(fp_->Exists("pr-10"));
}

TEST_F(FlowTest, CloseDeletesTheBranchAndItsBindingAndForgetsItsUsage) {
  runner_.answer = {0, 0.1, ""};
  ASSERT_TRUE(Open(11).ok());
  auto branch = fp_->Get("pr-11");
  ASSERT_TRUE(branch.ok());
  auto out = flow_->Apply(Request(hooks::PrAction::kClose, 11, kAdmin, false));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_FALSE(fp_->Exists("pr-11"));
  auto bound = fp_->store().GetPullRequest("acme/shop", 11);
  ASSERT_TRUE(bound.ok());
  EXPECT_FALSE(*bound);
  ASSERT_EQ(replaced_.size(), 1u);
  EXPECT_EQ(replaced_[0], branch->id);
  EXPECT_EQ(audit_.back().action, "pr.close");
}

// The crash point between the branch and its binding: the next event adopts
// the branch its labels name, and a same-named branch of someone else's is
// refused, not taken over.
TEST_F(FlowTest, BranchMadeBeforeACrashIsAdoptedAndAStrangersIsNot) {
  ASSERT_TRUE(
      fp_->Create("pr-12", std::nullopt, "root", {{"repo", "acme/shop"}, {"pr", "12"}}).ok());
  runner_.answer = {0, 0.1, ""};
  auto adopted = Open(12);
  ASSERT_TRUE(adopted.ok()) << adopted.status().message();
  EXPECT_EQ((*adopted)["result"], "reset");
  ASSERT_TRUE(fp_->Create("pr-13", std::nullopt, "alice").ok());
  auto refused = Open(13);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(fp_->Get("pr-13")->owner, "alice");
}

TEST_F(FlowTest, SameCommitKeepsTheBranchAndDoesNotMigrateAgain) {
  runner_.answer = {0, 0.2, "applied\n"};
  ASSERT_TRUE(Open(14).ok());
  auto again = Open(14);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ((*again)["result"], "kept");
  EXPECT_EQ(runner_.seen.size(), 1u);
  EXPECT_NE((*again)["migration"]["skipped"].get<std::string>().find("abc"), std::string::npos);
  FlowRequest reset = Request(hooks::PrAction::kOpen, 14, kAdmin);
  reset.if_exists = IfExists::kReset;
  auto fresh = flow_->Apply(reset);
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  EXPECT_EQ((*fresh)["result"], "reset");
  EXPECT_EQ(runner_.seen.size(), 2u);
}

// CommentTargetFor reads the token file as an operator writes it.
TEST(ForgeTargetTest, TokenFileLosesItsLineEndAndTwoLinesAreRefused) {
  hooks::RepoConfig cfg;
  cfg.forge = "gitlab";
  cfg.forge_token_file = "shop";
  const std::string path = "/tmp/spur_forge_target_test." + std::to_string(::getpid());
  std::ofstream(path) << "glpat-abc\n";
  auto t = CommentTargetFor(cfg, "group/shop", 3, path);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->token, "glpat-abc");
  EXPECT_EQ(t->api_url, "https://gitlab.com/api/v4");
  std::ofstream(path) << "glpat-abc\nsecond\n";
  auto two = CommentTargetFor(cfg, "group/shop", 3, path);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(two.status().message().find("glpat"), std::string::npos) << "the token leaked";
  std::remove(path.c_str());
}

}  // namespace
}  // namespace spur::pr
