// `spur serve` end to end: the real daemon on a real pool, over real HTTP
// (TCP with tokens, the Unix socket as the local admin), real webhook
// deliveries, real crashes at named points and restarts, many branches at
// once, and the reaper.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "audit/log.h"
#include "fake_forge.h"
#include "os/fs.h"
#include "serve_fixture.h"

namespace spur::testing {
namespace {

using nlohmann::json;

// A repository whose migrate command leaves a mark: table `migrated` with one row.
constexpr char kMigrate[] =
    R"sh(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 )sh"
    R"sh(-c "create table migrated(x int); insert into migrated values (1)")sh";

std::string RepoYaml(const std::string& prefix) {
  return "source: main\nmigrate: '" + std::string(kMigrate) + "'\nbranch_prefix: " + prefix +
         "\nlabels: {team: shop}\n";
}

json Parse(const http::Response& r) { return json::parse(r.body, nullptr, false); }

int Count(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<int>(std::count(names.begin(), names.end(), name));
}

// Audit records matching action, result and (when given) actor and target.
int CountAudit(const json& records, const std::string& action, const std::string& result,
               const std::string& actor = "", const std::string& target = "") {
  int n = 0;
  for (const auto& r : records) {
    if (r["action"] == action && r["result"] == result && (actor.empty() || r["actor"] == actor) &&
        (target.empty() || r["target"] == target)) {
      ++n;
    }
  }
  return n;
}

bool OneLineError(const CliResult& r) {
  return std::count(r.err.begin(), r.err.end(), '\n') == 1 && r.err.rfind("error: ", 0) == 0;
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "spur serve runs postgres as the postgres user; needs root";
    serve_ = std::make_unique<ServeFixture>(PoolOptions());
    ASSERT_TRUE(serve_->ok()) << serve_->error();
  }
  void TearDown() override {
    if (HasFailure() && serve_) std::printf("--- spur serve log ---\n%s\n", serve_->Log().c_str());
  }
  virtual ServePoolOptions PoolOptions() const { return {}; }

