// api::Service in-process over the fake pool: authorization by role and
// ownership, input validation, audit records, Status to HTTP, tokens,
// webhooks and `spur ci`. The audit log is a file under /tmp (removed after).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "api/auth.h"
#include "api/call.h"
#include "api/pool_access.h"
#include "api/service.h"
#include "api_harness.h"
#include "audit/log.h"
#include "common/crypto.h"
#include "common/metrics.h"
#include "engine/pool_config.h"
#include "fake_pool.h"
#include "os/errno_status.h"
#include "os/fs.h"

namespace spur::api {
namespace {

using nlohmann::json;
using test::FakePool;

const Principal kAdmin{"token:1(root)", Role::kAdmin, "root"};
const Principal kAlice{"token:2(alice)", Role::kDeveloper, "alice"};
const Principal kBob{"token:4(bob)", Role::kDeveloper, "bob"};
const Principal kViewer{"token:3(victor)", Role::kViewer, "victor"};
const Principal kNobody{"", Role::kViewer, ""};  // webhooks: no token

constexpr char kGitHubSecret[] = "0123456789abcdef0123456789abcdef";
constexpr char kGitLabSecret[] = "fedcba9876543210fedcba9876543210";

using Harness = test::ApiHarness;

class ApiServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = std::make_unique<Harness>();
    ASSERT_TRUE(h_->ready());
  }
  void TearDown() override { h_.reset(); }

  Reply Do(const std::string& method, const std::string& path, const Principal& who,
           json body = json::object(), std::map<std::string, std::string> query = {}) {
    return h_->Do(method, path, who, std::move(body), std::move(query));
  }
  // Creates `name` through the API as `who` and expects it to work.
  void Make(const std::string& name, const Principal& who, json extra = json::object()) {
    extra["name"] = name;
    Reply r = Do("POST", "/branches", who, extra);
    ASSERT_EQ(r.status, 201) << r.body.dump();
  }
  size_t BranchCount() { return h_->store().ListBranches()->size(); }
  std::string ErrorCode(const Reply& r) {
    return r.body.contains("error") ? r.body["error"].value("code", "") : "";
  }
  std::string ErrorMessage(const Reply& r) {
    return r.body.contains("error") ? r.body["error"].value("message", "") : "";
  }

  std::unique_ptr<Harness> h_;
};

// --- Authorization matrix ------------------------------------------------------

struct RouteCase {
  const char* method;
  const char* path;
  Role min_role;
  json body = json::object();
  std::map<std::string, std::string> query = {};
  int ok_status = 0;  // what an allowed caller gets; 0 = any 2xx
};

// Every route of the service (src/api/service.cc), with a request that works
// for a caller who may make it on the matrix pool.
std::vector<RouteCase> AllRoutes() {
  const Role V = Role::kViewer, D = Role::kDeveloper, A = Role::kAdmin;
  return {
      {"GET", "/status", V},
      {"GET", "/cost", V},
      {"GET", "/branches", V},
      {"POST", "/branches", D, {{"name", "fresh"}}},
      {"GET", "/branches/alice-b", V},
      {"PATCH", "/branches/alice-b", D, {{"labels", {{"k", "v"}}}}},
      {"DELETE", "/branches/alice-b", D},
      {"POST", "/branches/alice-b/reset", D},
      {"POST", "/branches/alice-b/start", D},
      {"POST", "/branches/alice-b/stop", D},
      {"POST", "/branches/alice-b/extend", D, {{"ttl", "1d"}}},
      {"GET", "/branches/alice-b/connection", V},
      {"GET", "/branches/alice-b/comment", V, json::object(), {}, 404},  // not a PR branch
      {"GET", "/snapshots", V},
      {"POST", "/snapshots", D, {{"branch", "alice-b"}, {"name", "snap2"}}},
      {"DELETE", "/snapshots/snap1", A},
      {"GET", "/tokens", A},
      {"POST", "/tokens", A, {{"role", "viewer"}, {"owner", "zed"}}},
      {"DELETE", "/tokens/1", A},
      {"GET", "/quotas", V},
      {"PUT", "/quotas", A, {{"max_branches", 50}}},
      {"DELETE", "/quotas", A},
      {"GET", "/schedules", V},
      {"PUT",
       "/schedules/nights",
       A,
       {{"label", "env=dev"}, {"stop", "0 19 * * *"}, {"start", "0 7 * * *"}}},
      {"DELETE", "/schedules/nights", A},
      {"GET", "/config", V},
      {"PUT", "/config/warn_before", A, {{"value", "2h"}}},
      {"GET", "/audit", A},
      {"GET", "/repos", V},
      {"PUT", "/repos", A, {{"name", "acme/web"}, {"forge", "github"}, {"secret", kGitHubSecret}}},
      {"DELETE", "/repos", A, json::object(), {{"name", "acme/shop"}}},
      {"GET", "/deliveries", A},
      {"POST", "/ci/up", D, {{"pr", 5}}},
      {"POST", "/ci/down", D, {{"pr", 5}}},
      // Webhooks authenticate by signature, not by role: unsigned is 401 for all.
      {"POST", "/hooks/github", V, json::object(), {}, 401},
      {"POST", "/hooks/gitlab", V, json::object(), {}, 401},
  };
}

// The matrix pool: alice's branch "alice-b" with snapshot "snap1", token 1,
// a pool quota, schedule "nights" and repository "acme/shop".
void SeedMatrixPool(Harness& h) {
  engine::CreateBranchOptions o;
  o.name = "alice-b";
  o.owner = "alice";
  ASSERT_TRUE(h.pool().CreateBranch(o).ok());
  ASSERT_TRUE(h.pool().CreateSnapshot("alice-b", std::string("snap1")).ok());
  auto token = CreateToken(h.store(), Role::kViewer, "someone", "", h.fp().now());
  ASSERT_TRUE(token.ok());
  ASSERT_EQ(token->record.id, 1);
  ASSERT_TRUE(h.store().PutQuota({"", 100, std::nullopt}).ok());
  ASSERT_TRUE(h.store().PutSchedule({"nights", "env=dev", "0 20 * * 1-5", "0 8 * * 1-5", 0}).ok());
  ASSERT_TRUE(h.store().PutRepo({"acme/shop", "github", kGitHubSecret, "", 0}).ok());
}

TEST(ApiServiceAuthz, EveryRouteRefusesExactlyTheRolesBelowItsMinimum) {
  for (const RouteCase& rc : AllRoutes()) {
    for (const Principal& who : {kViewer, kAlice, kAdmin}) {
      SCOPED_TRACE(std::string(rc.method) + " " + rc.path + " as " + ToString(who.role));
      Harness h;  // fresh for every call: allowed calls change the pool
      ASSERT_TRUE(h.ready());
      SeedMatrixPool(h);
      if (::testing::Test::HasFatalFailure()) return;
      const json before = h.State();
      const size_t records = h.Records().size();
      Reply r = h.Do(rc.method, rc.path, who, rc.body, rc.query);
      if (static_cast<int>(who.role) < static_cast<int>(rc.min_role)) {
        EXPECT_EQ(r.status, 403) << r.body.dump();
        ASSERT_TRUE(r.body.contains("error")) << r.body.dump();
        EXPECT_EQ(r.body["error"].value("code", ""), "permission_denied");
        EXPECT_FALSE(r.body["error"].value("message", "").empty());
        EXPECT_EQ(h.State(), before) << "a refused call changed the pool";
        EXPECT_EQ(h.Records().size(), records) << "a refused call was audited";
      } else if (rc.ok_status != 0) {
        EXPECT_EQ(r.status, rc.ok_status) << r.body.dump();
      } else {
        EXPECT_GE(r.status, 200) << r.body.dump();
        EXPECT_LT(r.status, 300) << r.body.dump();
      }
    }
  }
}

