// The command line itself: help everywhere, one-line errors, exit codes.
#include "os/fs.h"
#include "pool_fixture.h"

namespace spur::testing {
namespace {

TEST(CliTest, EveryCommandHasHelp) {
  const std::vector<std::vector<std::string>> commands = {{},
                                                          {"init"},
                                                          {"status"},
                                                          {"branch"},
                                                          {"branch", "create"},
                                                          {"branch", "list"},
                                                          {"branch", "show"},
                                                          {"branch", "delete"},
                                                          {"branch", "reset"},
                                                          {"branch", "start"},
                                                          {"branch", "stop"},
                                                          {"snapshot"},
                                                          {"snapshot", "create"},
                                                          {"snapshot", "list"},
                                                          {"snapshot", "delete"},
                                                          {"uri"},
                                                          {"psql"},
                                                          {"branch", "extend"},
                                                          {"branch", "protect"},
                                                          {"branch", "unprotect"},
                                                          {"branch", "update"},
                                                          {"serve"},
                                                          {"token", "create"},
                                                          {"token", "list"},
                                                          {"token", "revoke"},
                                                          {"quota", "set"},
                                                          {"schedule", "set"},
                                                          {"config", "set"},
                                                          {"audit"},
                                                          {"cost"},
                                                          {"repo", "add"},
                                                          {"ci", "up"},
                                                          {"ci", "down"},
                                                          {"ci", "comment"},
                                                          {"tls", "init"},
                                                          {"tls", "ca"},
                                                          {"tls", "show"},
                                                          {"tls", "branches"}};
  for (auto cmd : commands) {
    cmd.push_back("--help");
    CliResult r = Spur(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  }
}

TEST(CliTest, UsageErrorsAreOneLineWithExitCode2) {
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{},
                                              {"frobnicate"},
                                              {"branch"},
                                              {"branch", "create"},
                                              {"branch", "list", "--no-such-flag"}}) {
    CliResult r = Spur(cmd);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  }
}

TEST(CliTest, MissingPoolSaysHowToCreateOne) {
  TempDir dir;
  CliResult r = Spur({"--pool", dir.path() + "/nothing", "branch", "list"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("spur init"), std::string::npos) << r.err;
  CliResult j = Spur({"--pool", dir.path() + "/nothing", "--json", "status"});
  EXPECT_EQ(j.json()["error"]["code"], "not_found");
}

TEST(CliTest, InitRefusesBadInputAndLeavesNothing) {
  TempDir dir;
  const std::string pool = dir.path() + "/pool";
  EXPECT_EQ(Spur({"--pool", pool, "init", "--image", "lots"}).exit_code, 2);
  EXPECT_EQ(Spur({"--pool", pool, "init", "--driver", "zfs"}).exit_code, 2);
  EXPECT_EQ(Spur({"--pool", pool, "init", "--pg", "=1"}).exit_code, 2);
  EXPECT_EQ(Spur({"--pool", pool, "init", "--from-pgdata", "/nonexistent"}).exit_code, 3);
  EXPECT_FALSE(os::PathExists(pool));
}

// `spur init` had no crash points, and a killed init left a pool that every
// command refused until the operator cleaned it up by hand.
TEST(CliTest, InterruptedInitIsRedoneByTheNextInit) {
  for (const char* point : {"init.after_insert", "init.after_main"}) {
    TempDir dir;
    const std::string pool = dir.path() + "/pool";
    const std::vector<std::string> init = {"--pool",   pool,   "init",
                                           "--driver", "copy", "--no-sample-data"};
    EXPECT_EQ(Spur(init, {{"SPUR_CRASH_POINT", point}}).exit_code, 99) << point;
    CliResult list = Spur({"--pool", pool, "branch", "list"});
    EXPECT_EQ(list.exit_code, 5) << point << ": " << list.err;
    EXPECT_NE(list.err.find("run `spur init` again"), std::string::npos) << list.err;
    CliResult again = Spur(init);
    ASSERT_EQ(again.exit_code, 0) << point << ": " << again.err;
    EXPECT_NE(again.err.find("was interrupted"), std::string::npos) << again.err;
    EXPECT_EQ(Spur({"--pool", pool, "--json", "branch", "show", "main"}).json()["state"], "running")
        << point;
    // A finished pool is never redone.
    EXPECT_EQ(Spur(init).exit_code, 4) << point;
    StopPostgresUnder(pool);
  }
}

TEST(CliTest, CopyDriverStatusIsLoud) {
  PoolFixture p("copy", /*sample_data=*/false);
  ASSERT_TRUE(p.ok()) << p.error();
  CliResult s = p.Run({"status"});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_NE(s.out.find("COPY driver"), std::string::npos) << s.out;
  EXPECT_EQ(p.Run({"--json", "status"}).json()["driver"], "copy");
  // --no-sample-data: the app database exists and is empty.
  EXPECT_EQ(QueryValue(p.Uri("main"), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            "0");
}

TEST(CliTest, InitListenAddressesReachPostgresAndTheUris) {
  TempDir dir;
  const std::string pool = dir.path() + "/pool";
  EXPECT_EQ(Spur({"--pool", pool, "init", "--listen-addresses", "a b"}).exit_code, 2);
  EXPECT_FALSE(os::PathExists(pool));
  CliResult r = Spur({"--pool", pool, "init", "--driver", "copy", "--no-sample-data",
                      "--listen-addresses", "0.0.0.0", "--advertise-host", "db.test"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CliResult uri = Spur({"--pool", pool, "uri", "main"});
  ASSERT_EQ(uri.exit_code, 0) << uri.err;
  EXPECT_NE(uri.out.find("@db.test:"), std::string::npos) << uri.out;
  // Reachable on loopback too, since it listens on every address.
  std::string local = uri.out.substr(0, uri.out.find('\n'));
  local.replace(local.find("@db.test:"), 9, "@127.0.0.1:");
  EXPECT_EQ(QueryValue(local, "SHOW listen_addresses"), "0.0.0.0");
  // Issue 13, item 1: both change after init. The host in URIs at once;
  // where postgres listens from the branch's next start.
  CliResult host = Spur({"--pool", pool, "config", "set", "advertise_host", "db2.test"});
  ASSERT_EQ(host.exit_code, 0) << host.err;
  EXPECT_NE(Spur({"--pool", pool, "uri", "main"}).out.find("@db2.test:"), std::string::npos);
  CliResult listen = Spur({"--pool", pool, "config", "set", "listen_addresses", "127.0.0.1"});
  ASSERT_EQ(listen.exit_code, 0) << listen.err;
  EXPECT_NE(listen.out.find("restart to apply"), std::string::npos) << listen.out;
  EXPECT_NE(listen.out.find("main"), std::string::npos) << listen.out;
  ASSERT_EQ(Spur({"--pool", pool, "branch", "stop", "main"}).exit_code, 0);
  ASSERT_EQ(Spur({"--pool", pool, "branch", "start", "main"}).exit_code, 0);
  EXPECT_EQ(QueryValue(local, "SHOW listen_addresses"), "127.0.0.1");
  for (const char* bad : {"a b", "x;rm", ""}) {
    CliResult r = Spur({"--pool", pool, "config", "set", "listen_addresses", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
  }
  EXPECT_EQ(Spur({"--pool", pool, "config", "set", "advertise_host", "a,b"}).exit_code, 2);
  CliResult listed = Spur({"--pool", pool, "--json", "config", "list"});
  EXPECT_NE(listed.out.find("\"db2.test\""), std::string::npos) << listed.out;
  StopPostgresUnder(pool);
}

// Issue 11: `--pg` goes through the settings policy (the local CLI is an
// admin), labels must be UTF-8, numbers are strict; each refusal is one line
// with its exit code and nothing is created.
TEST(CliTest, PgFlagIsAllowlistedAndNothingIsCreatedOnRefusal) {
  PoolFixture p("copy", /*sample_data=*/false);
  ASSERT_TRUE(p.ok()) << p.error();
  auto names = [&p] {
    std::vector<std::string> out;
    for (const auto& b : p.Run({"--json", "branch", "list"}).json()) out.push_back(b["name"]);
    return out;
  };
  const std::vector<std::string> before = names();
  struct Refused {
    std::vector<std::string> args;
    int exit_code;
  };
  const std::vector<Refused> refused = {
      {{"--pg", "archive_command=id > /tmp/spur-pwned"}, 7},
      {{"--pg", "unix_socket_directories=/tmp"}, 7},
      {{"--pg", "listen_addresses=0.0.0.0"}, 7},
      {{"--pg", "fsync=off"}, 7},  // not in the default allowed_settings
      {{"--pg", "no_such_setting=1"}, 2},
      {{"--pg", "work_mem=64MB'\narchive_command='id'"}, 2},
      {{"--pg", "work_mem=64MB # x"}, 2},
      {{"--label", "team=\xff"}, 2},
      {{"--ttl", "9223372036854775807"}, 2},
  };
  for (const auto& r : refused) {
    std::vector<std::string> cmd = {"branch", "create", "x"};
    cmd.insert(cmd.end(), r.args.begin(), r.args.end());
    CliResult c = p.Run(cmd);
    EXPECT_EQ(c.exit_code, r.exit_code) << r.args[1] << ": " << c.err;
    EXPECT_EQ(std::count(c.err.begin(), c.err.end(), '\n'), 1) << c.err;
  }
  EXPECT_EQ(names(), before);
  EXPECT_EQ(before, std::vector<std::string>{"main"});

  CliResult ok = p.Run({"branch", "create", "tuned", "--pg", "work_mem=64mb", "--pg",
                        "Statement_Timeout=30s", "--pg", "shared_buffers=32MB"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(QueryValue(p.Uri("tuned"), "SHOW work_mem"), "64MB");
  EXPECT_EQ(QueryValue(p.Uri("tuned"), "SHOW statement_timeout"), "30s");
  EXPECT_EQ(QueryValue(p.Uri("tuned"), "SHOW archive_mode"), "off");
}

// spur serve's worker and connection limits are read like every other number
// (no "1e3", no 0) before the daemon opens anything.
TEST(CliTest, ServeConnectionLimitsAreRangeChecked) {
  const std::string pool = "/nonexistent/spur-serve-flags";
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--threads", "1e3"},
        {"--threads", "0"},
        {"--max-connections", "8"},
        {"--max-connections-per-peer", "0"},
        {"--max-connections", "100", "--max-connections-per-peer", "101"}}) {
    std::vector<std::string> cmd = {"--pool", pool, "serve", "--listen", "none"};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    CliResult r = Spur(cmd);
    EXPECT_EQ(r.exit_code, 2) << flags[0] << ": " << r.err;
    EXPECT_NE(r.err.find(flags[flags.size() - 2]), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(CliTest, QuotaMaxBranchesOneEThreeAndHexPriceAreRefused) {
  PoolFixture p("copy", /*sample_data=*/false);
  ASSERT_TRUE(p.ok()) << p.error();
  for (const char* n : {"1e3", "0x10", "+5", "5.0", "99999999999999999999"}) {
    CliResult q = p.Run({"quota", "set", "--max-branches", n});
    EXPECT_EQ(q.exit_code, 2) << n << ": " << q.err;
  }
  EXPECT_EQ(p.Run({"--json", "quota", "list"}).json(), nlohmann::json::array());
  CliResult price = p.Run({"config", "set", "price_running_hour", "0x10"});
  EXPECT_EQ(price.exit_code, 2) << price.err;
  CliResult list = p.Run({"config", "list"});
  EXPECT_EQ(list.out.find("0x10"), std::string::npos) << list.out;
}

TEST(CliTest, InitRefusesForbiddenPgSettingsAndLeavesNothing) {
  TempDir dir;
  const std::string pool = dir.path() + "/pool";
  EXPECT_EQ(Spur({"--pool", pool, "init", "--pg", "archive_command=id"}).exit_code, 7);
  EXPECT_EQ(Spur({"--pool", pool, "init", "--pg", "bogus_setting=1"}).exit_code, 2);
  EXPECT_FALSE(os::PathExists(pool));
}

}  // namespace
}  // namespace spur::testing