  void StartDaemon(const std::map<std::string, std::string>& env = {},
                   const std::vector<std::string>& args = {}) {
    ASSERT_TRUE(serve_->Start(env, args)) << serve_->error();
  }
  // The branch as the admin sees it (no password); null when missing.
  json Branch(const std::string& name) { return serve_->AdminJson("GET", "/branches/" + name); }
  // The URI with the password, as `spur uri` gets it; "" when missing.
  std::string Uri(const std::string& name) {
    json c = serve_->AdminJson("GET", "/branches/" + name + "/connection");
    return c.is_object() ? c["uri"].get<std::string>() : "";
  }
  void ExpectAuditVerifies() {
    CliResult v = serve_->Run({"audit", "--verify"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }

  std::unique_ptr<ServeFixture> serve_;
};

// ---------------------------------------------------------------- authz

TEST_F(ServeTest, EveryRoleGetsExactlyItsRightsOverHttp) {
  StartDaemon();
  const auto viewer = serve_->MakeToken("viewer", "vera");
  const auto dev = serve_->MakeToken("developer", "alice");
  const auto admin = serve_->MakeToken("admin", "ops");
  const auto names_before = serve_->BranchNames();
  const size_t audit_before = serve_->AuditRecords().size();

  // No token, a garbage token, a malformed header: 401 and nothing changes.
  struct Req {
    const char* method;
    const char* target;
    const char* body;
  };
  const std::vector<Req> requests = {{"GET", "/branches", ""},
                                     {"POST", "/branches", R"({"name":"sneaky"})"},
                                     {"DELETE", "/branches/main?force=true", ""},
                                     {"POST", "/tokens", R"({"role":"admin","owner":"eve"})"},
                                     {"GET", "/audit", ""}};
  for (const auto& q : requests) {
    http::Response none = serve_->Call(q.method, q.target, "", q.body);
    EXPECT_EQ(none.status, 401) << q.method << " " << q.target << ": " << none.body;
    EXPECT_EQ(Parse(none)["error"]["code"], "unauthenticated") << none.body;
    EXPECT_EQ(serve_->Call(q.method, q.target, "spur_" + std::string(40, 'x'), q.body).status, 401)
        << q.method << " " << q.target;
    EXPECT_EQ(
        serve_->Call(q.method, q.target, "", q.body, {{"Authorization", "Basic " + dev.secret}})
            .status,
        401);
  }
  EXPECT_EQ(serve_->BranchNames(), names_before);
  EXPECT_EQ(serve_->AuditRecords().size(), audit_before) << "refused calls left audit records";
  // Health and metrics need no token.
  EXPECT_EQ(serve_->Call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(serve_->Call("GET", "/metrics", "").status, 200);

  // Viewer: reads, never secrets, never changes.
  http::Response list = serve_->Call("GET", "/branches", viewer.secret);
  ASSERT_EQ(list.status, 200) << list.body;
  for (const auto& b : Parse(list)) {
    EXPECT_TRUE(b["password_hidden"].get<bool>()) << b.dump();
    EXPECT_FALSE(b.contains("password")) << b.dump();
  }
  EXPECT_EQ(serve_->Call("POST", "/branches", viewer.secret, R"({"name":"v1"})").status, 403);
  EXPECT_EQ(serve_->Call("POST", "/branches/main/stop", viewer.secret).status, 403);
  EXPECT_EQ(serve_->Call("GET", "/tokens", viewer.secret).status, 403);
  EXPECT_EQ(serve_->Call("GET", "/audit", viewer.secret).status, 403);

  // Developer: own branches only.
  http::Response mine = serve_->Call("POST", "/branches", dev.secret, R"({"name":"alice-1"})");
  ASSERT_EQ(mine.status, 201) << mine.body;
  EXPECT_EQ(Parse(mine)["owner"], "alice");
  EXPECT_EQ(QueryValue(Parse(mine)["uri"].get<std::string>(), "SELECT count(*) FROM customers"),
            "1000");
  http::Response theirs =
      serve_->Call("POST", "/branches", admin.secret, R"({"name":"bob-1","owner":"bob"})");
  ASSERT_EQ(theirs.status, 201) << theirs.body;
  http::Response peek = serve_->Call("GET", "/branches/bob-1", dev.secret);
  ASSERT_EQ(peek.status, 200);
  EXPECT_TRUE(Parse(peek)["password_hidden"].get<bool>()) << peek.body;
  EXPECT_EQ(serve_->Call("DELETE", "/branches/bob-1", dev.secret).status, 403);
  EXPECT_EQ(serve_->Call("DELETE", "/branches/bob-1?force=true", dev.secret).status, 403);
  EXPECT_EQ(serve_->Call("POST", "/branches/bob-1/reset", dev.secret, "{}").status, 403);
  EXPECT_EQ(serve_->Call("POST", "/branches", dev.secret, R"({"name":"x1","owner":"bob"})").status,
            403);
  EXPECT_EQ(
      serve_->Call("POST", "/branches", dev.secret, R"({"name":"x2","protected":true})").status,
      403);
  EXPECT_EQ(
      serve_->Call("POST", "/tokens", dev.secret, R"({"role":"admin","owner":"alice"})").status,
      403);
  http::Response gone = serve_->Call("DELETE", "/branches/alice-1", dev.secret);
  EXPECT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(Parse(gone)["deleted"], json({"alice-1"}));

  // Admin: everything, protected branches with force only.
  ASSERT_EQ(
      serve_->Call("POST", "/branches", admin.secret, R"({"name":"keep","protected":true})").status,
      201);
  EXPECT_EQ(serve_->Call("DELETE", "/branches/keep", dev.secret).status, 403);
  EXPECT_EQ(serve_->Call("DELETE", "/branches/keep", admin.secret).status, 409);
  EXPECT_EQ(serve_->Call("DELETE", "/branches/keep?force=true", admin.secret).status, 200);
  EXPECT_EQ(serve_->Call("DELETE", "/branches/bob-1", admin.secret).status, 200);
  EXPECT_EQ(serve_->Call("GET", "/audit?limit=5", admin.secret).status, 200);

  // A revoked token is refused from then on.
  EXPECT_EQ(serve_->Call("DELETE", "/tokens/" + std::to_string(dev.id), admin.secret).status, 200);
  http::Response revoked = serve_->Call("GET", "/branches", dev.secret);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;
  EXPECT_EQ(serve_->Call("POST", "/branches", dev.secret, R"({"name":"late"})").status, 401);

  // The CLI through the server with a viewer token: exit 7, one line.
  CliResult cli = serve_->Remote(serve_->http_url(), viewer.secret, {"branch", "create", "cli-1"});
  EXPECT_EQ(cli.exit_code, 7) << cli.err;
  EXPECT_TRUE(OneLineError(cli)) << cli.err;
  CliResult anon = serve_->Remote(serve_->http_url(), "", {"branch", "list"});
  EXPECT_EQ(anon.exit_code, 7) << anon.err;
  EXPECT_TRUE(OneLineError(anon)) << anon.err;
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
  ExpectAuditVerifies();
}

// ------------------------------------------------- same output both ways

// Fields that change from one second (or one measurement) to the next. The
// disk-use fields go altogether: the daemon lists them from a cache that
// fills in the background, so they may be absent there for a while.
json WithoutVolatile(json j) {
  if (j.is_array()) {
    for (auto& e : j) e = WithoutVolatile(e);
    return j;
  }
  for (const char* k : {"age_seconds", "running_seconds", "expires_in_seconds", "last_used_at"}) {
    if (j.contains(k)) j[k] = "(volatile)";
  }
  for (const char* k : {"exclusive_bytes", "shared_bytes", "logical_bytes"}) j.erase(k);
  return j;
}

// `spur branch list` rows without the AGE, EXCLUSIVE and SHARED columns
// (cells are separated by two or more spaces).
std::vector<std::string> StableRows(const std::string& table) {
  std::vector<std::string> rows;
  std::stringstream in(table);
  std::string line;
  static const std::regex kGap(" {2,}");
  while (std::getline(in, line)) {
    std::vector<std::string> cells(std::sregex_token_iterator(line.begin(), line.end(), kGap, -1),
                                   std::sregex_token_iterator());
    std::string row;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i != 4 && i != 5 && i != 6) row += cells[i] + "|";
    }
    rows.push_back(row);
  }
  return rows;
}

TEST_F(ServeTest, CliPrintsTheSameLocallyAndThroughTheServer) {
  StartDaemon();
  ASSERT_EQ(serve_->Run({"branch", "create", "feature"}).exit_code, 0);
  ASSERT_EQ(serve_->Run({"branch", "create", "feature-fix", "--from", "feature"}).exit_code, 0);
  ASSERT_EQ(serve_->Run({"branch", "stop", "feature"}).exit_code, 0);
  const auto admin = serve_->MakeToken("admin", "ops");
  struct Way {
    std::string server, token;
  };
  for (const Way& way : {Way{serve_->unix_url(), ""}, Way{serve_->http_url(), admin.secret}}) {
    SCOPED_TRACE(way.server);
    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{"--json", "branch", "show", "main"},
          std::vector<std::string>{"--json", "branch", "show", "feature-fix"},
          std::vector<std::string>{"--json", "branch", "list"},
          std::vector<std::string>{"--json", "snapshot", "list"}}) {
      CliResult local = serve_->Run(cmd);
      CliResult remote = serve_->Remote(way.server, way.token, cmd);
      ASSERT_EQ(local.exit_code, 0) << local.err;
      ASSERT_EQ(remote.exit_code, 0) << remote.err;
      EXPECT_EQ(WithoutVolatile(local.json()), WithoutVolatile(remote.json())) << cmd[2];
    }
    CliResult local = serve_->Run({"branch", "list"});
    CliResult remote = serve_->Remote(way.server, way.token, {"branch", "list"});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(StableRows(local.out), StableRows(remote.out)) << local.out << "\n" << remote.out;
    EXPECT_EQ(StableRows(local.out).size(), 4u) << local.out;  // header and three branches
    // Errors too: same message, same exit code.
    CliResult local_missing = serve_->Run({"branch", "show", "nope"});
    CliResult remote_missing = serve_->Remote(way.server, way.token, {"branch", "show", "nope"});
    EXPECT_EQ(local_missing.exit_code, 3);
    EXPECT_EQ(remote_missing.exit_code, 3);
    EXPECT_EQ(local_missing.err, remote_missing.err);
  }
}

// ----------------------------------------------------------- webhooks