TEST(ApiServiceAuthz, MutationsAreAuditedAndReadsAreNot) {
  for (const RouteCase& rc : AllRoutes()) {
    SCOPED_TRACE(std::string(rc.method) + " " + rc.path);
    Harness h;
    ASSERT_TRUE(h.ready());
    SeedMatrixPool(h);
    if (::testing::Test::HasFatalFailure()) return;
    const std::string path = rc.path;
    const bool webhook = path.rfind("/hooks/", 0) == 0;
    const bool read = std::string(rc.method) == "GET";
    Reply r = h.Do(rc.method, rc.path, kAdmin, rc.body, rc.query);
    auto records = h.Records();
    if (read || webhook) {
      EXPECT_TRUE(records.empty()) << records.size() << " records";
      continue;
    }
    // `spur ci` records its pull-request work in between.
    ASSERT_GE(records.size(), 2u);
    const auto& first = records.front();
    const auto& last = records.back();
    EXPECT_EQ(first.result, "started");
    EXPECT_EQ(last.result,
              r.status < 300 ? "ok" : "error: " + r.body["error"].value("message", ""));
    EXPECT_EQ(first.actor, kAdmin.actor);
    EXPECT_EQ(last.actor, kAdmin.actor);
    EXPECT_EQ(first.action, last.action);
    EXPECT_FALSE(first.action.empty());
  }
}

// --- Ownership -----------------------------------------------------------------

// A quota set for "Alice" was stored as typed, while her tokens and branches
// say "alice": the quota never applied.
TEST_F(ApiServiceTest, QuotaOwnerIsTheOwnerNameTokensCarry) {
  Reply set = Do("PUT", "/quotas", kAdmin, {{"owner", "Alice"}, {"max_branches", 1}});
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_EQ(set.body["owner"], "alice");
  Make("a1", kAlice);
  EXPECT_EQ(Do("POST", "/branches", kAlice, {{"name", "a2"}}).status, 429);
  EXPECT_EQ(Do("PUT", "/quotas", kAdmin, {{"owner", "al ice"}, {"max_branches", 1}}).status, 400);
  EXPECT_EQ(Do("DELETE", "/quotas", kAdmin, json::object(), {{"owner", "ALICE"}}).status, 200);
  EXPECT_EQ(Do("POST", "/branches", kAlice, {{"name", "a2"}}).status, 201);
}

TEST_F(ApiServiceTest, DeveloperCreatesForHerselfOnly) {
  Reply r = Do("POST", "/branches", kAlice, {{"name", "a1"}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["owner"], "alice");
  EXPECT_EQ(h_->store().GetBranch("a1")->owner, "alice");
  EXPECT_EQ(r.body["password_hidden"], false) << "the owner sees her password";
  EXPECT_EQ(r.body["password"], h_->store().GetBranch("a1")->password);

  EXPECT_EQ(Do("POST", "/branches", kAlice, {{"name", "a2"}, {"owner", "alice"}}).status, 201);

  const json before = h_->State();
  Reply for_bob = Do("POST", "/branches", kAlice, {{"name", "a3"}, {"owner", "bob"}});
  EXPECT_EQ(for_bob.status, 403);
  EXPECT_EQ(ErrorCode(for_bob), "permission_denied");
  Reply protected_ = Do("POST", "/branches", kAlice, {{"name", "a4"}, {"protected", true}});
  EXPECT_EQ(protected_.status, 403);
  EXPECT_EQ(h_->State(), before);

  // An admin may do both.
  Reply admin =
      Do("POST", "/branches", kAdmin, {{"name", "b1"}, {"owner", "bob"}, {"protected", true}});
  ASSERT_EQ(admin.status, 201) << admin.body.dump();
  EXPECT_EQ(admin.body["owner"], "bob");
  EXPECT_EQ(admin.body["protected"], true);
}

TEST_F(ApiServiceTest, DeveloperManagesHerOwnBranch) {
  Make("a1", kAlice);
  const auto snapshot = h_->store().GetBranch("a1")->snapshot_id;
  Reply reset = Do("POST", "/branches/a1/reset", kAlice);
  ASSERT_EQ(reset.status, 200) << reset.body.dump();
  EXPECT_NE(h_->store().GetBranch("a1")->snapshot_id, snapshot);

  Reply stop = Do("POST", "/branches/a1/stop", kAlice);
  ASSERT_EQ(stop.status, 200) << stop.body.dump();
  EXPECT_EQ(stop.body["state"], "stopped");
  EXPECT_FALSE(h_->fp().control().IsRunning(h_->fp().Data("a1")));

  Reply start = Do("POST", "/branches/a1/start", kAlice);
  ASSERT_EQ(start.status, 200) << start.body.dump();
  EXPECT_EQ(start.body["state"], "running");

  Reply extend = Do("POST", "/branches/a1/extend", kAlice, {{"ttl", "3d"}});
  ASSERT_EQ(extend.status, 200) << extend.body.dump();
  EXPECT_EQ(*h_->store().GetBranch("a1")->expires_at, h_->fp().now() + 3 * 86400);

  Reply patch = Do("PATCH", "/branches/a1", kAlice, {{"labels", {{"team", "pay"}}}});
  ASSERT_EQ(patch.status, 200) << patch.body.dump();
  EXPECT_EQ(patch.body["labels"], json({{"team", "pay"}}));

  Reply del = Do("DELETE", "/branches/a1", kAlice);
  ASSERT_EQ(del.status, 200) << del.body.dump();
  EXPECT_EQ(del.body["deleted"], json::array({"a1"}));
  EXPECT_FALSE(h_->fp().Exists("a1"));
}

TEST_F(ApiServiceTest, DeveloperCannotTouchOthersOrProtectedBranches) {
  Make("b1", kBob);
  Make("guard", kAdmin, {{"owner", "alice"}, {"protected", true}});
  const json before = h_->State();
  for (const char* name : {"b1", "guard", "main"}) {
    SCOPED_TRACE(name);
    const std::string base = std::string("/branches/") + name;
    for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, json>>{
             {"POST", base + "/reset", json::object()},
             {"POST", base + "/stop", json::object()},
             {"POST", base + "/start", json::object()},
             {"POST", base + "/extend", {{"ttl", "1d"}}},
             {"PATCH", base, {{"labels", {{"x", "y"}}}}},
             {"DELETE", base, json::object()}}) {
      Reply r = Do(method, path, kAlice, body);
      EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body.dump();
      EXPECT_EQ(ErrorCode(r), "permission_denied");
    }
  }
  for (const char* name : {"b1", "main"}) {
    Reply snap = Do("POST", "/snapshots", kAlice, {{"branch", name}});
    EXPECT_EQ(snap.status, 403) << name << ": " << snap.body.dump();
  }
  EXPECT_NE(ErrorMessage(Do("POST", "/branches/guard/stop", kAlice)).find("protected"),
            std::string::npos);
  EXPECT_NE(ErrorMessage(Do("POST", "/branches/b1/stop", kAlice)).find("bob"), std::string::npos);
  EXPECT_EQ(h_->State(), before);
  EXPECT_TRUE(h_->fp().control().IsRunning(h_->fp().Data("b1")));
}

TEST_F(ApiServiceTest, DeveloperCannotForceOrChangeProtectionOrOwner) {
  Make("a1", kAlice);
  const json before = h_->State();
  EXPECT_EQ(Do("DELETE", "/branches/a1", kAlice, json::object(), {{"force", "1"}}).status, 403);
  EXPECT_EQ(Do("POST", "/branches/a1/reset", kAlice, {{"force", true}}).status, 403);
  EXPECT_EQ(Do("PATCH", "/branches/a1", kAlice, {{"protected", true}}).status, 403);
  EXPECT_EQ(Do("PATCH", "/branches/a1", kAlice, {{"owner", "bob"}}).status, 403);
  EXPECT_EQ(h_->State(), before);
  // Admins may force through protection.
  ASSERT_EQ(Do("PATCH", "/branches/a1", kAdmin, {{"protected", true}}).status, 200);
  EXPECT_EQ(Do("DELETE", "/branches/a1", kAdmin).status, 409) << "protected needs force";
  EXPECT_EQ(Do("DELETE", "/branches/a1", kAdmin, json::object(), {{"force", "1"}}).status, 200);
  EXPECT_FALSE(h_->fp().Exists("a1"));
}

// Regression: DELETE ?recursive=1 checked ownership of the named branch only,
// so a developer could delete other owners' branches made from hers.
TEST_F(ApiServiceTest, RecursiveDeleteByADeveloperSparesOthersBranches) {
  Make("a1", kAlice, {{"labels", {{"spur.shared", "true"}}}});  // so bob may copy it
  Make("b-from-a1", kBob, {{"from", "a1"}});
  Reply r = Do("DELETE", "/branches/a1", kAlice, json::object(), {{"recursive", "1"}});
  EXPECT_EQ(r.status, 403) << r.body.dump();
  EXPECT_TRUE(h_->fp().Exists("b-from-a1"));
}

