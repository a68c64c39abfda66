// The Postgres proxy of `spur serve --proxy-listen` end to end: the real
// daemon on a real pool, real libpq, psql and pgbench as clients, TLS with
// the pool's own CA, SNI from libpq's `host`, wakes, cancels and a branch
// killed under a session.
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "os/fs.h"
#include "pg/conn.h"
#include "serve_fixture.h"

namespace spur::testing {
namespace {

using nlohmann::json;

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "spur serve runs postgres as the postgres user; needs root";
    serve_ = std::make_unique<ServeFixture>();
    ASSERT_TRUE(serve_->ok()) << serve_->error();
    CliResult tls = serve_->Run({"tls", "init", "--name", "*.db.test"});
    ASSERT_EQ(tls.exit_code, 0) << tls.err;
    CliResult ca = serve_->Run({"tls", "ca"});
    ASSERT_EQ(ca.exit_code, 0) << ca.err;
    ca_ = dir_.path() + "/ca.pem";
    ASSERT_TRUE(os::WriteFileAtomic(ca_, ca.out).ok());
    CliResult made = serve_->Run({"branch", "create", "pr-1"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    proxy_port_ = FreeTcpPort();
  }
  void TearDown() override {
    if (HasFailure() && serve_) std::printf("--- spur serve log ---\n%s\n", serve_->Log().c_str());
  }

  void StartProxy(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--proxy-listen", "127.0.0.1:" + std::to_string(proxy_port_),
                                     "--proxy-domain", "db.test"};
    args.insert(args.end(), more.begin(), more.end());
    ASSERT_TRUE(serve_->Start({}, args)) << serve_->error();
  }
  std::string Password(const std::string& branch) {
    json c = serve_->AdminJson("GET", "/branches/" + branch + "/connection");
    return c.is_object() ? c.value("password", "") : "";
  }
  int Port(const std::string& branch) {
    json b = serve_->AdminJson("GET", "/branches/" + branch);
    return b.is_object() ? b["port"].get<int>() : -1;
  }
  // A conninfo through the proxy; `route` says how the branch is named.
  std::string Via(const std::string& route, const std::string& password) {
    return "host=127.0.0.1 port=" + std::to_string(proxy_port_) + " user=app password=" + password +
           " connect_timeout=20 " + route;
  }
  std::string Sni(const std::string& branch, const std::string& password) {
    return "host=" + branch + ".db.test hostaddr=127.0.0.1 port=" + std::to_string(proxy_port_) +
           " dbname=app user=app password=" + password + " sslmode=verify-full sslrootcert=" + ca_ +
           " connect_timeout=20";
  }
  std::string Metrics() { return serve_->Call("GET", "/metrics", "").body; }
  // The value of the series `series` (exact text up to the value) in /metrics, or -1.
  double Metric(const std::string& series) {
    const std::string text = Metrics();
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 1));
  }
  // The error libpq reports for `conninfo`, "" when it connects.
  static std::string ConnectError(const std::string& conninfo) {
    auto c = pg::Connection::Open(conninfo);
    return c.ok() ? "" : c.status().message();
  }

  TempDir dir_;
  std::unique_ptr<ServeFixture> serve_;
  std::string ca_;
  int proxy_port_ = 0;
};