TEST_F(ServeTest, GitHubPullRequestOpenSyncRedeliverAndMergedClose) {
  serve_->AddRepo("acme/shop", "github", RepoYaml("pr-"));
  StartDaemon();
  const auto viewer = serve_->MakeToken("viewer", "vera");
  const std::string opened = GitHubPullRequestBody("acme/shop", "opened", 7, "a1b2c3d4");

  // Refused without a valid signature: nothing stored, no branch.
  auto unsigned_headers = GitHubHeaders(opened, "d-unsigned");
  unsigned_headers.erase("X-Hub-Signature-256");
  auto wrong_key = GitHubHeaders(opened, "d-wrong", "not-the-secret-at-all");
  auto malformed = GitHubHeaders(opened, "d-malformed");
  malformed["X-Hub-Signature-256"] = "sha256=zz";
  const std::string tampered = GitHubPullRequestBody("acme/shop", "opened", 8, "a1b2c3d4");
  const std::string unknown_repo = GitHubPullRequestBody("acme/other", "opened", 7, "a1b2c3d4");
  struct Bad {
    std::string body;
    std::map<std::string, std::string> headers;
    const char* why;  // in the error message
  };
  for (const Bad& bad :
       {Bad{opened, unsigned_headers, "missing X-Hub-Signature-256"},
        Bad{opened, wrong_key, "does not match"}, Bad{opened, malformed, "malformed"},
        Bad{tampered, GitHubHeaders(opened, "d-tamper"), "does not match"},
        Bad{unknown_repo, GitHubHeaders(unknown_repo, "d-unknown"), "acme/other"}}) {
    http::Response r = serve_->Call("POST", "/hooks/github", "", bad.body, bad.headers);
    EXPECT_EQ(r.status, 401) << bad.headers.at("X-GitHub-Delivery") << ": " << r.body;
    EXPECT_NE(r.body.find(bad.why), std::string::npos) << r.body;
  }
  // A signed ping (sent when the webhook is set up) is answered and ignored.
  const std::string ping = json({{"zen", "Keep it logically awesome."},
                                 {"hook_id", 421337},
                                 {"hook", {{"type", "Repository"}, {"events", {"pull_request"}}}},
                                 {"repository", {{"full_name", "acme/shop"}, {"name", "shop"}}}})
                               .dump();
  auto ping_headers = GitHubHeaders(ping, "d-ping");
  ping_headers["X-GitHub-Event"] = "ping";
  http::Response pong = serve_->Call("POST", "/hooks/github", "", ping, ping_headers);
  EXPECT_EQ(pong.status, 200) << pong.body;
  EXPECT_EQ(Parse(pong)["ignored"], "event ping") << pong.body;
  EXPECT_EQ(serve_->AdminJson("GET", "/deliveries"), json::array());
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});

  // Opened: accepted, then the worker creates pr-7 and runs the migration.
  http::Response accepted =
      serve_->Call("POST", "/hooks/github", "", opened, GitHubHeaders(opened, "d-open"));
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(Parse(accepted)["accepted"], true);
  json done = serve_->WaitDelivery("d-open");
  ASSERT_EQ(done["state"], "done") << done.dump();
  json b = Branch("pr-7");
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["state"], "running");
  EXPECT_EQ(b["labels"]["pr"], "7");
  EXPECT_EQ(b["labels"]["team"], "shop");
  const std::string uri = Uri("pr-7");
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated"), "1");
  http::Response comment = serve_->Call("GET", "/branches/pr-7/comment", viewer.secret);
  ASSERT_EQ(comment.status, 200) << comment.body;
  EXPECT_EQ(comment.content_type.rfind("text/markdown", 0), 0u) << comment.content_type;
  EXPECT_NE(comment.body.find("`pr-7`"), std::string::npos) << comment.body;
  EXPECT_NE(comment.body.find("create table migrated"), std::string::npos) << comment.body;
  EXPECT_NE(comment.body.find("succeeded"), std::string::npos) << comment.body;
  EXPECT_NE(comment.body.find("<!-- spur:acme/shop#7 -->"), std::string::npos) << comment.body;

  // A redelivery (same id) is acknowledged and not processed again.
  Exec(uri, "INSERT INTO migrated VALUES (42)");
  http::Response again =
      serve_->Call("POST", "/hooks/github", "", opened, GitHubHeaders(opened, "d-open"));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Parse(again)["duplicate"], true) << again.body;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Count(serve_->BranchNames(), "pr-7"), 1);
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated WHERE x = 42"), "1");
  EXPECT_EQ(serve_->AdminJson("GET", "/deliveries").size(), 1u);
  EXPECT_EQ(CountAudit(serve_->AuditRecords(), "pr.open", "started", "github:d-open"), 1);

  // Synchronize: the branch is reset to fresh data and migrated again.
  Exec(uri, "CREATE TABLE scratch(y int)");
  const std::string sync = GitHubPullRequestBody("acme/shop", "synchronize", 7, "e5f6a7b8");
  ASSERT_EQ(serve_->Call("POST", "/hooks/github", "", sync, GitHubHeaders(sync, "d-sync")).status,
            202);
  ASSERT_EQ(serve_->WaitDelivery("d-sync")["state"], "done");
  EXPECT_EQ(Branch("pr-7")["port"], b["port"]);
  EXPECT_EQ(Uri("pr-7"), uri) << "a reset keeps port and credentials";
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated"), "1");
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'"), "0");

  // Closed as merged: the branch goes.
  const std::string closed = GitHubPullRequestBody("acme/shop", "closed", 7, "e5f6a7b8", true);
  ASSERT_EQ(
      serve_->Call("POST", "/hooks/github", "", closed, GitHubHeaders(closed, "d-close")).status,
      202);
  json close_done = serve_->WaitDelivery("d-close");
  ASSERT_EQ(close_done["state"], "done") << close_done.dump();
  EXPECT_EQ(close_done["result"]["deleted"], json({"pr-7"}));
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
  EXPECT_EQ(serve_->Call("GET", "/branches/pr-7/comment", viewer.secret).status, 404);
  EXPECT_TRUE(serve_->OrphanDataDirs().empty());
  ExpectAuditVerifies();
}

TEST_F(ServeTest, GitLabMergeRequestOpenUpdateAndMerge) {
  serve_->AddRepo("acme/shop-gl", "gitlab", RepoYaml("mr-"));
  StartDaemon();
  const std::string open = GitLabMergeRequestBody("acme/shop-gl", "open", 3, "da15608");

  auto no_token = GitLabHeaders("u-none");
  no_token.erase("X-Gitlab-Token");
  for (const auto& headers : {no_token, GitLabHeaders("u-wrong", "wrong-token-1234567890")}) {
    http::Response r = serve_->Call("POST", "/hooks/gitlab", "", open, headers);
    EXPECT_EQ(r.status, 401) << r.body;
  }
  // A GitHub-signed delivery for a GitLab repository is refused too.
  EXPECT_EQ(serve_->Call("POST", "/hooks/github", "", open, GitHubHeaders(open, "u-cross")).status,
            401);
  EXPECT_EQ(serve_->AdminJson("GET", "/deliveries"), json::array());
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});

  ASSERT_EQ(serve_->Call("POST", "/hooks/gitlab", "", open, GitLabHeaders("u-open")).status, 202);
  ASSERT_EQ(serve_->WaitDelivery("u-open")["state"], "done");
  const std::string uri = Uri("mr-3");
  ASSERT_FALSE(uri.empty());
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated"), "1");
  Exec(uri, "INSERT INTO migrated VALUES (42)");

  // An update without new commits (title edit) is ignored; one with oldrev resets.
  const std::string edit = GitLabMergeRequestBody("acme/shop-gl", "update", 3, "da15608");
  http::Response ignored = serve_->Call("POST", "/hooks/gitlab", "", edit, GitLabHeaders("u-edit"));
  EXPECT_EQ(ignored.status, 200) << ignored.body;
  EXPECT_TRUE(Parse(ignored).contains("ignored")) << ignored.body;
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated"), "2");
  const std::string push =
      GitLabMergeRequestBody("acme/shop-gl", "update", 3, "b7c1e2f", "da15608");
  ASSERT_EQ(serve_->Call("POST", "/hooks/gitlab", "", push, GitLabHeaders("u-push")).status, 202);
  ASSERT_EQ(serve_->WaitDelivery("u-push")["state"], "done");
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated"), "1");
  // The same event UUID again: a duplicate.
  EXPECT_EQ(
      Parse(serve_->Call("POST", "/hooks/gitlab", "", push, GitLabHeaders("u-push")))["duplicate"],
      true);

  const std::string merge = GitLabMergeRequestBody("acme/shop-gl", "merge", 3, "b7c1e2f");
  ASSERT_EQ(serve_->Call("POST", "/hooks/gitlab", "", merge, GitLabHeaders("u-merge")).status, 202);
  ASSERT_EQ(serve_->WaitDelivery("u-merge")["state"], "done");
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
  EXPECT_EQ(serve_->AdminJson("GET", "/deliveries").size(), 3u);
  EXPECT_TRUE(serve_->OrphanDataDirs().empty());
  ExpectAuditVerifies();
}