// Developers reset and delete only their own pull-request branches through
// `spur ci` too; admins any.
TEST_F(ApiServiceTest, CiUpAndDownByADeveloperSpareOthersPrBranches) {
  ASSERT_EQ(Do("POST", "/ci/up", kBob, {{"pr", 4}}).status, 200);
  ASSERT_EQ(h_->store().GetBranch("pr-4")->owner, "bob");
  const json before = h_->State();
  Reply up = Do("POST", "/ci/up", kAlice, {{"pr", 4}});
  EXPECT_EQ(up.status, 403) << up.body.dump();
  Reply down = Do("POST", "/ci/down", kAlice, {{"pr", 4}});
  EXPECT_EQ(down.status, 403) << down.body.dump();
  EXPECT_EQ(ErrorCode(down), "permission_denied");
  EXPECT_EQ(h_->State(), before);
  EXPECT_TRUE(h_->fp().Exists("pr-4"));
  EXPECT_EQ(Do("POST", "/ci/down", kAdmin, {{"pr", 4}}).status, 200);
  EXPECT_FALSE(h_->fp().Exists("pr-4"));
}

TEST_F(ApiServiceTest, PasswordsAreShownOnlyToAdminsAndOwners) {
  Make("a1", kAlice);
  const std::string password = h_->store().GetBranch("a1")->password;
  ASSERT_FALSE(password.empty());
  for (const Principal& who : {kViewer, kBob}) {
    SCOPED_TRACE(who.actor);
    Reply show = Do("GET", "/branches/a1", who);
    ASSERT_EQ(show.status, 200);
    EXPECT_EQ(show.body["password_hidden"], true);
    EXPECT_FALSE(show.body.contains("password"));
    const std::string uri = show.body["uri"];
    EXPECT_EQ(uri.find(password), std::string::npos) << uri;
    EXPECT_EQ(uri.rfind("postgresql://app@", 0), 0u) << uri;
    Reply conn = Do("GET", "/branches/a1/connection", who);
    ASSERT_EQ(conn.status, 200);
    EXPECT_FALSE(conn.body.contains("password"));
    EXPECT_EQ(conn.body["password_hidden"], true);
    EXPECT_EQ(conn.body["uri"].get<std::string>().find(password), std::string::npos);
    Reply list = Do("GET", "/branches", who);
    ASSERT_EQ(list.status, 200);
    for (const auto& b : list.body) {
      EXPECT_FALSE(b.contains("password")) << b["name"];
      EXPECT_EQ(b["password_hidden"], true) << b["name"];
    }
    EXPECT_EQ(list.body.dump().find(password), std::string::npos);
    EXPECT_EQ(list.body.dump().find("main-password"), std::string::npos);
  }
  for (const Principal& who : {kAdmin, kAlice}) {
    SCOPED_TRACE(who.actor);
    Reply conn = Do("GET", "/branches/a1/connection", who);
    EXPECT_EQ(conn.body["password"], password);
    EXPECT_EQ(conn.body["password_hidden"], false);
    EXPECT_NE(conn.body["uri"].get<std::string>().find(password), std::string::npos);
  }
}

// Regression: start, stop, extend, update, protect and reset answered with
// the URI and its password, so CI logs of `spur branch extend` held it. Only
// replies whose purpose is connecting (create, /connection) carry it, even
// for the owner and an admin.
TEST_F(ApiServiceTest, OnlyConnectionRepliesCarryThePassword) {
  Reply created = Do("POST", "/branches", kAlice, {{"name", "a1"}});
  ASSERT_EQ(created.status, 201);
  const std::string password = h_->store().GetBranch("a1")->password;
  EXPECT_EQ(created.body["password"], password);
  const std::vector<std::tuple<std::string, std::string, json>> calls = {
      {"GET", "/branches/a1", json::object()},
      {"GET", "/branches", json::object()},
      {"POST", "/branches/a1/stop", json::object()},
      {"POST", "/branches/a1/start", json::object()},
      {"POST", "/branches/a1/extend", {{"ttl", "1d"}}},
      {"PATCH", "/branches/a1", {{"labels", {{"team", "shop"}}}}},
      {"PATCH", "/branches/a1", {{"protected", true}}},
      {"PATCH", "/branches/a1", {{"protected", false}}},
      {"POST", "/branches/a1/reset", json::object()},
  };
  for (const Principal& who : {kAlice, kAdmin}) {
    for (const auto& [method, path, body] : calls) {
      if (who.role != Role::kAdmin && body.contains("protected")) continue;
      SCOPED_TRACE(who.actor + " " + method + " " + path + " " + body.dump());
      Reply r = Do(method, path, who, body);
      ASSERT_LT(r.status, 300) << r.body.dump();
      EXPECT_EQ(r.body.dump().find(password), std::string::npos) << r.body.dump();
    }
  }
}

TEST_F(ApiServiceTest, ConnectionWakesASuspendedBranchForDevelopersAndAdminsOnly) {
  Make("a1", kAlice);
  ASSERT_TRUE(h_->pool().StopBranch("a1", "idle").ok());
  Reply viewer = Do("GET", "/branches/a1/connection", kViewer);
  ASSERT_EQ(viewer.status, 200) << viewer.body.dump();
  EXPECT_EQ(viewer.body["state"], "suspended");
  EXPECT_FALSE(h_->fp().control().IsRunning(h_->fp().Data("a1")));

  Reply alice = Do("GET", "/branches/a1/connection", kAlice);
  ASSERT_EQ(alice.status, 200) << alice.body.dump();
  EXPECT_EQ(alice.body["state"], "running");
  EXPECT_TRUE(h_->fp().control().IsRunning(h_->fp().Data("a1")));

  // A branch its user stopped stays stopped.
  ASSERT_TRUE(h_->pool().StopBranch("a1").ok());
  Reply stopped = Do("GET", "/branches/a1/connection", kAdmin);
  EXPECT_EQ(stopped.body["state"], "stopped");
  EXPECT_FALSE(h_->fp().control().IsRunning(h_->fp().Data("a1")));
}

TEST_F(ApiServiceTest, ReaperExpiresAndForgetsThePullRequestAuditedAsReaper) {
  ASSERT_EQ(Do("POST", "/ci/up", kAlice, {{"pr", 6}}).status, 200);
  ASSERT_EQ(Do("PATCH", "/branches/pr-6", kAlice, {{"ttl", "1h"}}).status, 200);
  ASSERT_TRUE(h_->store().GetPullRequest("", 6)->has_value());
  const size_t before = h_->Records().size();
  h_->fp().Advance(3600);
  ASSERT_TRUE(h_->service().RunReaper().ok());
  EXPECT_FALSE(h_->fp().Exists("pr-6"));
  EXPECT_FALSE(h_->store().GetPullRequest("", 6)->has_value());
  auto records = h_->Records();
  ASSERT_EQ(records.size(), before + 1);
  EXPECT_EQ(records.back().actor, "reaper");
  EXPECT_EQ(records.back().action, "branch.expire");
  EXPECT_EQ(records.back().target, "pr-6");
  EXPECT_EQ(records.back().result, "ok");
  // PR 6 can come back as a fresh branch.
  Reply up = Do("POST", "/ci/up", kAlice, {{"pr", 6}});
  EXPECT_EQ(up.body["result"], "created") << up.body.dump();
}

// --- Bad input -------------------------------------------------------------------