TEST_F(ProxyTest, SniRoutesWithVerifyFullAgainstThePoolCaAndLibpqDefaults) {
  StartProxy();
  const std::string pw = Password("pr-1");
  EXPECT_EQ(QueryValue(Sni("pr-1", pw), "SELECT current_setting('port')"),
            std::to_string(Port("pr-1")));
  EXPECT_EQ(QueryValue(Sni("pr-1", pw), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
            "f")
      << "the proxy reaches postgres over loopback";
  EXPECT_EQ(QueryValue(Sni("main", Password("main")), "SELECT current_setting('port')"),
            std::to_string(Port("main")));
  // A name the certificate does not hold fails verify-full before any byte
  // reaches postgres.
  EXPECT_NE(
      ConnectError("host=pr-1.other.test hostaddr=127.0.0.1 port=" + std::to_string(proxy_port_) +
                   " user=app password=" + pw + " sslmode=verify-full sslrootcert=" + ca_),
      "");
  // libpq's defaults (sslmode=prefer, channel_binding=prefer) log in: the
  // proxy's postgres never offers channel binding.
  EXPECT_EQ(QueryValue(Via("dbname=app@pr-1", pw), "SELECT 1"), "1");
  EXPECT_NE(ConnectError(Via("dbname=app@pr-1 channel_binding=require", pw)), "");
}

TEST_F(ProxyTest, RoutesByOptionsAndDatabaseAtBranchWithTlsBranchesToo) {
  ASSERT_EQ(serve_->Run({"tls", "branches", "on"}).exit_code, 0);
  ASSERT_EQ(serve_->Run({"branch", "stop", "pr-1"}).exit_code, 0);
  ASSERT_EQ(serve_->Run({"branch", "start", "pr-1"}).exit_code, 0);
  StartProxy();
  const std::string pw = Password("pr-1");
  const std::string port = std::to_string(Port("pr-1"));
  for (const std::string route :
       {"dbname=app options=--branch=pr-1", "dbname=app options='-c spur.branch=pr-1'",
        "dbname=app options='-cspur.branch=pr-1 -c work_mem=8MB'", "dbname=app@pr-1",
        "dbname=app@pr-1 sslmode=disable", "dbname=app@pr-1 sslmode=require"}) {
    EXPECT_EQ(QueryValue(Via(route, pw), "SELECT current_setting('port')"), port) << route;
  }
  // Options that are not routing words reach postgres.
  EXPECT_EQ(
      QueryValue(Via("dbname=app options='--branch=pr-1 -c work_mem=8MB'", pw), "SHOW work_mem"),
      "8MB");
  // The URI `spur uri` prints goes through the proxy by default.
  CliResult uri = serve_->Run({"uri", "pr-1"});
  ASSERT_EQ(uri.exit_code, 0) << uri.err;
  EXPECT_NE(uri.out.find("@pr-1.db.test:" + std::to_string(proxy_port_) + "/app"),
            std::string::npos)
      << uri.out;
  CliResult direct = serve_->Run({"uri", "pr-1", "--direct"});
  EXPECT_NE(direct.out.find(":" + port + "/app"), std::string::npos) << direct.out;
}

TEST_F(ProxyTest, WrongPasswordsAndUnknownBranchesGetFatalErrorsAndNoPasswordIsLogged) {
  StartProxy();
  const std::string pw = Password("pr-1"), main_pw = Password("main");
  ASSERT_NE(pw, main_pw);
  // Another branch's password does not open this one.
  // (sslmode=disable: with prefer, libpq tries twice, with TLS and without.)
  EXPECT_NE(ConnectError(Via("dbname=app@pr-1 sslmode=disable", main_pw))
                .find("password authentication failed"),
            std::string::npos);
  EXPECT_NE(ConnectError(Via("dbname=app@pr-1 sslmode=disable", "wrong"))
                .find("password authentication failed"),
            std::string::npos);
  EXPECT_EQ(Metric("spur_proxy_auth_failures_total{branch=\"pr-1\"}"), 2);
  // An unknown branch: FATAL with the hint, at once (no hang).
  const auto t0 = std::chrono::steady_clock::now();
  os::RunOutput nope = RunPgTool("psql", {Via("dbname=app@nope", pw), "-c", "SELECT 1"});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_NE(nope.exit_code, 0);
  EXPECT_NE(nope.err.find("FATAL:  branch \"nope\" does not exist"), std::string::npos) << nope.err;
  EXPECT_NE(nope.err.find("HINT:"), std::string::npos) << nope.err;
  EXPECT_NE(ConnectError(Via("dbname=app", pw)).find("no branch"), std::string::npos);
  EXPECT_NE(ConnectError(Via("dbname=app@pr-1 options=--branch=main", pw)), "");
  serve_->Stop();
  EXPECT_EQ(serve_->Log().find(pw), std::string::npos);
  EXPECT_EQ(serve_->Log().find(main_pw), std::string::npos);
}

TEST_F(ProxyTest, ASuspendedBranchIsWokenByAPlainPsqlAndTwentyClientsStartItOnce) {
  StartProxy();
  const std::string pw = Password("pr-1");
  ASSERT_EQ(serve_->Run({"branch", "suspend", "pr-1"}).exit_code, 0);
  ASSERT_EQ(serve_->AdminJson("GET", "/branches/pr-1")["state"], "suspended");
  os::RunOutput psql = RunPgTool("psql", {Via("dbname=app@pr-1", pw), "-Atc", "SELECT 42"});
  EXPECT_EQ(psql.exit_code, 0) << psql.err;
  EXPECT_EQ(psql.out, "42\n");
  EXPECT_EQ(serve_->AdminJson("GET", "/branches/pr-1")["state"], "running");

  ASSERT_EQ(serve_->Run({"branch", "suspend", "pr-1"}).exit_code, 0);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back([&] {
      auto c = pg::Connection::Open(Sni("pr-1", pw));
      if (c.ok() && c->QueryValue("SELECT 1").ok()) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(Metric("spur_proxy_wakes_total{branch=\"pr-1\"}"), 2) << "one per suspension";
  int wakes = 0;
  for (const auto& r : serve_->AuditRecords()) {
    if (r["action"] == "branch.wake" && r["actor"] == "proxy" && r["result"] == "ok") ++wakes;
  }
  EXPECT_EQ(wakes, 2);
  // A branch stopped by a user stays stopped, and the client is told why.
  ASSERT_EQ(serve_->Run({"branch", "stop", "pr-1"}).exit_code, 0);
  EXPECT_NE(ConnectError(Via("dbname=app@pr-1", pw)).find("spur branch start pr-1"),
            std::string::npos);
}

TEST_F(ProxyTest, CancelReachesTheRightBackend) {
  StartProxy();
  PGconn* conn = PQconnectdb(Via("dbname=app@pr-1", Password("pr-1")).c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  ASSERT_EQ(PQsendQuery(conn, "SELECT pg_sleep(30)"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  PGcancel* cancel = PQgetCancel(conn);
  char err[256] = "";
  EXPECT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
  PQfreeCancel(cancel);
  PGresult* res = PQgetResult(conn);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  EXPECT_STREQ(state ? state : "", "57014");
  PQclear(res);
  while ((res = PQgetResult(conn)) != nullptr) PQclear(res);
  PQfinish(conn);
}

TEST_F(ProxyTest, KillNineOfABranchEndsItsSessionsAndTheProxyServesTheOthers) {
  StartProxy();
  auto doomed = pg::Connection::Open(Via("dbname=app@pr-1", Password("pr-1")));
  auto other = pg::Connection::Open(Sni("main", Password("main")));
  ASSERT_TRUE(doomed.ok()) << doomed.status().message();
  ASSERT_TRUE(other.ok()) << other.status().message();
  const int pid = serve_->AdminJson("GET", "/branches/pr-1")["pid"].get<int>();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // Its backend ends when it notices the postmaster gone; the client sees
  // an error, never a hang.
  EXPECT_TRUE(WaitFor([&] { return !doomed->QueryValue("SELECT 1").ok(); }, 10));
  EXPECT_EQ(*other->QueryValue("SELECT 2"), "2");
  EXPECT_EQ(QueryValue(Sni("main", Password("main")), "SELECT 3"), "3");
  // The branch's connections are closed in the proxy's books.
  EXPECT_TRUE(WaitFor(
      [&] { return Metric("spur_proxy_connections_open{branch=\"pr-1\",env=\"pr-1\"}") == 0; },
      10));
}

TEST_F(ProxyTest, LimitsGive53300AndBranchListCountsConnections) {
  StartProxy({"--proxy-max-per-branch", "2", "--proxy-require-tls"});
  const std::string pw = Password("pr-1");
  auto a = pg::Connection::Open(Sni("pr-1", pw));
  auto b = pg::Connection::Open(Sni("pr-1", pw));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(ConnectError(Sni("pr-1", pw)).find("limit"), std::string::npos);
  EXPECT_EQ(QueryValue(Sni("main", Password("main")), "SELECT 1"), "1") << "per branch";
  // TLS is required: a plain client is refused.
  EXPECT_NE(ConnectError(Via("dbname=app@pr-1 sslmode=disable", pw)), "");
  json list = serve_->Branches();
  int open = -1;
  for (const auto& br : list) {
    if (br["name"] == "pr-1") open = br.value("connections", -1);
  }
  EXPECT_EQ(open, 2);
  CliResult table = serve_->Run({"branch", "list"});
  EXPECT_NE(table.out.find("CONN"), std::string::npos) << table.out;
  EXPECT_EQ(Metric("spur_proxy_connections_refused_total{branch=\"pr-1\",env=\"pr-1\"}"), 1);
}

TEST_F(ProxyTest, PgbenchRunsThroughTheProxy) {
  StartProxy();
  const std::string conninfo = Via("dbname=app@pr-1", Password("pr-1"));
  os::RunOutput init = RunPgTool("pgbench", {"-i", "-s", "1", "-q", conninfo});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  os::RunOutput run = RunPgTool("pgbench", {"-n", "-c", "4", "-j", "2", "-T", "2", conninfo});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex("tps = ([0-9.]+)"))) << run.out;
  EXPECT_GT(std::stod(m[1]), 0);
  EXPECT_GT(Metric("spur_proxy_bytes_total{branch=\"pr-1\",direction=\"to_client\",env=\"pr-1\"}"),
            0);
}

TEST_F(ProxyTest, LargeResultsAndUploadsCrossWholeWithAndWithoutTls) {
  StartProxy();
  const std::string pw = Password("pr-1");
  // 20 MB down and 8 MB up: many reads, writes the socket takes only in
  // part, and the relay's backpressure, in both directions.
  const std::string rows_sql = "SELECT repeat(md5(g::text), 32) FROM generate_series(1, 20000) g";
  const std::string big(8 << 20, 'y');
  for (const std::string& conninfo :
       {Sni("pr-1", pw), Via("dbname=app@pr-1 sslmode=disable", pw)}) {
    auto c = pg::Connection::Open(conninfo);
    ASSERT_TRUE(c.ok()) << c.status().message();
    auto rows = c->Query(rows_sql);
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->size(), 20000u);
    size_t bytes = 0;
    for (const auto& r : *rows) bytes += r[0].value_or("").size();
    EXPECT_EQ(bytes, 20000u * 1024);
    EXPECT_EQ((*rows)[19999][0].value_or("").substr(0, 32), *c->QueryValue("SELECT md5('20000')"));
    // A COPY streamed up without waiting for answers: the relay must not
    // lose track of bytes that arrive while it writes.
    ASSERT_TRUE(c->Exec("DROP TABLE IF EXISTS streamed; CREATE TABLE streamed (x text)").ok());
    PGresult* copy = PQexec(c->raw(), "COPY streamed FROM STDIN");
    ASSERT_EQ(PQresultStatus(copy), PGRES_COPY_IN) << PQerrorMessage(c->raw());
    PQclear(copy);
    const std::string line = std::string(1000, 'z') + "\n";
    for (int i = 0; i < 20000; ++i) {
      ASSERT_EQ(PQputCopyData(c->raw(), line.data(), static_cast<int>(line.size())), 1);
    }
    ASSERT_EQ(PQputCopyEnd(c->raw(), nullptr), 1);
    PGresult* done = PQgetResult(c->raw());
    EXPECT_EQ(PQresultStatus(done), PGRES_COMMAND_OK) << PQerrorMessage(c->raw());
    PQclear(done);
    while ((done = PQgetResult(c->raw())) != nullptr) PQclear(done);
    EXPECT_EQ(*c->QueryValue("SELECT count(*) FROM streamed"), "20000");
    auto up = c->Query("SELECT length($1), md5($1)", {big});
    ASSERT_TRUE(up.ok()) << up.status().message();
    EXPECT_EQ((*up)[0][0].value_or(""), std::to_string(big.size()));
    EXPECT_EQ((*up)[0][1].value_or(""),
              *c->QueryValue("SELECT md5(repeat('y', " + std::to_string(big.size()) + "))"));
  }
}

TEST_F(ProxyTest, StuckClientsDoNotHoldUpOthers) {
  StartProxy();
  // 100 clients stall mid-packet or after an SSLRequest; none of them may
  // delay anybody else.
  std::vector<int> stuck;
  const std::string partial("\0\0\0\x28\0\x03", 6);  // a StartupMessage's first bytes
  const std::string ssl("\0\0\0\x08\x04\xd2\x16\x2f", 8);
  for (int i = 0; i < 100; ++i) {
    const int fd = RawSend(proxy_port_, i % 2 == 0 ? partial : ssl);
    ASSERT_GE(fd, 0);
    stuck.push_back(fd);
  }
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(QueryValue(Sni("pr-1", Password("pr-1")), "SELECT 1"), "1");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  for (int fd : stuck) ::close(fd);
}

TEST_F(ProxyTest, ABranchThatCannotStartTellsTheClientWhy) {
  StartProxy();
  const std::string pw = Password("pr-1");
  const int port = Port("pr-1");
  ASSERT_EQ(serve_->Run({"branch", "suspend", "pr-1"}).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        const int fd = RawSend(port);
        if (fd >= 0) ::close(fd);
        return fd < 0;
      },
      10));
  // Another program takes the branch's port while it sleeps.
  const int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(squatter, 1), 0);
  const std::string error = ConnectError(Via("dbname=app@pr-1 sslmode=disable", pw));
  EXPECT_NE(error.find("could not be woken"), std::string::npos) << error;
  EXPECT_NE(error.find("taken by another program"), std::string::npos) << error;
  ::close(squatter);
  // Once the port is free again, the next connection wakes it.
  EXPECT_EQ(QueryValue(Via("dbname=app@pr-1", pw), "SELECT 1"), "1");
}

TEST_F(ProxyTest, BadProxyFlagsAreRefusedBeforeAnythingStarts) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--proxy-listen", "nonsense"},
           {"--proxy-listen", "127.0.0.1:0"},
           {"--proxy-listen", "127.0.0.1:5432", "--proxy-domain", "Bad_Domain"},
           {"--proxy-domain", "db.test"},
           {"--proxy-listen", "127.0.0.1:5432", "--proxy-wake-timeout", "0"},
           {"--proxy-listen", "127.0.0.1:5432", "--proxy-max-per-branch", "1e3"}}) {
    std::vector<std::string> cmd = {"serve", "--listen", "none"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    CliResult r = serve_->Run(cmd);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace spur::testing
