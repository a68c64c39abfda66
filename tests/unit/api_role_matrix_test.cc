// The role matrix: every route of the route table (Service::RouteTable), as
// every kind of caller (no token, viewer, the owner, another developer,
// admin), with ordinary and hostile bodies (other owners' branches and
// snapshots as sources, other owners, bad names, settings that run commands
// or move sockets, huge durations, deep JSON). Each call must get the allowed
// or refused status its row says, and a refused call must leave the pool, the
// catalog and the branches' data exactly as they were. A route without a row
// fails the test, so new routes cannot skip it.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/service.h"
#include "api_harness.h"

namespace spur::api {
namespace {

using nlohmann::json;
using test::ApiHarness;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

// The callers, by letter: N no token (what webhooks run as), V viewer,
// O alice (owner of the seeded branches), X bob (another developer), A admin.
const std::map<char, Principal>& Callers() {
  static const std::map<char, Principal> kCallers = {
      {'N', {"", Role::kViewer, ""}},
      {'V', {"token:3(victor)", Role::kViewer, "victor"}},
      {'O', {"token:2(alice)", Role::kDeveloper, "alice"}},
      {'X', {"token:4(bob)", Role::kDeveloper, "bob"}},
      {'A', test::kTestAdmin},
  };
  return kCallers;
}

// One request and who may make it.
struct Case {
  std::string method, path;
  json body = json::object();
  std::map<std::string, std::string> query = {};
  std::string allow;  // callers that get a 2xx; every other one is refused
  int refused = 403;  // the status of a refusal; 0 = any 4xx
  std::string skip;   // callers not checked (policy still open)
};

// Rows of the matrix by route ("POST /branches/{name}/reset").
std::map<std::string, std::vector<Case>> Matrix() {
  const std::string all = "NVOXA", devs = "OXA";
  const json deep = [] {
    json j = "x";
    for (int i = 0; i < 500; ++i) j = json{{"a", j}};
    return j;
  }();
  return {
      {"GET /status", {{"GET", "/status", {}, {}, all}}},
      {"GET /cost", {{"GET", "/cost", {}, {{"by", "owner"}}, all}}},
      {"GET /branches", {{"GET", "/branches", {}, {}, all}}},
      {"POST /branches",
       {{"POST", "/branches", {{"name", "fresh"}}, {}, devs},
        {"POST", "/branches", {{"name", "fresh"}, {"from", "main"}}, {}, devs},
        {"POST", "/branches", {{"name", "fresh"}, {"from", "alice-b"}}, {}, "OA"},
        {"POST", "/branches", {{"name", "fresh"}, {"snapshot", "snap1"}}, {}, "OA"},
        {"POST", "/branches", {{"name", "fresh"}, {"from", "alice-prod"}}, {}, "OA"},
        {"POST", "/branches", {{"name", "fresh"}, {"snapshot", "prod-s"}}, {}, "OA"},
        {"POST", "/branches", {{"name", "fresh"}, {"snapshot", "bob-s"}}, {}, "XA"},
        {"POST", "/branches", {{"name", "fresh"}, {"owner", "alice"}}, {}, "OA"},
        {"POST", "/branches", {{"name", "fresh"}, {"owner", "Alice"}}, {}, "OA"},
        {"POST", "/branches", {{"name", "fresh"}, {"protected", true}}, {}, "A"},
        {"POST", "/branches", {{"name", "fresh"}, {"from", "no-such"}}, {}, "", 0},
        {"POST", "/branches", {{"name", "../etc"}}, {}, "", 0},
        {"POST", "/branches", {{"name", "Fresh"}}, {}, "", 0},
        {"POST", "/branches", {{"name", "fresh"}, {"labels", deep}}, {}, "", 0},
        {"POST", "/branches", {{"name", "fresh"}, {"pg", deep}}, {}, "", 0},
        {"POST", "/branches", {{"name", "fresh"}, {"owner", "bob/../x"}}, {}, "", 0}}},
      {"GET /branches/{name}",
       {{"GET", "/branches/alice-b", {}, {}, all}, {"GET", "/branches/no-such", {}, {}, "", 404}}},
      {"PATCH /branches/{name}",
       {{"PATCH", "/branches/alice-b", {{"labels", {{"k", "v"}}}}, {}, "OA"},
        {"PATCH", "/branches/alice-b", {{"labels", {{"spur.shared", "true"}}}}, {}, "OA"},
        {"PATCH", "/branches/bob-b", {{"labels", {{"spur.shared", "true"}}}}, {}, "XA"},
        {"PATCH", "/branches/alice-b", {{"owner", "bob"}}, {}, "A"},
        {"PATCH", "/branches/alice-b", {{"protected", true}}, {}, "A"},
        {"PATCH", "/branches/alice-prod", {{"labels", {{"k", "v"}}}}, {}, "A"},
        {"PATCH", "/branches/alice-b", {{"labels", deep}}, {}, "", 0}}},
      {"DELETE /branches/{name}",
       {{"DELETE", "/branches/alice-b", {}, {}, "OA"},
        {"DELETE", "/branches/alice-b", {}, {{"force", "true"}}, "A"},
        {"DELETE", "/branches/alice-prod", {}, {}, "", 0},
        {"DELETE", "/branches/alice-prod", {}, {{"force", "true"}}, "A"},
        {"DELETE", "/branches/main", {}, {{"recursive", "true"}}, "", 0, "A"}}},
      {"POST /branches/{name}/reset",
       {{"POST", "/branches/alice-b/reset", {}, {}, "OA"},
        {"POST", "/branches/alice-b/reset", {{"to", "snap1"}}, {}, "OA"},
        {"POST", "/branches/alice-b/reset", {{"to", "bob-s"}}, {}, "A"},
        {"POST", "/branches/bob-b/reset", {{"to", "snap1"}}, {}, "A"},
        {"POST", "/branches/bob-b/reset", {{"to", "prod-s"}}, {}, "A"},
        {"POST", "/branches/bob-b/reset", {{"to", "bob-s"}}, {}, "XA"},
        {"POST", "/branches/alice-b/reset", {{"force", true}}, {}, "A"},
        {"POST", "/branches/alice-prod/reset", {}, {}, "", 0},
        {"POST", "/branches/alice-b/reset", {{"to", "../x"}}, {}, "", 0}}},
      {"POST /branches/{name}/start", {{"POST", "/branches/bob-stopped/start", {}, {}, "XA"}}},
      {"POST /branches/{name}/stop", {{"POST", "/branches/alice-b/stop", {}, {}, "OA"}}},
      {"POST /branches/{name}/suspend", {{"POST", "/branches/alice-b/suspend", {}, {}, "OA"}}},
      {"POST /branches/{name}/extend",
       {{"POST", "/branches/alice-b/extend", {{"ttl", "1d"}}, {}, "OA"},
        {"POST", "/branches/alice-b/extend", {{"ttl", deep}}, {}, "", 0}}},
      {"GET /branches/{name}/connection",
       {{"GET", "/branches/alice-b/connection", {}, {}, all},
        {"GET", "/branches/bob-stopped/connection", {}, {}, all}}},
      // A diff reads both sides' rows: the caller must be allowed to read
      // each. The allowed calls run postgres (integration tests); here only
      // refusals are checked.
      {"POST /branches/{name}/diff",
       {{"POST", "/branches/alice-b/diff", {{"format", "json"}}, {}, "", 403, "OA"},
        {"POST", "/branches/alice-b/diff", {{"against", "bob-b"}}, {}, "", 403, "A"},
        {"POST", "/branches/bob-b/diff", {{"against", "prod-s"}}, {}, "", 403, "A"},
        {"POST", "/branches/alice-b/diff", {{"format", "xml"}}, {}, "", 0},
        {"POST", "/branches/alice-b/diff", {{"tables", deep}}, {}, "", 0},
        {"POST", "/branches/alice-b/diff", {{"lock_timeout", "1s; DROP TABLE x"}}, {}, "", 0},
        {"POST", "/branches/alice-b/diff", {{"database", "x\nhost=evil"}}, {}, "", 0},
        {"POST", "/branches/alice-b/diff", {{"max_rows", 100000000}}, {}, "", 0},
        {"POST", "/branches/alice-b/diff", {{"sneaky", 1}}, {}, "", 0}}},
      {"GET /branches/{name}/comment",
       {{"GET", "/branches/pr-9/comment", {}, {}, all},
        {"GET", "/branches/alice-b/comment", {}, {}, "", 0}}},
      {"GET /snapshots", {{"GET", "/snapshots", {}, {}, all}}},
      {"POST /snapshots",
       {{"POST", "/snapshots", {{"branch", "alice-b"}, {"name", "s2"}}, {}, "OA"},
        {"POST", "/snapshots", {{"branch", "bob-b"}, {"name", "s2"}}, {}, "XA"},
        {"POST", "/snapshots", {{"branch", "alice-b"}, {"name", "snap1"}}, {}, "", 0}}},
      {"DELETE /snapshots/{name}", {{"DELETE", "/snapshots/snap1", {}, {}, "A"}}},
      {"GET /tokens", {{"GET", "/tokens", {}, {}, "A"}}},
      {"POST /tokens",
       {{"POST", "/tokens", {{"role", "admin"}, {"owner", "bob"}}, {}, "A"},
        {"POST", "/tokens", {{"role", "root"}, {"owner", "bob"}}, {}, "", 0},
        {"POST", "/tokens", {{"role", "viewer"}, {"owner", "b\nob"}}, {}, "", 0}}},
      {"DELETE /tokens/{id}", {{"DELETE", "/tokens/1", {}, {}, "A"}}},
      {"GET /quotas", {{"GET", "/quotas", {}, {}, all}}},
      {"PUT /quotas", {{"PUT", "/quotas", {{"owner", "bob"}, {"max_branches", 50}}, {}, "A"}}},
      {"DELETE /quotas", {{"DELETE", "/quotas", {}, {}, "A"}}},
      {"GET /schedules", {{"GET", "/schedules", {}, {}, all}}},
      {"PUT /schedules/{name}",
       {{"PUT",
         "/schedules/nights",
         {{"label", "env=dev"}, {"stop", "0 19 * * *"}, {"start", "0 7 * * *"}},
         {},
         "A"}}},
      {"DELETE /schedules/{name}", {{"DELETE", "/schedules/nights", {}, {}, "A"}}},
      {"GET /config", {{"GET", "/config", {}, {}, all}}},
      {"PUT /config/{key}",
       {{"PUT", "/config/warn_before", {{"value", "2h"}}, {}, "A"},
        {"PUT", "/config/no_such_key", {{"value", "1"}}, {}, "", 0}}},
      {"GET /audit", {{"GET", "/audit", {}, {}, "A"}}},
      {"GET /repos", {{"GET", "/repos", {}, {}, all}}},
      {"PUT /repos",
       {{"PUT",
         "/repos",
         {{"name", "acme/web"}, {"forge", "github"}, {"secret", kSecret}},
         {},
         "A"},
        {"PUT", "/repos", {{"name", "acme/web"}, {"secret", "short"}}, {}, "", 0}}},
      {"DELETE /repos",
       {{"DELETE", "/repos", {}, {{"name", "acme/private"}}, "A"},
        {"DELETE", "/repos", {}, {{"name", "acme/none"}}, "", 0}}},
      {"GET /deliveries", {{"GET", "/deliveries", {}, {}, "A"}}},
      {"POST /ci/up",
       {{"POST", "/ci/up", {{"pr", 5}}, {}, devs},
        {"POST", "/ci/up", {{"pr", 6}, {"repo", "acme/private"}}, {}, "OA"},
        {"POST", "/ci/up", {{"pr", 9}, {"repo", "acme/shop"}}, {}, "OA"},
        {"POST", "/ci/up", {{"pr", -1}}, {}, "", 0}}},
      {"POST /ci/down",
       {{"POST", "/ci/down", {{"pr", 5}}, {}, devs},
        {"POST", "/ci/down", {{"pr", 9}, {"repo", "acme/shop"}}, {}, "OA"}}},
      // Webhooks authenticate by signature, not by role: unsigned is 401 for all.
      {"POST /hooks/github", {{"POST", "/hooks/github", {}, {}, "", 401}}},
      {"POST /hooks/gitlab", {{"POST", "/hooks/gitlab", {}, {}, "", 401}}},
  };
}

// The matrix pool: alice's "alice-b" (a data file, snapshot "snap1") and
// protected "alice-prod" (snapshot "prod-s"); bob's "bob-b" (snapshot
// "bob-s") and stopped "bob-stopped"; alice's PR branch pr-9 of acme/shop;
// token 1, quota, schedule "nights", repos acme/shop and acme/private (whose
// PR branches copy alice-b).
void Seed(ApiHarness& h) {
  auto create = [&](const std::string& name, const std::string& owner, bool is_protected) {
    engine::CreateBranchOptions o;
    o.name = name;
    o.owner = owner;
    o.is_protected = is_protected;
    ASSERT_TRUE(h.pool().CreateBranch(o).ok()) << name;
  };
  create("alice-b", "alice", false);
  ASSERT_TRUE(h.fp().driver().WriteFile(h.fp().Data("alice-b"), "base/1/secret", "s3cret").ok());
  ASSERT_TRUE(h.pool().CreateSnapshot("alice-b", std::string("snap1")).ok());
  create("alice-prod", "alice", true);
  ASSERT_TRUE(h.pool().CreateSnapshot("alice-prod", std::string("prod-s")).ok());
  create("bob-b", "bob", false);
  ASSERT_TRUE(h.pool().CreateSnapshot("bob-b", std::string("bob-s")).ok());
  create("bob-stopped", "bob", false);
  ASSERT_TRUE(h.pool().StopBranch("bob-stopped", "idle").ok());
  ASSERT_TRUE(CreateToken(h.store(), Role::kViewer, "someone", "", h.fp().now()).ok());
  ASSERT_TRUE(h.store().PutQuota({"", 100, std::nullopt}).ok());
  ASSERT_TRUE(h.store().PutSchedule({"nights", "env=dev", "0 20 * * 1-5", "0 8 * * 1-5", 0}).ok());
  ASSERT_TRUE(h.store().PutRepo({"acme/shop", "github", kSecret, "", 0}).ok());
  ASSERT_TRUE(h.store().PutRepo({"acme/private", "github", kSecret, "source: alice-b\n", 0}).ok());
  Reply pr = h.Do("POST", "/ci/up", Callers().at('O'), {{"pr", 9}, {"repo", "acme/shop"}});
  ASSERT_EQ(pr.status, 200) << pr.body.dump();
}

std::string Key(const Service::Route& r) { return std::string(r.method) + " " + r.pattern; }

// Runs every case as every caller on a fresh pool each time.
// Calls made and how many of them were refused (for the figures the test prints).
struct Tally {
  int calls = 0;
  int refused = 0;
};

void RunCases(const std::vector<Case>& cases, Tally* tally = nullptr) {
  Tally ignored;
  if (tally == nullptr) tally = &ignored;
  for (const Case& c : cases) {
    for (const auto& [letter, who] : Callers()) {
      if (c.skip.find(letter) != std::string::npos) continue;
      SCOPED_TRACE(c.method + " " + c.path + " " + c.body.dump().substr(0, 120) + " as " +
                   std::string(1, letter));
      ApiHarness h;
      ASSERT_TRUE(h.ready());
      Seed(h);
      if (::testing::Test::HasFatalFailure()) return;
      const json before = h.State();
      const std::string alice_password = h.store().GetBranch("alice-b")->password;
      Reply r = h.Do(c.method, c.path, who, c.body.is_null() ? json::object() : c.body, c.query);
      const bool allowed = c.allow.find(letter) != std::string::npos;
      ++tally->calls;
      tally->refused += allowed ? 0 : 1;
      if (allowed) {
        EXPECT_GE(r.status, 200) << r.body.dump();
        EXPECT_LT(r.status, 300) << r.body.dump();
      } else {
        if (c.refused != 0) {
          EXPECT_EQ(r.status, c.refused) << r.body.dump();
        } else {
          EXPECT_GE(r.status, 400) << r.body.dump();
          EXPECT_LT(r.status, 500) << r.body.dump();
        }
        if (r.body.contains("error")) {
          std::string message = r.body["error"].value("message", "");
          EXPECT_FALSE(message.empty());
          EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        }
        EXPECT_EQ(h.State(), before) << "a refused call changed the pool";
      }
      // Nobody but alice and admins ever sees her password.
      if (letter != 'O' && letter != 'A') {
        EXPECT_EQ(r.body.dump().find(alice_password), std::string::npos) << r.body.dump();
      }
    }
  }
}

TEST(RoleMatrix, EveryRouteHasARow) {
  const auto matrix = Matrix();
  std::set<std::string> routes;
  for (const auto& route : Service::RouteTable()) {
    routes.insert(Key(route));
    auto it = matrix.find(Key(route));
    EXPECT_TRUE(it != matrix.end() && !it->second.empty())
        << Key(route) << " has no role-matrix row in " << __FILE__;
  }
  for (const auto& [key, cases] : matrix) {
    EXPECT_TRUE(routes.count(key)) << key << " is in the matrix but not a route";
  }
}

TEST(RoleMatrix, EveryRouteAsEveryCallerWithHostileBodies) {
  Tally all;
  int routes = 0;
  for (const auto& route : Service::RouteTable()) {
    auto matrix = Matrix();
    auto it = matrix.find(Key(route));
    if (it == matrix.end()) continue;  // EveryRouteHasARow reports it
    // Callers below the route's least role must be refused whatever the row says.
    for (const Case& c : it->second) {
      for (const auto& [letter, who] : Callers()) {
        if (!route.token_free && static_cast<int>(who.role) < static_cast<int>(route.min_role)) {
          EXPECT_EQ(c.allow.find(letter), std::string::npos)
              << Key(route) << ": row allows " << letter << " below " << ToString(route.min_role);
        }
      }
    }
    RunCases(it->second, &all);
    ++routes;
  }
  std::printf("role matrix: %d routes, %zu callers, %d calls, %d refused with nothing changed\n",
              routes, Callers().size(), all.calls, all.refused);
}

// Hostile bodies (issue 11, items 1, 2, 9): settings outside a role's
// allowlist, durations that overflow, values that try to break out of
// spur.conf; refused for every caller, admins included where marked.
TEST(RoleMatrix, HostileSettingsAndDurationsAreRefusedForEveryRole) {
  const std::string huge = "9223372036854775807";
  const int64_t huge_int = 9223372036854775807;
  RunCases({
      {"POST", "/branches", {{"name", "fresh"}, {"ttl", huge_int}}, {}, "", 0},
      {"POST", "/branches", {{"name", "fresh"}, {"ttl", huge + "s"}}, {}, "", 0},
      {"POST", "/branches", {{"name", "fresh"}, {"idle_expiry", huge_int}}, {}, "", 0},
      {"POST", "/branches/alice-b/extend", {{"ttl", huge_int}}, {}, "", 0},
      {"PATCH", "/branches/alice-b", {{"ttl", huge_int}}, {}, "", 0},
      {"POST",
       "/branches",
       {{"name", "fresh"}, {"pg", {{"archive_mode", "on"}, {"archive_command", "id > /tmp/x"}}}},
       {},
       "",
       0,
       "A"},
      {"POST",
       "/branches",
       {{"name", "fresh"}, {"pg", {{"unix_socket_directories", "/tmp"}}}},
       {},
       "",
       0,
       "A"},
      {"POST",
       "/branches",
       {{"name", "fresh"}, {"pg", {{"listen_addresses", "0.0.0.0"}}}},
       {},
       "",
       0,
       "A"},
      {"POST",
       "/branches",
       {{"name", "fresh"}, {"pg", {{"work_mem", "64MB\nshared_preload_libraries='x'"}}}},
       {},
       "",
       0},
      {"PUT", "/config/default_ttl", {{"value", huge}}, {}, "", 0},
  });
}

}  // namespace
}  // namespace spur::api