TEST_F(ApiServiceTest, BadInputIsRefusedWithFourHundredAndChangesNothing) {
  Make("a1", kAdmin, {{"ttl", "1d"}});
  const json before = h_->State();
  struct Bad {
    const char* method;
    std::string path;
    json body;
    const char* names;  // what the message must mention
  };
  const std::vector<Bad> bad = {
      {"POST", "/branches", {{"name", "x"}, {"colour", "red"}}, "colour"},
      {"POST", "/branches", {{"name", 5}}, "name"},
      {"POST", "/branches", json::object(), "name"},
      {"POST", "/branches", {{"name", "x"}, {"ttl", true}}, "ttl"},
      {"POST", "/branches", {{"name", "x"}, {"ttl", "3 days"}}, "ttl"},
      {"POST", "/branches", {{"name", "x"}, {"ttl", -5}}, "ttl"},
      {"POST", "/branches", {{"name", "x"}, {"labels", {{"a", 1}}}}, "labels"},
      {"POST", "/branches", {{"name", "x"}, {"labels", "a=1"}}, "labels"},
      {"POST", "/branches", {{"name", "x"}, {"protected", "yes"}}, "protected"},
      {"POST", "/branches", {{"name", "x"}, {"from", 1}}, "from"},
      {"POST", "/branches", json::array({1, 2}), "object"},
      {"POST", "/branches", {{"name", "Bad Name!"}}, "Bad Name!"},
      {"PATCH", "/branches/a1", {{"ttl", "3 days"}}, "ttl"},
      {"PATCH", "/branches/a1", {{"expires", "1d"}}, "expires"},
      {"POST", "/branches/a1/extend", {{"ttl", "3 days"}}, "ttl"},
      {"POST", "/branches/a1/extend", {{"ttl", 1.5}}, "ttl"},
      {"POST", "/branches/a1/extend", json::object(), "extend"},
      {"POST", "/branches/a1/reset", {{"to", 7}}, "to"},
      {"PUT", "/quotas", {{"max_branches", "ten"}}, "max_branches"},
      {"PUT", "/quotas", {{"max_branches", -1}}, "max_branches"},
      {"PUT", "/config/warn_before", {{"value", "soon"}}, "warn_before"},
      {"PUT", "/config/colour", {{"value", "red"}}, "colour"},
      {"POST", "/tokens", {{"role", "root"}, {"owner", "x"}}, "root"},
      {"POST", "/ci/up", {{"pr", "3"}}, "pr"},
      {"POST", "/ci/up", {{"pr", 0}}, "pr"},
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(std::string(b.method) + " " + b.path + " " + b.body.dump());
    Reply r = Do(b.method, b.path, kAdmin, b.body);
    EXPECT_EQ(r.status, 400) << r.body.dump();
    EXPECT_EQ(ErrorCode(r), "invalid_argument");
    EXPECT_NE(ErrorMessage(r).find(b.names), std::string::npos) << ErrorMessage(r);
  }
  EXPECT_EQ(h_->State(), before);
  EXPECT_TRUE(h_->Records().size() % 2 == 0);
  EXPECT_TRUE(h_->audit().Verify()->ok);
}

TEST_F(ApiServiceTest, UnknownRoutesAre404AndWrongMethods400) {
  const json before = h_->State();
  for (const char* path : {"/nope", "/branches/a/b/c", "/", "/branchesx", "/hooks/bitbucket"}) {
    Reply r = Do("GET", path, kAdmin);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(ErrorCode(r), "not_found") << path;
  }
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", "/branches"},
                                                        {"DELETE", "/status"},
                                                        {"GET", "/ci/up"},
                                                        {"POST", "/branches/main"},
                                                        {"GET", "/hooks/github"},
                                                        {"POST", "/quotas"}}) {
    Reply r = Do(method, path, kAdmin);
    EXPECT_EQ(r.status, 400) << method << " " << path << ": " << r.body.dump();
    EXPECT_EQ(ErrorCode(r), "invalid_argument");
    EXPECT_NE(ErrorMessage(r).find(method), std::string::npos) << ErrorMessage(r);
  }
  EXPECT_EQ(h_->State(), before);
  EXPECT_TRUE(h_->Records().empty());
}

// --- Audit -----------------------------------------------------------------------

TEST_F(ApiServiceTest, MutationsLeaveStartedAndOutcomeRecords) {
  Make("a1", kAlice);
  auto records = h_->Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].actor, "token:2(alice)");
  EXPECT_EQ(records[0].action, "branch.create");
  EXPECT_EQ(records[0].target, "a1");
  EXPECT_EQ(records[0].result, "started");
  EXPECT_EQ(records[1].actor, "token:2(alice)");
  EXPECT_EQ(records[1].action, "branch.create");
  EXPECT_EQ(records[1].target, "a1");
  EXPECT_EQ(records[1].result, "ok");

  Reply dup = Do("POST", "/branches", kBob, {{"name", "a1"}});
  ASSERT_EQ(dup.status, 409);
  records = h_->Records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[2].actor, "token:4(bob)");
  EXPECT_EQ(records[2].result, "started");
  EXPECT_EQ(records[3].result, "error: " + ErrorMessage(dup));
  EXPECT_EQ(records[3].result.rfind("error: ", 0), 0u);

  ASSERT_EQ(Do("POST", "/branches/a1/stop", kAlice).status, 200);
  ASSERT_EQ(Do("DELETE", "/branches/a1", kAlice).status, 200);
  records = h_->Records();
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[5].action, "branch.stop");
  EXPECT_EQ(records[5].result, "ok");
  EXPECT_EQ(records[7].action, "branch.delete");
  EXPECT_EQ(records[7].target, "a1");
  EXPECT_EQ(records[7].result, "ok");

  // Reads are not audited; refusals by role are not either.
  ASSERT_EQ(Do("GET", "/branches", kViewer).status, 200);
  ASSERT_EQ(Do("POST", "/branches", kViewer, {{"name", "v1"}}).status, 403);
  EXPECT_EQ(h_->Records().size(), 8u);

  auto verify = h_->audit().Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->problem;
  EXPECT_EQ(verify->records, 8);
  Reply via_api = Do("GET", "/audit", kAdmin, json::object(), {{"verify", "1"}});
  EXPECT_EQ(via_api.body["ok"], true);
}

// A chain cut back at its end still verifies on its own; the head kept from
// an earlier verify (--expect) catches it, and a bad --expect is refused.
TEST_F(ApiServiceTest, KeptAuditHeadCatchesRecordsCutOffTheEnd) {
  Make("a1", kAdmin);
  Make("a2", kAdmin);
  Reply first = Do("GET", "/audit", kAdmin, json::object(), {{"verify", "1"}});
  ASSERT_EQ(first.body["ok"], true);
  std::string head = first.body["head"];
  EXPECT_EQ(head.substr(0, 2), "4:");
  Reply same = Do("GET", "/audit", kAdmin, json::object(), {{"verify", "1"}, {"expect", head}});
  EXPECT_EQ(same.body["ok"], true) << same.body.dump();
  EXPECT_EQ(
      Do("GET", "/audit", kAdmin, json::object(), {{"verify", "1"}, {"expect", "4:zz"}}).status,
      400);
  // Drop the last two lines (a2's records): the rest still chains.
  std::ifstream in(h_->audit_path());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  in.close();
  ASSERT_EQ(lines.size(), 4u);
  std::ofstream out(h_->audit_path(), std::ios::trunc);
  out << lines[0] << "\n" << lines[1] << "\n";
  out.close();
  Reply alone = Do("GET", "/audit", kAdmin, json::object(), {{"verify", "1"}});
  EXPECT_EQ(alone.body["ok"], true);
  Reply cut = Do("GET", "/audit", kAdmin, json::object(), {{"verify", "1"}, {"expect", head}});
  EXPECT_EQ(cut.body["ok"], false);
  EXPECT_NE(cut.body["problem"].get<std::string>().find("record 4 is gone"), std::string::npos)
      << cut.body.dump();
}

// Regression: use is not watched while idle suspend is off, so switching it
// on must not suspend every branch at the first pass.
TEST_F(ApiServiceTest, SwitchingIdleSuspendOnCountsIdleTimeFromThen) {
  Make("a1", kAdmin);
  h_->fp().Advance(7 * 86400);
  ASSERT_EQ(Do("PUT", "/config/idle_suspend", kAdmin, {{"value", "30m"}}).status, 200);
  ASSERT_TRUE(h_->service().RunReaper().ok());
  EXPECT_EQ(h_->store().GetBranch("a1")->state, catalog::BranchState::kRunning);
  h_->fp().Advance(31 * 60);
  ASSERT_TRUE(h_->service().RunReaper().ok());
  EXPECT_EQ(h_->store().GetBranch("a1")->stop_reason, "idle");
}

