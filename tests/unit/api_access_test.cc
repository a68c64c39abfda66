// Owners' data boundary (authz/data_access.h): a developer reads and copies only her
// own branches and pool-wide baselines (root branches, spur.shared=true), on
// every route that copies data; refusals are 403 and change nothing. Also the
// owner names forge logins become (common/names.h OwnerName).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/auth.h"
#include "api_harness.h"
#include "authz/data_access.h"
#include "common/names.h"

namespace spur::api {
namespace {

using nlohmann::json;
using test::ApiHarness;

const Principal kAdmin = test::kTestAdmin;
const Principal kAlice{"token:2(alice)", Role::kDeveloper, "alice"};
const Principal kBob{"token:4(bob)", Role::kDeveloper, "bob"};
const Principal kViewer{"token:3(victor)", Role::kViewer, "victor"};

// alice's branch "alice-b" (with a secret row) and its snapshot "alice-s";
// the protected, admin-made "alice-prod" she owns; bob's "bob-b".
class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h_.ready());
    Create("alice-b", "alice");
    ASSERT_TRUE(
        h_.fp().driver().WriteFile(h_.fp().Data("alice-b"), "base/1/secret", "s3cret").ok());
    ASSERT_TRUE(h_.pool().CreateSnapshot("alice-b", std::string("alice-s")).ok());
    Create("alice-prod", "alice", true);
    Create("bob-b", "bob");
  }
  void Create(const std::string& name, const std::string& owner, bool is_protected = false) {
    engine::CreateBranchOptions o;
    o.name = name;
    o.owner = owner;
    o.is_protected = is_protected;
    ASSERT_TRUE(h_.pool().CreateBranch(o).ok());
  }
  // `who` is refused with 403 and nothing changes (not even the audit log
  // beyond the request's own records).
  void ExpectRefused(const std::string& method, const std::string& path, const Principal& who,
                     json body = json::object()) {
    SCOPED_TRACE(method + " " + path + " " + body.dump());
    const json before = h_.State();
    Reply r = h_.Do(method, path, who, body);
    EXPECT_EQ(r.status, 403) << r.body.dump();
    ASSERT_TRUE(r.body.contains("error")) << r.body.dump();
    std::string message = r.body["error"].value("message", "");
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find("spur.shared"), std::string::npos) << message;
    EXPECT_EQ(h_.State(), before) << "a refused call changed the pool";
  }

  ApiHarness h_;
};

TEST_F(AccessTest, DeveloperCannotBranchFromOthersBranch) {
  ExpectRefused("POST", "/branches", kBob, {{"name", "stolen"}, {"from", "alice-b"}});
  EXPECT_FALSE(h_.fp().Exists("stolen"));
  // The owner and admins may.
  EXPECT_EQ(h_.Do("POST", "/branches", kAlice, {{"name", "a2"}, {"from", "alice-b"}}).status, 201);
  EXPECT_EQ(h_.Do("POST", "/branches", kAdmin, {{"name", "r2"}, {"from", "alice-b"}}).status, 201);
}

TEST_F(AccessTest, DeveloperCannotBranchFromOthersSnapshot) {
  ExpectRefused("POST", "/branches", kBob, {{"name", "stolen"}, {"snapshot", "alice-s"}});
  EXPECT_FALSE(h_.fp().Exists("stolen"));
  EXPECT_EQ(h_.Do("POST", "/branches", kAlice, {{"name", "a2"}, {"snapshot", "alice-s"}}).status,
            201);
}

TEST_F(AccessTest, DeveloperCannotResetOntoOthersSnapshot) {
  const std::string before = *h_.fp().driver().ReadFile(h_.fp().Data("bob-b"), "base/1/1259");
  ExpectRefused("POST", "/branches/bob-b/reset", kBob, {{"to", "alice-s"}});
  EXPECT_FALSE(h_.fp().driver().ReadFile(h_.fp().Data("bob-b"), "base/1/secret").ok());
  EXPECT_EQ(*h_.fp().driver().ReadFile(h_.fp().Data("bob-b"), "base/1/1259"), before);
}

TEST_F(AccessTest, DeveloperCannotResetOntoOthersParent) {
  // An admin made bob a branch of alice's: resetting re-copies her data now.
  ASSERT_EQ(h_.Do("POST", "/branches", kAdmin,
                  {{"name", "bob-of-alice"}, {"from", "alice-b"}, {"owner", "bob"}})
                .status,
            201);
  ExpectRefused("POST", "/branches/bob-of-alice/reset", kBob);
}

TEST_F(AccessTest, DeveloperCannotCopyProtectedBranchOfOthers) {
  ASSERT_TRUE(h_.pool().CreateSnapshot("alice-prod", std::string("prod-s")).ok());
  ExpectRefused("POST", "/branches", kBob, {{"name", "stolen"}, {"from", "alice-prod"}});
  ExpectRefused("POST", "/branches", kBob, {{"name", "stolen"}, {"snapshot", "prod-s"}});
  ExpectRefused("POST", "/branches/bob-b/reset", kBob, {{"to", "prod-s"}});
}