// ---------------------------------------------------------------- ci

std::map<std::string, std::string> KeyValues(const std::string& out) {
  std::map<std::string, std::string> kv;
  std::stringstream in(out);
  std::string line;
  static const std::regex kLine("([A-Za-z_]+)=(.*)");
  while (std::getline(in, line)) {
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kLine)) << "not KEY=VALUE: " << line;
    if (m.size() == 3) kv[m[1]] = m[2];
  }
  return kv;
}

TEST_F(ServeTest, CiUpPrintsConnectionLinesResetsOnRerunAndCiDownDeletes) {
  StartDaemon();
  const auto dev = serve_->MakeToken("developer", "ci-bot");
  const std::vector<std::string> up = {"ci", "up", "--pr", "12"};
  CliResult first = serve_->Remote(serve_->http_url(), dev.secret, up);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto kv = KeyValues(first.out);
  for (const char* key :
       {"SPUR_BRANCH", "DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"}) {
    EXPECT_FALSE(kv[key].empty()) << key << " missing in:\n" << first.out;
  }
  EXPECT_EQ(kv["SPUR_BRANCH"], "pr-12");
  EXPECT_EQ(QueryValue(kv["DATABASE_URL"], "SELECT count(*) FROM customers"), "1000");
  const std::string conninfo = "host=" + kv["PGHOST"] + " port=" + kv["PGPORT"] +
                               " user=" + kv["PGUSER"] + " password=" + kv["PGPASSWORD"] +
                               " dbname=" + kv["PGDATABASE"];
  EXPECT_EQ(QueryValue(conninfo, "SELECT current_user"), kv["PGUSER"]);
  EXPECT_EQ(Branch("pr-12")["owner"], "ci-bot");
  Exec(kv["DATABASE_URL"], "CREATE TABLE leftover(x int)");

  CliResult second = serve_->Remote(serve_->http_url(), dev.secret, up);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(KeyValues(second.out), kv) << "a rerun keeps name, port and credentials";
  EXPECT_EQ(
      QueryValue(kv["DATABASE_URL"], "SELECT count(*) FROM pg_tables WHERE tablename = 'leftover'"),
      "0");
  EXPECT_EQ(Count(serve_->BranchNames(), "pr-12"), 1);

  // Viewers may not.
  const auto viewer = serve_->MakeToken("viewer", "vera");
  CliResult refused = serve_->Remote(serve_->http_url(), viewer.secret, up);
  EXPECT_EQ(refused.exit_code, 7) << refused.err;
  EXPECT_TRUE(OneLineError(refused)) << refused.err;

  const std::vector<std::string> down = {"ci", "down", "--pr", "12"};
  CliResult gone = serve_->Remote(serve_->http_url(), dev.secret, down);
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_NE(gone.out.find("SPUR_DELETED=true"), std::string::npos) << gone.out;
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
  CliResult again = serve_->Remote(serve_->http_url(), dev.secret, down);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("SPUR_DELETED=false"), std::string::npos) << again.out;
  EXPECT_TRUE(serve_->OrphanDataDirs().empty());
  ExpectAuditVerifies();
}

// ------------------------------------------------------- kill and restart

struct CrashCase {
  const char* point;
  // "github": an opened webhook delivery; "create": POST /branches {"name":"crashy"};
  // "delete": DELETE /branches/doomed; "ci": POST /ci/up {"pr":5}.
  const char* trigger;
  size_t datasets_after_crash;  // entries of data/branches the dead daemon leaves, main's included
  const char* repair;           // what the restarted daemon reports as repaired ("" for nothing)
};

void PrintTo(const CrashCase& c, std::ostream* os) { *os << c.point << " via " << c.trigger; }

class ServeCrashTest : public ServeTest, public ::testing::WithParamInterface<CrashCase> {
 protected:
  size_t Datasets() {
    auto names = os::ListDir(serve_->pool() + "/data/branches");
    return names.ok() ? names->size() : 0;
  }
};