TEST_F(ApiServiceTest, AuditDetailLeavesSecretsOut) {
  Reply r = Do("PUT", "/repos", kAdmin,
               {{"name", "acme/shop"}, {"forge", "github"}, {"secret", kGitHubSecret}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  auto records = h_->Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].detail["secret"], "(redacted)");
  std::FILE* f = std::fopen(h_->audit().path().c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  EXPECT_EQ(text.find(kGitHubSecret), std::string::npos);
}

// --- Status to HTTP --------------------------------------------------------------

TEST_F(ApiServiceTest, StatusCodesMapToHttp) {
  Reply missing = Do("GET", "/branches/nope", kViewer);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "not_found");

  Reply taken = Do("POST", "/branches", kAdmin, {{"name", "main"}});
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(ErrorCode(taken), "already_exists");

  Reply root = Do("DELETE", "/branches/main", kAdmin);
  EXPECT_EQ(root.status, 409);
  EXPECT_EQ(ErrorCode(root), "failed_precondition");

  ASSERT_EQ(Do("PUT", "/quotas", kAdmin, {{"owner", "alice"}, {"max_branches", 1}}).status, 200);
  Make("a1", kAlice);
  Reply full = Do("POST", "/branches", kAlice, {{"name", "a2"}});
  EXPECT_EQ(full.status, 429);
  EXPECT_EQ(ErrorCode(full), "resource_exhausted");
  EXPECT_NE(ErrorMessage(full).find("max_branches"), std::string::npos);
  EXPECT_FALSE(h_->fp().Exists("a2"));

  auto who = Authenticate(h_->store(), "Basic YWxpY2U6c2VjcmV0", h_->fp().now());
  ASSERT_EQ(who.status().code(), Code::kUnauthenticated);
  Reply unauth = ErrorReply(who.status());
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(ErrorCode(unauth), "unauthenticated");

  EXPECT_EQ(HttpStatusFor(Code::kOk), 200);
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
}

// Issue 11, item 11: a full disk shared 429 resource_exhausted with quotas, so a
// client could not tell "you reached your quota" from "the pool's disk is full".
TEST(ApiServiceStatus, FullDiskIsStorageFull507NotAQuota) {
  Reply disk = ErrorReply(os::ErrnoStatus(ENOSPC, "cannot write /pool/data/x"));
  EXPECT_EQ(disk.status, 507);
  EXPECT_EQ(disk.body["error"]["code"], "storage_full");
  Reply quota = ErrorReply(ResourceExhausted("quota max_branches of alice is 1"));
  EXPECT_EQ(quota.status, 429);
  EXPECT_EQ(quota.body["error"]["code"], "resource_exhausted");
}

TEST(ApiServiceStatus, StatusFromReplyRoundTripsEveryCode) {
  for (Code c :
       {Code::kInvalidArgument, Code::kNotFound, Code::kAlreadyExists, Code::kFailedPrecondition,
        Code::kUnavailable, Code::kUnauthenticated, Code::kPermissionDenied,
        Code::kResourceExhausted, Code::kStorageFull, Code::kInternal}) {
    const std::string message = std::string("branch \"x\": ") + CodeName(c) + " happened";
    Reply r = ErrorReply(Status(c, message));
    EXPECT_GE(r.status, 400) << CodeName(c);
    Status back = StatusFromReply(r.status, r.body);
    EXPECT_EQ(back.code(), c) << CodeName(c);
    EXPECT_EQ(back.message(), message);
    // And through the wire: serialized and parsed again.
    Status wire = StatusFromReply(r.status, json::parse(r.body.dump()));
    EXPECT_EQ(wire.code(), c);
    EXPECT_EQ(wire.message(), message);
  }
  EXPECT_TRUE(StatusFromReply(200, json::object()).ok());
  EXPECT_TRUE(StatusFromReply(201, json::array()).ok());
  // Not an error body (a proxy in between): the HTTP status decides.
  Status proxy = StatusFromReply(404, json("<html>"));
  EXPECT_EQ(proxy.code(), Code::kNotFound);
  EXPECT_NE(proxy.message().find("404"), std::string::npos);
  EXPECT_EQ(StatusFromReply(401, json::object()).code(), Code::kUnauthenticated);
  EXPECT_EQ(StatusFromReply(403, json::object()).code(), Code::kPermissionDenied);
  EXPECT_EQ(StatusFromReply(502, json::object()).code(), Code::kInternal);
}

// --- Tokens ------------------------------------------------------------------------

TEST_F(ApiServiceTest, TokensAuthenticateUntilRevoked) {
  Reply made = Do("POST", "/tokens", kAdmin,
                  {{"role", "developer"}, {"owner", "carol"}, {"note", "laptop"}});
  ASSERT_EQ(made.status, 201) << made.body.dump();
  const std::string secret = made.body["token"];
  EXPECT_EQ(secret.rfind("spur_", 0), 0u) << secret;
  EXPECT_EQ(secret.size(), 45u);
  const int64_t id = made.body["id"];
  EXPECT_EQ(made.body["role"], "developer");
  EXPECT_EQ(made.body["owner"], "carol");

  auto who = Authenticate(h_->store(), "Bearer " + secret, h_->fp().now());
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->role, Role::kDeveloper);
  EXPECT_EQ(who->owner, "carol");
  EXPECT_EQ(who->actor, "token:" + std::to_string(id) + "(carol)");

  // The list never shows the secret (nor its hash).
  Reply list = Do("GET", "/tokens", kAdmin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.dump().find(secret), std::string::npos);
  EXPECT_EQ(list.body.dump().find(Sha256Hex(secret)), std::string::npos);

  for (const std::string& header :
       {std::string(""), std::string("Bearer"), std::string("Bearer "), "bearer " + secret,
        "Token " + secret, "Basic " + secret, "Bearer  " + secret, "Bearer " + secret + "x",
        "Bearer spur_" + std::string(40, 'a'), secret}) {
    auto bad = Authenticate(h_->store(), header, h_->fp().now());
    EXPECT_EQ(bad.status().code(), Code::kUnauthenticated) << "\"" << header << "\"";
  }

  Reply revoked = Do("DELETE", "/tokens/" + std::to_string(id), kAdmin);
  ASSERT_EQ(revoked.status, 200) << revoked.body.dump();
  auto after = Authenticate(h_->store(), "Bearer " + secret, h_->fp().now());
  EXPECT_EQ(after.status().code(), Code::kUnauthenticated);
  EXPECT_NE(after.status().message().find("revoked"), std::string::npos);

  EXPECT_EQ(Do("DELETE", "/tokens/999", kAdmin).status, 404);
  EXPECT_EQ(Do("DELETE", "/tokens/abc", kAdmin).status, 400);
}

TEST_F(ApiServiceTest, TokenRolesAreWhatTheyWereMadeWith) {
  for (const char* role : {"admin", "developer", "viewer"}) {
    Reply made = Do("POST", "/tokens", kAdmin, {{"role", role}, {"owner", "dana"}});
    ASSERT_EQ(made.status, 201);
    auto who = Authenticate(h_->store(), "Bearer " + made.body["token"].get<std::string>(),
                            h_->fp().now());
    ASSERT_TRUE(who.ok());
    EXPECT_STREQ(ToString(who->role), role);
  }
}

// --- Webhooks ----------------------------------------------------------------------

// A GitHub pull_request delivery body (trimmed; real deliveries carry more).
std::string GitHubBody(const std::string& action, int number, const std::string& sha,
                       bool merged = false) {
  json pr = {
      {"url", "https://api.github.com/repos/acme/shop/pulls/" + std::to_string(number)},
      {"html_url", "https://github.com/acme/shop/pull/" + std::to_string(number)},
      {"number", number},
      {"state", action == "closed" ? "closed" : "open"},
      {"title", "Add discount codes"},
      {"user", {{"login", "octocat"}, {"id", 583231}, {"type", "User"}}},
      {"merged", merged},
      {"draft", false},
      {"head",
       {{"label", "octocat:feature/discounts"},
        {"ref", "feature/discounts"},
        {"sha", sha},
        {"repo", {{"full_name", "acme/shop"}}}}},
      {"base",
       {{"label", "acme:main"},
        {"ref", "main"},
        {"sha", "9049f1265b7d61be4a8904a9a27120d2064dab3b"},
        {"repo", {{"full_name", "acme/shop"}}}}},
  };
  json body = {{"action", action},
               {"number", number},
               {"pull_request", pr},
               {"repository",
                {{"id", 1296269},
                 {"name", "shop"},
                 {"full_name", "acme/shop"},
                 {"private", true},
                 {"owner", {{"login", "acme"}, {"type", "Organization"}}}}},
               {"sender", {{"login", "octocat"}}}};
  return body.dump(2);
}