TEST_F(AccessTest, DeveloperCanBranchFromMain) {
  Reply implicit = h_.Do("POST", "/branches", kBob, {{"name", "b2"}});
  EXPECT_EQ(implicit.status, 201) << implicit.body.dump();
  Reply named = h_.Do("POST", "/branches", kBob, {{"name", "b3"}, {"from", "main"}});
  EXPECT_EQ(named.status, 201) << named.body.dump();
  // And from a snapshot of main, and reset onto it.
  ASSERT_TRUE(h_.pool().CreateSnapshot("main", std::string("main-s")).ok());
  EXPECT_EQ(h_.Do("POST", "/branches", kBob, {{"name", "b4"}, {"snapshot", "main-s"}}).status, 201);
  EXPECT_EQ(h_.Do("POST", "/branches/b2/reset", kBob, {{"to", "main-s"}}).status, 200);
  EXPECT_EQ(h_.Do("POST", "/branches/b2/reset", kBob).status, 200);
}

TEST_F(AccessTest, SharedLabelOpensABranchAndItsSnapshotsToDevelopers) {
  ExpectRefused("POST", "/branches", kBob, {{"name", "b2"}, {"from", "alice-b"}});
  // Only alice (or an admin) can share it.
  EXPECT_EQ(
      h_.Do("PATCH", "/branches/alice-b", kBob, {{"labels", {{"spur.shared", "true"}}}}).status,
      403);
  ASSERT_EQ(
      h_.Do("PATCH", "/branches/alice-b", kAlice, {{"labels", {{"spur.shared", "true"}}}}).status,
      200);
  EXPECT_EQ(h_.Do("POST", "/branches", kBob, {{"name", "b2"}, {"from", "alice-b"}}).status, 201);
  EXPECT_EQ(h_.Do("POST", "/branches", kBob, {{"name", "b3"}, {"snapshot", "alice-s"}}).status,
            201);
  // Sharing is not handing over: bob still cannot connect or change it.
  Reply conn = h_.Do("GET", "/branches/alice-b/connection", kBob);
  ASSERT_EQ(conn.status, 200);
  EXPECT_FALSE(conn.body.contains("password"));
  EXPECT_EQ(h_.Do("POST", "/branches/alice-b/reset", kBob).status, 403);
  // Unsharing closes the snapshots too.
  ASSERT_EQ(h_.Do("PATCH", "/branches/alice-b", kAlice, {{"labels", json::object()}}).status, 200);
  ExpectRefused("POST", "/branches", kBob, {{"name", "b4"}, {"snapshot", "alice-s"}});
}

TEST_F(AccessTest, ViewersReadNoData) {
  auto branches = h_.store().ListBranches();
  ASSERT_TRUE(branches.ok());
  for (const auto& b : *branches) {
    EXPECT_EQ(authz::MayReadData(kViewer, b), false) << b.name;
    EXPECT_EQ(authz::MayReadData(kAdmin, b), true) << b.name;
  }
  Reply conn = h_.Do("GET", "/branches/alice-b/connection", kViewer);
  ASSERT_EQ(conn.status, 200);
  EXPECT_FALSE(conn.body.contains("password"));
}

TEST_F(AccessTest, OthersDoNotWakeASuspendedBranch) {
  ASSERT_TRUE(h_.pool().StopBranch("alice-b", "idle").ok());
  const json before = h_.State();
  Reply r = h_.Do("GET", "/branches/alice-b/connection", kBob);
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(h_.State(), before) << "bob woke alice's branch";
  Reply own = h_.Do("GET", "/branches/alice-b/connection", kAlice);
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(own.body["state"], "running");
}

TEST_F(AccessTest, CiUpCopiesOnlyReadableSources) {
  ASSERT_TRUE(h_.store()
                  .PutRepo({"acme/shop", "github", "0123456789abcdef0123456789abcdef",
                            "source: alice-b\n", 0})
                  .ok());
  ExpectRefused("POST", "/ci/up", kBob, {{"pr", 3}, {"repo", "acme/shop"}});
  EXPECT_EQ(h_.Do("POST", "/ci/up", kAlice, {{"pr", 3}, {"repo", "acme/shop"}}).status, 200);
}

TEST(OwnerName, TokenOwnersAndForgeLoginsShareOneForm) {
  EXPECT_EQ(*OwnerName("OctoCat"), "octocat");
  EXPECT_EQ(*OwnerName("jane.doe"), "jane.doe");
  EXPECT_FALSE(OwnerName("_lead").ok());
  EXPECT_FALSE(OwnerName("").ok());
  EXPECT_FALSE(OwnerName("j\xc3\xa9r\xc3\xb4me").ok());
  EXPECT_FALSE(OwnerName(std::string(64, 'a')).ok());

  // A token made for "OctoCat" and the branch of OctoCat's pull request have
  // the same owner, so her developer token manages it.
  ApiHarness h;
  ASSERT_TRUE(h.ready());
  auto token = CreateToken(h.store(), Role::kDeveloper, "OctoCat", "", h.fp().now());
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(token->record.owner, "octocat");
  auto who = Authenticate(h.store(), "Bearer " + token->secret, h.fp().now());
  ASSERT_TRUE(who.ok());
  Reply made = h.Do("POST", "/branches", *who, {{"name", "x"}, {"owner", "OctoCat"}});
  EXPECT_EQ(made.status, 201) << made.body.dump();
  EXPECT_EQ(made.body["owner"], "octocat");
}

}  // namespace
}  // namespace spur::api