TEST_P(ServeCrashTest, DaemonDiesAtPointAndTheRestartFinishesOrUndoesTheWork) {
  const CrashCase& c = GetParam();
  const std::string trigger = c.trigger;
  serve_->AddRepo("acme/shop", "github", RepoYaml("pr-"));
  StartDaemon({{"SPUR_CRASH_POINT", c.point}});
  const auto admin = serve_->MakeToken("admin", "ops");
  const std::string delivery = std::string("crash-") + c.point;
  const std::string body = GitHubPullRequestBody("acme/shop", "opened", 5, "c0ffee");
  if (trigger == "github") {
    // Points in the worker come after the 202; hook.after_store gets no answer.
    auto r = serve_->TryCall("POST", "/hooks/github", "", body, GitHubHeaders(body, delivery));
    if (r.ok()) {
      EXPECT_EQ(r->status, 202) << r->body;
    }
  } else if (trigger == "create") {
    auto r = serve_->TryCall("POST", "/branches", admin.secret, R"({"name":"crashy"})");
    EXPECT_FALSE(r.ok()) << "answered " << r->status << " " << r->body;
  } else if (trigger == "delete") {
    ASSERT_EQ(serve_->Call("POST", "/branches", admin.secret, R"({"name":"doomed"})").status, 201);
    auto r = serve_->TryCall("DELETE", "/branches/doomed", admin.secret);
    EXPECT_FALSE(r.ok()) << "answered " << r->status << " " << r->body;
  } else {
    auto r = serve_->TryCall("POST", "/ci/up", admin.secret, R"({"pr":5})");
    EXPECT_FALSE(r.ok()) << "answered " << r->status << " " << r->body;
  }
  ASSERT_EQ(serve_->WaitExit(90000), 99) << serve_->Log();
  EXPECT_EQ(Datasets(), c.datasets_after_crash);

  // The interrupted operation left its "started" record and no outcome.
  const json crashed = serve_->AuditRecords();
  if (trigger == "create" || trigger == "delete") {
    const std::string action = "branch." + trigger;
    const std::string target = trigger == "create" ? "crashy" : "doomed";
    EXPECT_EQ(CountAudit(crashed, action, "started", "", target), 1) << crashed.dump(1);
    EXPECT_EQ(CountAudit(crashed, action, "ok", "", target), 0) << crashed.dump(1);
  } else if (trigger == "ci") {
    EXPECT_EQ(CountAudit(crashed, "ci.up", "started", "", "pr 5"), 1) << crashed.dump(1);
    EXPECT_EQ(CountAudit(crashed, "pr.open", "started", "", "pr 5"), 1) << crashed.dump(1);
  } else if (std::string(c.point) != "hook.after_store") {  // that one dies before any record
    EXPECT_EQ(CountAudit(crashed, "pr.open", "started", "github:" + delivery, "acme/shop#5"), 1)
        << crashed.dump(1);
  }

  // Restarted without the crash point: the daemon reconciles and resumes pending work.
  StartDaemon();
  if (*c.repair) {
    EXPECT_NE(serve_->Log().find(std::string("repaired: ") + c.repair), std::string::npos)
        << serve_->Log();
  }
  std::string branch = "pr-5";
  if (trigger == "github") {
    json d = serve_->WaitDelivery(delivery);
    EXPECT_EQ(d["state"], "done") << d.dump();
    EXPECT_EQ(serve_->AdminJson("GET", "/deliveries").size(), 1u);
    EXPECT_GE(CountAudit(serve_->AuditRecords(), "pr.open", "ok", "github:" + delivery), 1);
  } else if (trigger == "ci") {
    // The branch was made but not bound to the PR; ci up again adopts it.
    http::Response again = serve_->Call("POST", "/ci/up", admin.secret, R"({"pr":5})");
    EXPECT_EQ(again.status, 200) << again.body;
  } else if (trigger == "create") {
    EXPECT_EQ(Count(serve_->BranchNames(), "crashy"), 0) << "half-created branch kept";
    EXPECT_EQ(Datasets(), 1u) << "its data kept";
    EXPECT_EQ(serve_->Call("POST", "/branches", admin.secret, R"({"name":"crashy"})").status, 201);
    branch = "crashy";
  } else {
    EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
    branch = "";
  }
  EXPECT_EQ(serve_->OrphanDataDirs(), std::vector<std::string>{});
  ExpectAuditVerifies();
  if (branch.empty()) return;
  EXPECT_EQ(Count(serve_->BranchNames(), branch), 1);
  json b = Branch(branch);
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["state"], "running");
  const std::string uri = Uri(branch);
  if (trigger == "github") {
    EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM migrated"), "1");
  }
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM customers"), "1000");
}

const CrashCase kCrashCases[] = {
    {"hook.after_store", "github", 1, ""},
    {"pr.after_branch", "github", 2, ""},
    {"hook.before_finish", "github", 2, ""},
    {"pr.after_branch", "ci", 2, ""},
    {"branch.create.after_insert", "create", 1, "removed half-created branch \"crashy\""},
    {"branch.create.after_clone", "create", 2, "removed half-created branch \"crashy\""},
    {"branch.create.after_start", "create", 2, "removed half-created branch \"crashy\""},
    {"branch.delete.after_stop", "delete", 2, "finished interrupted delete of branch \"doomed\""},
};

std::string CrashCaseName(const ::testing::TestParamInfo<CrashCase>& info) {
  std::string name = std::string(info.param.point) + "_" + info.param.trigger;
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Serve, ServeCrashTest, ::testing::ValuesIn(kCrashCases), CrashCaseName);

TEST_F(ServeTest, KilledIdleDaemonRestartsWithEverythingListed) {
  StartDaemon();
  const auto admin = serve_->MakeToken("admin", "ops");
  for (const char* name : {"k1", "k2"}) {
    ASSERT_EQ(
        serve_
            ->Call("POST", "/branches", admin.secret, json({{"name", name}, {"ttl", "3d"}}).dump())
            .status,
        201);
  }
  const json before = WithoutVolatile(serve_->AdminJson("GET", "/branches?no_usage=true"));
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(serve_->Kill(), 128 + SIGKILL);
  EXPECT_TRUE(os::PathExists(serve_->pool() + "/spur.sock")) << "socket file of a killed daemon";
  StartDaemon();
  EXPECT_EQ(WithoutVolatile(serve_->AdminJson("GET", "/branches?no_usage=true")), before);
  EXPECT_EQ(QueryValue(Uri("k2"), "SELECT count(*) FROM orders"), "3000");
  EXPECT_EQ(serve_->Call("GET", "/branches", admin.secret).status, 200) << "tokens survive";
  EXPECT_TRUE(serve_->OrphanDataDirs().empty());
  ExpectAuditVerifies();
  EXPECT_EQ(serve_->Stop(), 0) << serve_->Log();
  EXPECT_FALSE(os::PathExists(serve_->pool() + "/spur.sock"));
}

// Regression: branch ids are SQLite rowids (INTEGER PRIMARY KEY without
// AUTOINCREMENT), so deleting the newest branch frees its id for the next one.
// The daemon's disk-use cache is keyed by id; the new branch once showed the
// deleted one's numbers until the next background refresh.
TEST_F(ServeTest, BranchReusingADeletedIdShowsItsOwnDiskUse) {
  StartDaemon();
  const auto admin = serve_->MakeToken("admin", "ops");
  ASSERT_EQ(serve_->Call("POST", "/branches", admin.secret, R"({"name":"fat"})").status, 201);
  Exec(Uri("fat"),
       "CREATE TABLE bulk AS SELECT repeat(md5(g::text), 40) AS pad "
       "FROM generate_series(1, 60000) g");  // about 80 MB
  http::Response thin = serve_->Call("POST", "/branches", admin.secret, R"({"name":"thin"})");
  ASSERT_EQ(thin.status, 201);
  ASSERT_EQ(serve_->Call("DELETE", "/branches/thin", admin.secret).status, 200);
  http::Response heir =
      serve_->Call("POST", "/branches", admin.secret, R"({"name":"heir","from":"fat"})");
  ASSERT_EQ(heir.status, 201);
  if (Parse(heir)["data_directory"] != Parse(thin)["data_directory"]) {
    GTEST_SKIP() << "the id was not reused; nothing to check";
  }
  const json served = Branch("heir");
  const json measured = serve_->Run({"--json", "branch", "show", "heir"}).json();
  ASSERT_TRUE(measured.contains("logical_bytes")) << measured.dump();
  const double want = measured["logical_bytes"].get<double>();
  const double got = served.value("logical_bytes", 0.0);
  EXPECT_NEAR(got, want, want * 0.2) << "GET /branches/heir reports the deleted branch's size";
}