std::map<std::string, std::string> GitHubHeaders(const std::string& delivery,
                                                 const std::string& body,
                                                 const std::string& secret = kGitHubSecret,
                                                 const std::string& event = "pull_request") {
  return {{"x-github-event", event},
          {"x-github-delivery", delivery},
          {"x-hub-signature-256", "sha256=" + HmacSha256Hex(secret, body)},
          {"content-type", "application/json"},
          {"user-agent", "GitHub-Hookshot/abc123"}};
}

// The delivery `id` as GET /deliveries shows it (null when absent).
json FindDelivery(Harness& h, const std::string& id) {
  Reply r = h.Do("GET", "/deliveries", kAdmin);
  for (const auto& d : r.body) {
    if (d["delivery_id"] == id) return d;
  }
  return nullptr;
}

TEST_F(ApiServiceTest, GitHubPullRequestLifecycle) {
  Reply repo = Do("PUT", "/repos", kAdmin,
                  {{"name", "acme/shop"},
                   {"forge", "github"},
                   {"secret", kGitHubSecret},
                   {"config", "ttl: 2d\n"}});
  ASSERT_EQ(repo.status, 200) << repo.body.dump();
  const std::string opened = GitHubBody("opened", 7, "6dcb09b5b57875f334f61aebed695e2e4193db5e");

  // Unsigned, wrongly signed, signed over another body: 401 and nothing stored.
  auto unsigned_headers = GitHubHeaders("d-1", opened);
  unsigned_headers.erase("x-hub-signature-256");
  Reply r = h_->Hook("github", opened, unsigned_headers);
  EXPECT_EQ(r.status, 401) << r.body.dump();
  EXPECT_EQ(ErrorCode(r), "unauthenticated");
  r = h_->Hook("github", opened, GitHubHeaders("d-1", opened, "wrong-secret-wrong-secret-wrong!"));
  EXPECT_EQ(r.status, 401) << r.body.dump();
  auto other_body = GitHubHeaders("d-1", GitHubBody("opened", 8, "abc"));
  r = h_->Hook("github", opened, other_body);
  EXPECT_EQ(r.status, 401) << r.body.dump();
  EXPECT_EQ(Do("GET", "/deliveries", kAdmin).body, json::array());
  h_->service().ProcessPendingDeliveries();
  EXPECT_FALSE(h_->fp().Exists("pr-7"));

  // Signed: accepted and stored, pending.
  r = h_->Hook("github", opened, GitHubHeaders("d-1", opened));
  ASSERT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body["accepted"], true);
  Reply deliveries = Do("GET", "/deliveries", kAdmin);
  ASSERT_EQ(deliveries.body.size(), 1u);
  EXPECT_EQ(deliveries.body[0]["state"], "pending");
  EXPECT_EQ(deliveries.body[0]["repo"], "acme/shop");
  EXPECT_EQ(deliveries.body[0]["pr"], 7);
  EXPECT_FALSE(h_->fp().Exists("pr-7")) << "the worker makes the branch, not the request";

  // A redelivery is harmless.
  r = h_->Hook("github", opened, GitHubHeaders("d-1", opened));
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["duplicate"], true);
  EXPECT_EQ(Do("GET", "/deliveries", kAdmin).body.size(), 1u);

  h_->service().ProcessPendingDeliveries();
  auto b = h_->store().GetBranch("pr-7");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(engine::SettingsFromJson(b->labels_json),
            (std::map<std::string, std::string>{{"pr", "7"}, {"repo", "acme/shop"}}));
  EXPECT_EQ(b->ttl_seconds, 2 * 86400);
  EXPECT_EQ(*b->expires_at, h_->fp().now() + 2 * 86400);
  EXPECT_EQ(b->owner, "octocat");
  EXPECT_EQ(FindDelivery(*h_, "d-1")["state"], "done");
  const int64_t id = b->id;
  const auto snapshot = b->snapshot_id;

  // New commits: the branch is reset, not duplicated.
  h_->fp().Advance(3600);
  const std::string synced =
      GitHubBody("synchronize", 7, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  r = h_->Hook("github", synced, GitHubHeaders("d-2", synced));
  ASSERT_EQ(r.status, 202) << r.body.dump();
  h_->service().ProcessPendingDeliveries();
  EXPECT_EQ(FindDelivery(*h_, "d-2")["state"], "done") << FindDelivery(*h_, "d-2").dump();
  b = h_->store().GetBranch("pr-7");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->id, id);
  EXPECT_NE(b->snapshot_id, snapshot);
  EXPECT_EQ(*b->expires_at, h_->fp().now() + 2 * 86400) << "the TTL starts again";
  int pr_branches = 0;
  auto branches = h_->store().ListBranches();
  ASSERT_TRUE(branches.ok());
  for (const auto& x : *branches) pr_branches += x.name.rfind("pr-", 0) == 0;
  EXPECT_EQ(pr_branches, 1);

  // Closed (merged): the branch goes.
  const std::string closed = GitHubBody("closed", 7, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                                        /*merged=*/true);
  r = h_->Hook("github", closed, GitHubHeaders("d-3", closed));
  ASSERT_EQ(r.status, 202) << r.body.dump();
  h_->service().ProcessPendingDeliveries();
  EXPECT_EQ(FindDelivery(*h_, "d-3")["state"], "done") << FindDelivery(*h_, "d-3").dump();
  EXPECT_FALSE(h_->fp().Exists("pr-7"));
  EXPECT_TRUE(h_->audit().Verify()->ok);
}

TEST_F(ApiServiceTest, GitHubHooksForUnknownReposOrOtherEventsStoreNothing) {
  ASSERT_EQ(Do("PUT", "/repos", kAdmin,
               {{"name", "acme/shop"}, {"forge", "gitlab"}, {"secret", kGitHubSecret}})
                .status,
            200);
  const std::string opened = GitHubBody("opened", 7, "6dcb09b5b57875f334f61aebed695e2e4193db5e");
  // The repository is registered for GitLab: a GitHub delivery cannot verify.
  EXPECT_EQ(h_->Hook("github", opened, GitHubHeaders("d-1", opened)).status, 401);
  ASSERT_EQ(Do("PUT", "/repos", kAdmin,
               {{"name", "acme/shop"}, {"forge", "github"}, {"secret", kGitHubSecret}})
                .status,
            200);
  // A ping is verified and ignored.
  const std::string ping = R"({"zen":"Design for failure.","hook_id":487231,)"
                           R"("repository":{"id":1296269,"full_name":"acme/shop"}})";
  Reply r = h_->Hook("github", ping, GitHubHeaders("d-ping", ping, kGitHubSecret, "ping"));
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_TRUE(r.body.contains("ignored")) << r.body.dump();
  // Labels changed: ignored too.
  const std::string labeled = GitHubBody("labeled", 7, "6dcb09b5b57875f334f61aebed695e2e4193db5e");
  r = h_->Hook("github", labeled, GitHubHeaders("d-label", labeled));
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_TRUE(r.body.contains("ignored"));
  EXPECT_EQ(Do("GET", "/deliveries", kAdmin).body, json::array());
  h_->service().ProcessPendingDeliveries();
  EXPECT_EQ(BranchCount(), 1u);
}

// A GitLab "Merge Request Hook" delivery body (trimmed).
std::string GitLabBody(const std::string& action, int iid, bool oldrev = false) {
  json attrs = {{"id", 99},
                {"iid", iid},
                {"title", "Add discount codes"},
                {"source_branch", "feature/discounts"},
                {"target_branch", "main"},
                {"state", action == "close" ? "closed" : "opened"},
                {"url", "https://gitlab.example.com/acme/backend/shop/-/merge_requests/" +
                            std::to_string(iid)},
                // A push (oldrev set) brings a new head commit.
                {"last_commit",
                 {{"id", oldrev ? "0b61c3d9e0f2a7b4c58e9d1f3a6b2c7e8d9f0a1b"
                                : "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"},
                  {"message", "Add discounts table\n"}}},
                {"action", action}};
  if (oldrev) attrs["oldrev"] = "a5e9e5e9c1ef60e2b0b2b4b69c3c0b8e1e8b7a10";
  json body = {{"object_kind", "merge_request"},
               {"event_type", "merge_request"},
               {"user", {{"id", 1}, {"name", "Ada Lovelace"}, {"username", "ada"}}},
               {"project",
                {{"id", 15},
                 {"name", "Shop"},
                 {"path_with_namespace", "acme/backend/shop"},
                 {"default_branch", "main"}}},
               {"object_attributes", attrs},
               {"labels", json::array()},
               {"changes", json::object()}};
  return body.dump(2);
}

std::map<std::string, std::string> GitLabHeaders(const std::string& uuid,
                                                 const std::string& token = kGitLabSecret) {
  return {{"x-gitlab-event", "Merge Request Hook"},
          {"x-gitlab-event-uuid", uuid},
          {"x-gitlab-token", token},
          {"content-type", "application/json"}};
}

TEST_F(ApiServiceTest, GitLabMergeRequestLifecycle) {
  Reply repo = Do("PUT", "/repos", kAdmin,
                  {{"name", "acme/backend/shop"},
                   {"forge", "gitlab"},
                   {"secret", kGitLabSecret},
                   {"config", "ttl: 2d\n"}});
  ASSERT_EQ(repo.status, 200) << repo.body.dump();
  const std::string opened = GitLabBody("open", 17);

  auto no_token = GitLabHeaders("u-1");
  no_token.erase("x-gitlab-token");
  EXPECT_EQ(h_->Hook("gitlab", opened, no_token).status, 401);
  EXPECT_EQ(h_->Hook("gitlab", opened, GitLabHeaders("u-1", "not-the-secret-at-all-no")).status,
            401);
  EXPECT_EQ(Do("GET", "/deliveries", kAdmin).body, json::array());

  Reply r = h_->Hook("gitlab", opened, GitLabHeaders("u-1"));
  ASSERT_EQ(r.status, 202) << r.body.dump();
  r = h_->Hook("gitlab", opened, GitLabHeaders("u-1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["duplicate"], true);
  h_->service().ProcessPendingDeliveries();
  auto b = h_->store().GetBranch("pr-17");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(engine::SettingsFromJson(b->labels_json),
            (std::map<std::string, std::string>{{"pr", "17"}, {"repo", "acme/backend/shop"}}));
  EXPECT_EQ(b->ttl_seconds, 2 * 86400);
  const auto snapshot = b->snapshot_id;

  const std::string pushed = GitLabBody("update", 17, /*oldrev=*/true);
  ASSERT_EQ(h_->Hook("gitlab", pushed, GitLabHeaders("u-2")).status, 202);
  h_->service().ProcessPendingDeliveries();
  b = h_->store().GetBranch("pr-17");
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->snapshot_id, snapshot) << "reset on new commits";
  EXPECT_EQ(BranchCount(), 2u);

  const std::string merged = GitLabBody("merge", 17);
  ASSERT_EQ(h_->Hook("gitlab", merged, GitLabHeaders("u-3")).status, 202);
  h_->service().ProcessPendingDeliveries();
  EXPECT_FALSE(h_->fp().Exists("pr-17"));
  EXPECT_EQ(FindDelivery(*h_, "u-3")["state"], "done");
}

// --- CI ----------------------------------------------------------------------------

TEST_F(ApiServiceTest, CiUpCreatesThenResetsAndCiDownDeletes) {
  Reply up = Do("POST", "/ci/up", kAlice, {{"pr", 3}});
  ASSERT_EQ(up.status, 200) << up.body.dump();
  EXPECT_EQ(up.body["result"], "created");
  EXPECT_EQ(up.body["branch"], "pr-3");
  auto b = h_->store().GetBranch("pr-3");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->owner, "alice");
  EXPECT_EQ(engine::SettingsFromJson(b->labels_json)["pr"], "3");
  ASSERT_TRUE(up.body.contains("connection"));
  EXPECT_EQ(up.body["connection"]["password"], b->password);
  EXPECT_EQ(up.body["connection"]["port"], b->port);
  EXPECT_NE(up.body["connection"]["uri"].get<std::string>().find(b->password), std::string::npos);

  Reply again = Do("POST", "/ci/up", kAlice, {{"pr", 3}});
  ASSERT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body["result"], "reset");
  EXPECT_EQ(BranchCount(), 2u);
  EXPECT_EQ(h_->store().GetBranch("pr-3")->id, b->id);
  EXPECT_EQ(again.body["connection"]["password"], b->password) << "credentials survive a reset";

  Reply down = Do("POST", "/ci/down", kAlice, {{"pr", 3}});
  ASSERT_EQ(down.status, 200) << down.body.dump();
  EXPECT_EQ(down.body["deleted"], json::array({"pr-3"}));
  EXPECT_FALSE(h_->fp().Exists("pr-3"));

  Reply down_again = Do("POST", "/ci/down", kAlice, {{"pr", 3}});
  ASSERT_EQ(down_again.status, 200) << down_again.body.dump();
  EXPECT_EQ(down_again.body["deleted"], json::array());
  EXPECT_EQ(BranchCount(), 1u);
}

// Regression (issue 13, item 8): every `ci up` reset the PR's branch, so a
// re-run of one CI job threw away what the job before it had set up. A re-run
// of the same commit keeps it, and its passed migration does not run twice; a
// new commit resets; --reset-if-exists and --keep-if-exists choose.
TEST_F(ApiServiceTest, CiUpKeepsTheBranchOnAReRunOfTheSameCommit) {
  char dir[] = "/tmp/spur-ci-rerun-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string count = std::string(dir) + "/migrations";
  struct Cleanup {
    std::string path;
    ~Cleanup() { os::RemoveTree(path).IgnoreError(); }
  } cleanup{dir};
  ASSERT_TRUE(h_->store()
                  .PutRepo({"acme/shop", "github", kGitHubSecret,
                            "migrate: echo run >> " + count + "\n", 0})
                  .ok());
  auto up = [&](const std::string& sha, const std::string& if_exists = "") {
    json body = {{"pr", 3}, {"repo", "acme/shop"}, {"sha", sha}, {"migrate", true}};
    if (!if_exists.empty()) body["if_exists"] = if_exists;
    return Do("POST", "/ci/up", kAdmin, body);
  };
  auto runs = [&] {
    auto text = os::ReadFile(count);
    return text.ok() ? std::count(text->begin(), text->end(), '\n') : 0;
  };
  Reply first = up("aaaa");
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.body["result"], "created");
  EXPECT_EQ(runs(), 1);
  Reply rerun = up("aaaa");
  EXPECT_EQ(rerun.body["result"], "kept") << rerun.body.dump();
  EXPECT_TRUE(rerun.body["migration"].contains("skipped")) << rerun.body.dump();
  EXPECT_EQ(runs(), 1) << "a passed migration runs once per commit";
  EXPECT_EQ(up("aaaa", "reset").body["result"], "reset");
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(up("bbbb").body["result"], "reset");
  EXPECT_EQ(up("cccc", "keep").body["result"], "kept");
  EXPECT_EQ(runs(), 4) << "kept at a new commit: its migration runs";
  EXPECT_EQ(up("cccc", "sometimes").status, 400);
  EXPECT_EQ(up("not-a-sha").status, 400);
}

// Regression (issue 13, item 6): a mistyped --repo silently got the
// defaults (no TTL, no migrate command), and --migrate with no command
// configured did nothing. Both are refused and change nothing.
TEST_F(ApiServiceTest, CiUpRefusesAnUnknownRepoAndAMigrateWithNothingToRun) {
  ASSERT_TRUE(h_->store().PutRepo({"acme/shop", "github", kGitHubSecret, "", 0}).ok());
  const json before = h_->State();
  Reply typo = Do("POST", "/ci/up", kAdmin, {{"pr", 3}, {"repo", "acme/shpo"}});
  EXPECT_EQ(typo.status, 404) << typo.body.dump();
  EXPECT_NE(typo.body.dump().find("spur repo list"), std::string::npos) << typo.body.dump();
  Reply nothing =
      Do("POST", "/ci/up", kAdmin, {{"pr", 3}, {"repo", "acme/shop"}, {"migrate", true}});
  EXPECT_EQ(nothing.status, 409) << nothing.body.dump();
  EXPECT_NE(nothing.body.dump().find("no migrate command"), std::string::npos);
  Reply no_repo = Do("POST", "/ci/up", kAdmin, {{"pr", 3}, {"migrate", true}});
  EXPECT_NE(no_repo.body.dump().find("--migrate needs --repo"), std::string::npos);
  EXPECT_EQ(h_->State(), before);
  // Closing still works for a repository forgotten since.
  EXPECT_EQ(Do("POST", "/ci/down", kAdmin, {{"pr", 3}, {"repo", "acme/gone"}}).status, 200);
}