// ---------------------------------------------------------------- reaper

// The value of the metric line `series` ("name{labels}") in /metrics; -1 when absent.
double Metric(const ServeFixture& serve, const std::string& series) {
  const std::string body = "\n" + serve.Call("GET", "/metrics", "").body;
  const std::string key = "\n" + series + " ";
  const size_t at = body.find(key);
  return at == std::string::npos ? -1 : std::stod(body.substr(at + key.size()));
}

TEST_F(ServeTest, ReaperExpiresAShortTtlBranchAndCountsIt) {
  StartDaemon({}, {"--reaper-interval", "1"});
  const auto dev = serve_->MakeToken("developer", "alice");
  http::Response made =
      serve_->Call("POST", "/branches", dev.secret, R"({"name":"brief","ttl":"2s"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(Parse(made)["ttl_seconds"], 2);
  EXPECT_TRUE(WaitFor([&] { return serve_->Admin("GET", "/branches/brief").status == 404; }, 20))
      << serve_->Log();
  // The audit record and the counter follow the delete (after an fdatasync).
  const std::string expired = R"(spur_reaper_actions_total{action="branch.expire",result="ok"})";
  EXPECT_TRUE(WaitFor([&] { return Metric(*serve_, expired) == 1; }, 10))
      << serve_->Call("GET", "/metrics", "").body;
  json audit = serve_->AuditRecords();
  EXPECT_EQ(CountAudit(audit, "branch.expire", "ok", "reaper", "brief"), 1) << audit.dump(1);
  EXPECT_EQ(serve_->BranchNames(), std::vector<std::string>{"main"});
  EXPECT_TRUE(serve_->OrphanDataDirs().empty());
  ExpectAuditVerifies();
}

// Regression (issue 13, items 5 and 6): `ci up` wrote the password to
// $GITHUB_OUTPUT unmasked, so any later step could print it; a failed
// migration exited 10 with nothing on stderr. --output github masks it in
// the log first and writes the step outputs itself; a failed migration says
// what failed and shows its last lines.
TEST_F(ServeTest, CiUpForGitHubMasksThePasswordAndAFailedMigrationSaysWhy) {
  serve_->AddRepo("acme/shop", "github",
                  "migrate: \"echo applying 001 && echo the-table-exists >&2 && exit 3\"\n");
  TempDir dir;
  const std::string outputs = dir.path() + "/github_output";
  ASSERT_TRUE(os::WriteFileAtomic(outputs, "earlier=1\n").ok());
  CliResult up = serve_->Run(
      {"ci", "up", "--pr", "21", "--repo", "acme/shop", "--sha", "abc1", "--output", "github"},
      {{"GITHUB_OUTPUT", outputs}, {"GITHUB_ACTIONS", "true"}});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  auto written = os::ReadFile(outputs);
  ASSERT_TRUE(written.ok());
  auto kv = KeyValues(*written);
  EXPECT_EQ(kv["earlier"], "1") << "appended, not overwritten";
  EXPECT_EQ(kv["branch"], "pr-21");
  EXPECT_EQ(kv["result"], "created");
  const std::string password = kv["db_password"];
  ASSERT_GE(password.size(), 16u) << *written;
  EXPECT_EQ(QueryValue(kv["db_url"], "SELECT current_user"), kv["db_user"]);
  // The password is in the log once: in the ::add-mask:: line that comes first.
  EXPECT_EQ(up.out.rfind("::add-mask::" + password + "\n", 0), 0u) << up.out;
  EXPECT_EQ(up.out.find(password, 12 + password.size()), std::string::npos) << up.out;
  EXPECT_EQ(up.err.find(password), std::string::npos) << up.err;
  // Without $GITHUB_OUTPUT: a one-line error, nothing printed.
  CliResult no_file = serve_->Run({"ci", "up", "--pr", "21", "--output", "github"});
  EXPECT_NE(no_file.exit_code, 0);
  EXPECT_EQ(no_file.out.find(password), std::string::npos) << no_file.out;

  CliResult failed =
      serve_->Run({"ci", "up", "--pr", "21", "--repo", "acme/shop", "--sha", "abc2", "--migrate"});
  EXPECT_EQ(failed.exit_code, 10) << failed.err;
  EXPECT_NE(failed.err.find("failed (exit code 3 after"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("the-table-exists"), std::string::npos) << failed.err;
}

// Issue 13, item 7: the diff reaches the pull request. `ci up` posts one
// comment (migration, schema statements with hazards, changed rows per
// table) through the forge's API with the repository's token, and edits that
// same comment on the next push; `spur --server ... diff` works remotely.
TEST_F(ServeTest, PrCommentWithTheDiffIsPostedThenEditedAtTheForge) {
  const std::string forge_token = "ghp-fake-forge-token-8c1e";
  FakeForge forge(forge_token);
  ASSERT_TRUE(forge.ok());
  serve_->AddRepo("acme/shop", "github",
                  "migrate: '" + std::string(kMigrate) + "'\nforge: github\nforge_url: " +
                      forge.url() + "\nforge_token_env: SPUR_FORGE_TOKEN\n");
  // Regression: a migration printing bytes that are not UTF-8 made the
  // record's JSON dump throw (in the webhook worker: the daemon died).
  serve_->AddRepo(
      "acme/web", "gitlab",
      "migrate: \"printf '\\\\377\\\\376 not utf-8'\"\nforge: gitlab\nforge_url: " + forge.url() +
          "/api/v4\nforge_token_env: SPUR_FORGE_TOKEN\nbranch_prefix: mr-\n");
  StartDaemon({{"SPUR_FORGE_TOKEN", forge_token}});
  auto dev = serve_->MakeToken("developer", "ci");
  const std::string server = serve_->http_url();
  // Anyone may post a comment that starts with spur's marker: it is not spur's to edit.
  forge.AddForeignComment("github:acme/shop#3", "<!-- spur:acme/shop#3 -->\nfake connection info");
  CliResult up = serve_->Remote(
      server, dev.secret,
      {"--json", "ci", "up", "--pr", "3", "--repo", "acme/shop", "--sha", "a1", "--migrate"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(up.json()["comment_posted"], true) << up.out;
  auto comments = forge.comments("github:acme/shop#3");
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_EQ(comments.begin()->second, "<!-- spur:acme/shop#3 -->\nfake connection info");
  const int64_t id = comments.rbegin()->first;
  const std::string first = comments.rbegin()->second;
  EXPECT_EQ(first.rfind("<!-- spur:acme/shop#3 -->", 0), 0u) << first;
  EXPECT_NE(first.find("Changes against `main`"), std::string::npos) << first;
  EXPECT_NE(first.find("CREATE TABLE public.migrated"), std::string::npos) << first;
  EXPECT_NE(first.find("| `public.migrated` | 1 | 0 | 0 |"), std::string::npos) << first;
  for (const auto& r : forge.requests()) {
    EXPECT_EQ(r.headers.at("authorization"), "Bearer " + forge_token) << r.target;
    EXPECT_EQ(r.headers.at("x-github-api-version"), "2022-11-28");
    EXPECT_FALSE(r.headers.at("user-agent").empty());
  }
  // The next push: the branch is reset and migrated again; the same comment is edited.
  CliResult again = serve_->Remote(
      server, dev.secret,
      {"--json", "ci", "up", "--pr", "3", "--repo", "acme/shop", "--sha", "a2", "--migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  comments = forge.comments("github:acme/shop#3");
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_EQ(comments.rbegin()->first, id);
  EXPECT_EQ(comments.begin()->second, "<!-- spur:acme/shop#3 -->\nfake connection info");
  auto seen = forge.requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().method, "PATCH");
  EXPECT_EQ(seen.back().target, "/repos/acme/shop/issues/comments/" + std::to_string(id));

  // GitLab: a note on the merge request, with its own header.
  CliResult mr = serve_->Remote(
      server, dev.secret, {"--json", "ci", "up", "--pr", "5", "--repo", "acme/web", "--migrate"});
  ASSERT_EQ(mr.exit_code, 0) << mr.err;
  EXPECT_EQ(forge.comments("gitlab:acme/web#5").size(), 1u);
  EXPECT_EQ(forge.requests().back().method, "POST");
  EXPECT_EQ(forge.requests().back().target, "/api/v4/projects/acme%2Fweb/merge_requests/5/notes");
  EXPECT_EQ(forge.requests().back().headers.at("private-token"), forge_token);

  // The diff through the server, in every format, and --exit-code.
  CliResult text = serve_->Remote(server, dev.secret, {"diff", "pr-3", "--color", "never"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("public.migrated"), std::string::npos) << text.out;
  CliResult json_diff = serve_->Remote(server, dev.secret, {"--json", "diff", "pr-3", "--data"});
  ASSERT_EQ(json_diff.exit_code, 0) << json_diff.err;
  EXPECT_EQ(json_diff.json()["against"], "main");
  CliResult sql = serve_->Remote(server, dev.secret, {"diff", "pr-3", "--format", "sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(
      sql.out.find("INSERT INTO public.migrated (\"x\") OVERRIDING SYSTEM VALUE VALUES ('1');"),
      std::string::npos)
      << sql.out;
  EXPECT_EQ(serve_->Remote(server, dev.secret, {"diff", "pr-3", "--exit-code"}).exit_code, 1);
  // Regression: a body without max_rows read an empty optional.
  http::Response bare = serve_->Call("POST", "/branches/pr-3/diff", dev.secret, "{}");
  ASSERT_EQ(bare.status, 200) << bare.body;
  EXPECT_EQ(Parse(bare)["format"], "text");
  EXPECT_NE(Parse(bare)["output"].get<std::string>().find("public.migrated"), std::string::npos);
  // Another developer may not read the rows of ci's branch.
  auto other = serve_->MakeToken("developer", "mallory");
  CliResult refused = serve_->Remote(server, other.secret, {"diff", "pr-3"});
  EXPECT_EQ(refused.exit_code, 7) << refused.err;
  // The forge token is in no log and no audit record.
  EXPECT_EQ(serve_->Log().find(forge_token), std::string::npos);
  EXPECT_EQ(serve_->AuditRecords().dump().find(forge_token), std::string::npos);
}

// Regression (issue 13, item 4): a webhook-made PR branch belongs to the PR's
// author, so the repository's CI token got exit 7 on `ci up` and `ci down`.
// A token scoped to the repository (`token create --repo`) acts for every PR
// branch of it, and for no other repository.
TEST_F(ServeTest, RepoScopedCiTokenActsForWebhookMadePrBranches) {
  serve_->AddRepo("acme/shop", "github", RepoYaml("pr-"));
  StartDaemon();
  const std::string opened = GitHubPullRequestBody("acme/shop", "opened", 41, "f00d");
  ASSERT_EQ(serve_->Call("POST", "/hooks/github", "", opened, GitHubHeaders(opened, "d-41")).status,
            202);
  ASSERT_EQ(serve_->WaitDelivery("d-41")["state"], "done");
  json b = Branch("pr-41");
  ASSERT_TRUE(b.is_object());
  const std::string author = b["owner"].get<std::string>();
  ASSERT_NE(author, "ci");

  CliResult made = serve_->Run(
      {"--json", "token", "create", "--role", "developer", "--owner", "ci", "--repo", "acme/shop"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string scoped = made.json()["token"];
  EXPECT_EQ(made.json()["repos"], json::array({"acme/shop"}));
  const auto plain = serve_->MakeToken("developer", "ci");
  const std::string server = serve_->http_url();
  const std::vector<std::string> up = {"ci",     "up",        "--pr",  "41",
                                       "--repo", "acme/shop", "--sha", "f00d"};
  CliResult refused = serve_->Remote(server, plain.secret, up);
  EXPECT_EQ(refused.exit_code, 7) << refused.err;
  EXPECT_NE(refused.err.find("--repo acme/shop"), std::string::npos) << refused.err;
  CliResult kept = serve_->Remote(server, scoped, up);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("DATABASE_URL="), std::string::npos);
  EXPECT_EQ(serve_->Remote(server, scoped, {"uri", "pr-41"}).exit_code, 0);
  // Not for another repository, not even a branch of its own name.
  CliResult other = serve_->Remote(server, scoped, {"ci", "up", "--pr", "2", "--repo", "acme/web"});
  EXPECT_EQ(other.exit_code, 7) << other.err;
  EXPECT_NE(other.err.find("acts for the pull requests of acme/shop"), std::string::npos)
      << other.err;
  // Only developer tokens take --repo.
  EXPECT_EQ(serve_->Run({"token", "create", "--role", "admin", "--owner", "x", "--repo", "a/b"})
                .exit_code,
            2);
  EXPECT_EQ(serve_->Run({"token", "create", "--owner", "x", "--repo", "not a repo"}).exit_code, 2);
  CliResult down =
      serve_->Remote(server, scoped, {"ci", "down", "--pr", "41", "--repo", "acme/shop"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_FALSE(Branch("pr-41").is_object());
}

// Regression (issue 13, item 6): TTLs never fire without `spur serve`, and
// `spur status` did not say whether it runs. It shows the daemon and the
// reaper's last pass, and that it stopped.
TEST_F(ServeTest, StatusSaysWhetherTheDaemonRunsAndWhenTheReaperLastPassed) {
  CliResult before = serve_->Run({"status"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_NE(before.out.find("daemon:     never ran: branch TTLs"), std::string::npos) << before.out;
  StartDaemon({}, {"--reaper-interval", "1"});
  EXPECT_TRUE(WaitFor(
      [&] {
        return serve_->Run({"status"}).out.find("reaper:     last pass") != std::string::npos;
      },
      20))
      << serve_->Run({"status"}).out;
  CliResult running = serve_->Run({"status"});
  EXPECT_NE(running.out.find("daemon:     running (pid "), std::string::npos) << running.out;
  json remote =
      json::parse(serve_
                      ->Remote(serve_->http_url(), serve_->MakeToken("viewer", "vera").secret,
                               {"--json", "status"})
                      .out,
                  nullptr, false);
  ASSERT_TRUE(remote.is_object());
  EXPECT_EQ(remote["daemon"]["state"], "running") << remote.dump();
  EXPECT_EQ(remote["daemon"]["reaper"]["error"], "") << remote.dump();
  ASSERT_EQ(serve_->Stop(), 0);
  CliResult stopped = serve_->Run({"status"});
  EXPECT_NE(stopped.out.find("daemon:     stopped: branch TTLs"), std::string::npos) << stopped.out;
}

// Regression: the gauges of a /metrics scrape list branches through the API,
// and each scrape used to count as an API request.
TEST_F(ServeTest, MetricsScrapesAreNotCountedAsApiRequests) {
  StartDaemon();
  ASSERT_EQ(serve_->Admin("GET", "/branches").status, 200);  // the series exists
  const std::string gets = R"(spur_api_requests_total{code="200",method="GET",route="/branches"})";
  const double first = Metric(*serve_, gets);
  EXPECT_GE(first, 1);
  const double second = Metric(*serve_, gets);
  EXPECT_EQ(second, first) << "two scrapes, no API call in between";
}

// Regression (issue 11, items 3 and 5): over real HTTP, a refused 9 MiB
// request leaves two small audit records, and thousands of requests with
// made-up methods and paths, without a token, do not grow /metrics.
TEST_F(ServeTest, HostileRequestsLeaveAuditAndMetricsSmall) {
  StartDaemon();
  const auto dev = serve_->MakeToken("developer", "alice");
  const std::string huge = R"({"name":"h1","junk":")" + std::string(9 << 20, 'j') + R"("})";
  EXPECT_GE(serve_->Call("POST", "/branches", dev.secret, huge).status, 400);
  http::Response newest = serve_->Admin("GET", "/audit?limit=2");
  ASSERT_EQ(newest.status, 200) << newest.body;
  EXPECT_LT(newest.body.size(), 4096u) << newest.body.substr(0, 2000);
  json records = serve_->AuditRecords();
  ASSERT_GE(records.size(), 2u);
  for (const auto& r : records) EXPECT_LT(r.dump().size(), audit::kMaxRecordBytes);
  EXPECT_EQ(records.dump().find(std::string(200, 'j')), std::string::npos);

  auto junk = [](int i) { return "X" + std::to_string(i * 7919) + std::string(200, 'Q'); };
  for (int i = 0; i < 50; ++i) serve_->TryCall(junk(i), "/" + junk(i), "").status().IgnoreError();
  const size_t before = serve_->Call("GET", "/metrics", "").body.size();
  for (int i = 50; i < 2000; ++i)
    serve_->TryCall(junk(i), "/" + junk(i), "").status().IgnoreError();
  const std::string after = serve_->Call("GET", "/metrics", "").body;
  EXPECT_LT(after.size(), before + 16) << after;
  EXPECT_EQ(after.find("QQQQ"), std::string::npos);
  ExpectAuditVerifies();
}

// ------------------------------------------------------------------ load

class ServeLoadTest : public ServeTest {
 protected:
  ServePoolOptions PoolOptions() const override {
    ServePoolOptions o;
    o.driver = "reflink";
    o.image_size = "6G";
    o.init_args = {"--pg", "shared_buffers=16MB", "--pg", "max_connections=20"};
    return o;
  }
};

TEST_F(ServeLoadTest, HundredRunningBranchesThroughTheApi) {
  StartDaemon();
  const auto admin = serve_->MakeToken("admin", "ops");
  auto create = [&](int i) {
    return serve_->Call("POST", "/branches", admin.secret,
                        json({{"name", "load-" + std::to_string(i)}}).dump());
  };
  // 20 at once from 20 threads.
  constexpr int kConcurrent = 20, kTotal = 100;
  std::vector<http::Response> answers(kConcurrent);
  std::vector<std::thread> threads;
  for (int i = 0; i < kConcurrent; ++i) threads.emplace_back([&, i] { answers[i] = create(i); });
  for (auto& t : threads) t.join();
  std::set<int> ports;
  for (int i = 0; i < kConcurrent; ++i) {
    ASSERT_EQ(answers[i].status, 201) << i << ": " << answers[i].body;
    json b = Parse(answers[i]);
    ports.insert(b["port"].get<int>());
    EXPECT_EQ(QueryValue(b["uri"].get<std::string>(), "SELECT 1"), "1") << b["name"];
  }
  EXPECT_EQ(ports.size(), static_cast<size_t>(kConcurrent));

  // Up to 100 live branches, four creators at a time.
  std::atomic<int> next{kConcurrent};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  threads.clear();
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < kTotal; i = next++) {
        http::Response r = create(i);
        if (r.status != 201) {
          std::lock_guard<std::mutex> g(failures_mu);
          failures.push_back(std::to_string(i) + ": " + std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " creates failed, first: " << failures[0];

  std::vector<double> ms;
  json list;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    http::Response r = serve_->Call("GET", "/branches", admin.secret);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    ASSERT_EQ(r.status, 200);
    list = Parse(r);
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "[ ServeLoad ] GET /branches with %zu branches: median %.1f ms (min %.1f, max %.1f)\n",
      list.size(), ms[2], ms[0], ms[4]);
  std::set<int> all_ports;
  int running = 0;
  for (const auto& b : list) {
    all_ports.insert(b["port"].get<int>());
    running += b["state"] == "running";
  }
  EXPECT_EQ(list.size(), kTotal + 1u);  // and main
  EXPECT_EQ(running, kTotal + 1);
  EXPECT_EQ(all_ports.size(), kTotal + 1u);
  // Every one of them answers.
  for (const auto& b : list) {
    if (b["name"] == "main") continue;
    EXPECT_EQ(QueryValue(Uri(b["name"].get<std::string>()), "SELECT 1"), "1") << b["name"];
  }
  EXPECT_TRUE(serve_->OrphanDataDirs().empty());
}

}  // namespace
}  // namespace spur::testing