TEST_F(ApiServiceTest, CiUpRefusesABranchThatIsNotThePullRequests) {
  Make("pr-9", kAlice);  // made by hand, not for PR 9
  const json before = h_->State();
  Reply up = Do("POST", "/ci/up", kAlice, {{"pr", 9}});
  EXPECT_EQ(up.status, 409) << up.body.dump();
  EXPECT_EQ(Do("POST", "/ci/down", kAlice, {{"pr", 9}}).status, 409);
  EXPECT_EQ(h_->State(), before);
}

// --- Bounded audit records (issue 11, item 3) -------------------------------------

size_t FileSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return static_cast<size_t>(in.tellg());
}

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Regression: refused requests were recorded with their whole body. The
// record holds the body's size, SHA-256 and a bounded summary, never the
// body, and no secret at any depth.
TEST_F(ApiServiceTest, RefusedRequestBodyNotStoredInAudit) {
  const std::string marker = "MARKER" + std::string(5000, 'm');
  json body = {{"name", "r1"},
               {"pg", {{"archive_command", marker}, {"password", "hunter2-nested"}}},
               {"token", "tok-top-level"},
               {"surprise", "x"}};
  Reply r = Do("POST", "/branches", kAlice, body);
  ASSERT_GE(r.status, 400) << r.body.dump();
  const std::string text = FileText(h_->audit_path());
  EXPECT_EQ(text.find(marker), std::string::npos);
  EXPECT_EQ(text.find("hunter2-nested"), std::string::npos);
  EXPECT_EQ(text.find("tok-top-level"), std::string::npos);
  auto records = h_->Records();
  ASSERT_EQ(records.size(), 2u);
  const json& d = records[0].detail;
  EXPECT_EQ(d["body_bytes"], body.dump().size());
  EXPECT_EQ(d["body_sha256"], Sha256Hex(body.dump()));
  EXPECT_EQ(d["name"], "r1");
  EXPECT_EQ(d["pg"]["password"], "(redacted)");
  EXPECT_EQ(d["token"], "(redacted)");
  EXPECT_LT(d["pg"]["archive_command"].get<std::string>().size(), 120u);
  EXPECT_EQ(records[1].result.rfind("error: ", 0), 0u);
}

// Regression: each refused 10 MiB request added ~21 MB to audit.log.
TEST_F(ApiServiceTest, AuditRecordSizeIsBounded) {
  const size_t before = FileSize(h_->audit_path());
  json body = {{"name", std::string(10 << 20, 'n')}, {"ttl", std::string(1 << 20, 't')}};
  Reply r = Do("POST", "/branches", kAlice, body);
  EXPECT_GE(r.status, 400);
  const size_t added = FileSize(h_->audit_path()) - before;
  EXPECT_LT(added, 2 * audit::kMaxRecordBytes) << added << " bytes for two records";
  EXPECT_TRUE(h_->audit().Verify()->ok);
}

// Regression: a 48 KB nested body made GET /audit?limit=1 return 128 MB.
TEST_F(ApiServiceTest, AuditReadOfDeepBodyIsSmall) {
  json deep = "end";
  for (int i = 0; i < 2000; ++i) {  // 25 bytes a level: about 48 KB
    json outer = json::object();
    outer["aaaaaaaaaaaaaaaaaaaa"] = std::move(deep);
    deep = std::move(outer);
  }
  Reply refused = Do("POST", "/branches", kAlice, {{"name", "deep"}, {"labels", deep}});
  EXPECT_GE(refused.status, 400);
  Reply listed = Do("GET", "/audit", kAdmin, json::object(), {{"limit", "1"}});
  ASSERT_EQ(listed.status, 200) << listed.body.dump();
  EXPECT_LT(listed.body.dump(2).size(), 4096u) << listed.body.dump(2).substr(0, 2000);
  if (!listed.body.empty()) {  // (unless the body was refused before the audit)
    EXPECT_EQ(listed.body[0]["detail"]["labels"]["aaaaaaaaaaaaaaaaaaaa"]["aaaaaaaaaaaaaaaaaaaa"],
              "{1 keys}");
  }
}

// `limit` is a whole number from 1 to 1000 (50 when absent); `before` pages back.
TEST_F(ApiServiceTest, AuditLimitIsRangeChecked) {
  Make("a1", kAdmin);
  Make("a2", kAdmin);
  for (const char* bad : {"-1", "0", "1001", "1e3", "x", "", "99999999999999999999"}) {
    Reply r = Do("GET", "/audit", kAdmin, json::object(), {{"limit", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(ErrorMessage(r).find("from 1 to 1000"), std::string::npos) << ErrorMessage(r);
  }
  Reply all = Do("GET", "/audit", kAdmin);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body.size(), 4u);
  EXPECT_EQ(all.body[0]["seq"], 1);  // oldest first
  Reply page = Do("GET", "/audit", kAdmin, json::object(), {{"limit", "2"}, {"before", "4"}});
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.body.size(), 2u);
  EXPECT_EQ(page.body[0]["seq"], 2);
  EXPECT_EQ(page.body[1]["seq"], 3);
}

// Regression (item 11): a non-UTF-8 --label threw inside the handler and
// left a "started" record with no outcome. Every started record gets one.
TEST_F(ApiServiceTest, AuditRecordAlwaysGetsOutcome) {
  Call c;
  c.method = "POST";
  c.path = "/branches";
  c.body = {{"name", "u1"}, {"labels", {{"team", "\xff\xfe"}}}};
  c.raw_body = "{\"name\":\"u1\",\"labels\":{\"team\":\"\xff\xfe\"}}";
  Reply r = h_->service().Handle(c, kAlice);
  EXPECT_NE(r.status, 201);
  // Refused up front (no record) or in the handler: every started record
  // is followed by its outcome.
  auto records = h_->Records();
  ASSERT_EQ(records.size() % 2, 0u);
  for (size_t i = 0; i < records.size(); i += 2) {
    EXPECT_EQ(records[i].result, "started");
    EXPECT_EQ(records[i + 1].action, records[i].action);
    EXPECT_EQ(records[i + 1].result.rfind("error: ", 0), 0u) << records[i + 1].result;
  }
  EXPECT_TRUE(h_->audit().Verify()->ok);
}

// --- Bounded metrics (issue 11, item 5) -------------------------------------------

// Regression: every distinct method was a series of its own.
TEST(ApiServiceMetrics, UnknownHttpMethodCountsAsOther) {
  Metrics m;
  Harness h(&m);
  ASSERT_TRUE(h.ready());
  h.Do("BREW", "/branches/x", kViewer);
  h.Do("GET", "/branches/some-name", kViewer);
  h.Do("GET", "/no/such/path", kViewer);
  std::string text = m.Render();
  EXPECT_NE(
      text.find(
          "spur_api_requests_total{code=\"400\",method=\"other\",route=\"/branches/{name}\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "spur_api_requests_total{code=\"404\",method=\"GET\",route=\"/branches/{name}\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("method=\"GET\",route=\"unmatched\""), std::string::npos) << text;
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  EXPECT_EQ(text.find("some-name"), std::string::npos);
  EXPECT_EQ(text.find("/no/such/path"), std::string::npos);
}

// Regression: 20,000 requests with random methods grew /metrics to 81 MB.
TEST(ApiServiceMetrics, MetricsCardinalityIsBounded) {
  Metrics m;
  Harness h(&m);
  ASSERT_TRUE(h.ready());
  uint64_t seed = 42;
  auto random_text = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      s += static_cast<char>('A' + (seed >> 33) % 26);
    }
    return s;
  };
  auto lines = [](const std::string& text) { return std::count(text.begin(), text.end(), '\n'); };
  for (int i = 0; i < 100; ++i) h.Do(random_text(64), "/" + random_text(64), kViewer);
  const std::string early = m.Render();
  for (int i = 0; i < 20000; ++i) h.Do(random_text(64), "/" + random_text(64), kViewer);
  const std::string late = m.Render();
  EXPECT_EQ(lines(late), lines(early)) << late;
  EXPECT_LT(late.size(), early.size() + 16) << late;
}

}  // namespace
}  // namespace spur::api
