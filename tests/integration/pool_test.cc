// Pool-level guarantees: bad input changes nothing, interrupted commands are
// reconciled, concurrent commands serialize, the image re-mounts itself,
// postgres runs unprivileged.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string_view>
#include <thread>

#include "common/crash_point.h"
#include "os/fs.h"
#include "os/mount.h"
#include "os/user.h"
#include "pool_fixture.h"

namespace spur::testing {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "image pools need root";
    pool_ = std::make_unique<PoolFixture>("reflink");
    ASSERT_TRUE(pool_->ok()) << pool_->error();
  }
  // Names of branches and snapshots, and the dataset folders on disk.
  std::string Inventory() {
    std::string out;
    for (const auto& b : pool_->Run({"--json", "branch", "list"}).json()) {
      out += b["name"].get<std::string>() + ":" + b["state"].get<std::string>() + " ";
    }
    for (const auto& s : pool_->Run({"--json", "snapshot", "list"}).json()) {
      out += "snap:" + s["name"].get<std::string>() + " ";
    }
    for (const char* dir : {"/data/branches", "/data/snapshots"}) {
      auto names = os::ListDir(pool_->pool() + dir);
      for (const auto& n : names.ok() ? *names : std::vector<std::string>{}) {
        out += std::string(dir) + "/" + n + " ";
      }
    }
    return out;
  }
  std::unique_ptr<PoolFixture> pool_;
};

TEST_F(PoolTest, BadNamesGetOneLineErrorsAndChangeNothing) {
  ASSERT_EQ(pool_->Run({"branch", "create", "ok"}).exit_code, 0);
  const std::string before = Inventory();
  const std::vector<std::string> bad = {"../x", "a b",   "it's",  "\"q\"", std::string(1000, 'a'),
                                        "",     "UPPER", "-lead", "x/y",   "a\nb"};
  for (const auto& name : bad) {
    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{"branch", "create", name},
          std::vector<std::string>{"branch", "create", "fine", "--from", name},
          std::vector<std::string>{"branch", "delete", name},
          std::vector<std::string>{"branch", "reset", "ok", "--to", name},
          std::vector<std::string>{"snapshot", "create", "main", "--name", name},
          std::vector<std::string>{"uri", name}}) {
      CliResult r = pool_->Run(cmd);
      EXPECT_EQ(r.exit_code, 2) << cmd[0] << " " << cmd[1] << " [" << name << "]: " << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(Inventory(), before);
  // Other bad input: durations, settings, unknown flags, missing things.
  EXPECT_EQ(pool_->Run({"branch", "create", "x", "--ttl", "soon"}).exit_code, 2);
  EXPECT_EQ(pool_->Run({"branch", "create", "x", "--pg", "shared_buffers"}).exit_code, 2);
  EXPECT_EQ(pool_->Run({"branch", "create", "x", "--label", "Bad Key=1"}).exit_code, 2);
  EXPECT_EQ(pool_->Run({"branch", "create", "x", "--bogus"}).exit_code, 2);
  EXPECT_EQ(pool_->Run({"branch", "create", "x", "--from", "nope"}).exit_code, 3);
  EXPECT_EQ(pool_->Run({"branch", "create", "ok"}).exit_code, 4);
  EXPECT_EQ(Inventory(), before);
  CliResult json = pool_->Run({"--json", "branch", "show", "nope"});
  EXPECT_EQ(json.json()["error"]["code"], "not_found");
}

TEST_F(PoolTest, EveryCrashPointIsReconciledOnTheNextCommand) {
  ASSERT_EQ(pool_->Run({"branch", "create", "base"}).exit_code, 0);
  const std::string before = Inventory();
  struct Case {
    const char* point;
    std::vector<std::string> command;
  };
  const std::vector<Case> cases = {
      {"snapshot.after_insert", {"snapshot", "create", "main", "--name", "s"}},
      {"snapshot.after_clone", {"snapshot", "create", "main", "--name", "s"}},
      {"branch.create.after_insert", {"branch", "create", "crashy"}},
      {"branch.create.after_clone", {"branch", "create", "crashy"}},
      {"branch.create.after_start", {"branch", "create", "crashy"}},
      {"branch.start.before_credentials", {"branch", "create", "crashy"}},
  };
  for (const auto& c : cases) {
    CliResult crashed = pool_->Run(c.command, {{"SPUR_CRASH_POINT", c.point}});
    EXPECT_EQ(crashed.exit_code, 99) << c.point;
    CliResult next = pool_->Run({"branch", "list"});
    EXPECT_EQ(next.exit_code, 0) << c.point << ": " << next.err;
    EXPECT_NE(next.err.find("reconciled:"), std::string::npos) << c.point << ": " << next.err;
    EXPECT_EQ(Inventory(), before) << c.point;
    // The same command now succeeds; undo it for the next case.
    CliResult again = pool_->Run(c.command);
    EXPECT_EQ(again.exit_code, 0) << c.point << ": " << again.err;
    if (c.command[0] == "snapshot")
      pool_->Run({"snapshot", "delete", "s"});
    else
      pool_->Run({"branch", "delete", "crashy"});
    EXPECT_EQ(Inventory(), before) << c.point;
  }
  // Reset: interrupted at any step of building or swapping in the new data,
  // the branch ends up running on complete data either way.
  for (const char* point : {"branch.reset.after_stage", "branch.reset.after_intent",
                            "branch.swap.after_move_away", "branch.swap.after_rename_in",
                            "branch.reset.after_swap", "branch.start.before_credentials"}) {
    Exec(pool_->Uri("main"), std::string("CREATE TABLE \"") + point + "\"(x int)");
    EXPECT_EQ(pool_->Run({"branch", "reset", "base"}, {{"SPUR_CRASH_POINT", point}}).exit_code, 99);
    ASSERT_EQ(pool_->Run({"branch", "start", "base"}).exit_code, 0) << point;
    EXPECT_EQ(QueryValue(pool_->Uri("base"), "SELECT count(*) FROM customers"), "1000") << point;
    // Past the swap intent (the point of no return) the reset finishes forward.
    const bool forward = std::string(point) != "branch.reset.after_stage";
    EXPECT_EQ(
        QueryValue(pool_->Uri("base"),
                   std::string("SELECT count(*) FROM pg_tables WHERE tablename = '") + point + "'"),
        forward ? "1" : "0")
        << point;
  }
  // Delete: interrupted after stop or after the data went, it finishes.
  for (const char* point : {"branch.delete.after_stop", "branch.delete.after_destroy"}) {
    ASSERT_EQ(pool_->Run({"branch", "create", "doomed"}).exit_code, 0);
    EXPECT_EQ(pool_->Run({"branch", "delete", "doomed"}, {{"SPUR_CRASH_POINT", point}}).exit_code,
              99);
    CliResult list = pool_->Run({"--json", "branch", "list"});
    EXPECT_EQ(list.json().size(), 2u) << point << ": " << list.out;
    EXPECT_EQ(pool_->Run({"branch", "create", "doomed"}).exit_code, 0) << point;
    EXPECT_EQ(pool_->Run({"branch", "delete", "doomed"}).exit_code, 0) << point;
  }
}

// Every named crash point (common/crash_point.h) is exercised by a test:
// those of the engine above and below, sync's in sync_test.cc, the daemon's
// in serve_test.cc. A point added to the list must be added to a test.
TEST(CrashPoints, EveryNamedPointIsTested) {
  const std::set<std::string_view> tested = {
      // PoolTest.EveryCrashPointIsReconciledOnTheNextCommand, KillDuring*, KillAfterStart*
      "snapshot.after_insert", "snapshot.after_clone", "branch.create.after_insert",
      // CliTest.InterruptedInitIsRedoneByTheNextInit
      "init.after_insert", "init.after_main", "branch.create.after_clone",
      "branch.create.after_start", "branch.start.before_credentials", "branch.reset.after_stage",
      "branch.reset.after_intent", "branch.reset.after_swap", "branch.swap.after_move_away",
      // EngineTest.ResetKeepBackupIsTakenAfterTheChecksAndSurvivesAKillAfterIt (unit)
      "branch.reset.after_backup", "branch.swap.after_rename_in", "branch.delete.after_stop",
      "branch.delete.after_destroy",
      // SyncTest.InterruptedSyncLeavesTheBranchAsItWas, KillDuringSyncSwapKeepsBranch
      "sync.after_load", "sync.before_swap", "sync.after_staging_rename", "sync.after_swap",
      // ServeTest crash cases
      "pr.after_branch", "hook.after_store", "hook.before_finish"};
  EXPECT_EQ(tested, std::set<std::string_view>(kCrashPoints.begin(), kCrashPoints.end()));
}

// Issue 11, item 6: SIGKILL while the old data directory was being removed
// left it half deleted; the next command removed the complete new copy and
// the branch could not start (PG_VERSION missing).
TEST_F(PoolTest, KillDuringResetOldDataRemovalKeepsBranch) {
  ASSERT_EQ(pool_->Run({"branch", "create", "base"}).exit_code, 0);
  for (const char* point : {"branch.swap.after_move_away", "branch.swap.after_rename_in"}) {
    const std::string table = std::string("t_") + (point + 12);
    Exec(pool_->Uri("main"), "CREATE TABLE \"" + table + "\" AS SELECT 7 AS x");
    EXPECT_EQ(pool_->Run({"branch", "reset", "base"}, {{"SPUR_CRASH_POINT", point}}).exit_code, 99)
        << point;
    CliResult next = pool_->Run({"branch", "list"});
    EXPECT_EQ(next.exit_code, 0) << point << ": " << next.err;
    EXPECT_NE(next.err.find("reconciled:"), std::string::npos) << point << ": " << next.err;
    auto names = os::ListDir(pool_->pool() + "/data/branches");
    ASSERT_TRUE(names.ok());
    for (const auto& n : *names) {
      EXPECT_EQ(n.find('.'), std::string::npos) << point << ": left " << n;
    }
    ASSERT_EQ(pool_->Run({"branch", "start", "base"}).exit_code, 0) << point;
    // The reset finished forward: the new data, complete.
    EXPECT_EQ(QueryValue(pool_->Uri("base"), "SELECT x FROM \"" + table + "\""), "7") << point;
    EXPECT_EQ(QueryValue(pool_->Uri("base"), "SELECT count(*) FROM customers"), "1000") << point;
  }
}

// Issue 11, item 7: a kill just after a branch's postgres started (create or
// reset) left it accepting TCP logins with its parent's password.
TEST_F(PoolTest, KillAfterStartBeforePasswordDoesNotAcceptParentPassword) {
  ASSERT_EQ(pool_->Run({"branch", "create", "pw"}).exit_code, 0);
  const std::string own = pool_->Uri("pw");
  const std::string parent = pool_->Uri("main");
  const std::string port = std::to_string(pool_->Show("pw")["port"].get<int>());
  // main's role and password, at the branch's port.
  const auto colon = parent.rfind(':');
  const auto slash = parent.find('/', colon);
  const std::string parent_at_branch = parent.substr(0, colon + 1) + port + parent.substr(slash);
  EXPECT_EQ(pool_
                ->Run({"branch", "reset", "pw"},
                      {{"SPUR_CRASH_POINT", "branch.start.before_credentials"}})
                .exit_code,
            99);
  EXPECT_FALSE(pg::Connection::Open(parent_at_branch).ok()) << "the parent's password logs in";
  EXPECT_FALSE(pg::Connection::Open(own).ok()) << "TCP open before the credentials were set";
  CliResult next = pool_->Run({"branch", "list"});  // reconciles
  EXPECT_NE(next.err.find("set the credentials of branch \"pw\""), std::string::npos) << next.err;
  EXPECT_FALSE(pg::Connection::Open(parent_at_branch).ok()) << "the parent's password logs in";
  EXPECT_EQ(QueryValue(own, "SELECT 1"), "1");
}

// Issue 11, item 11: branch logs were 0644 in a world-readable folder; the
// trusted local socket must be reachable by postgres's user (and root) only.
TEST_F(PoolTest, BranchLogIsNotWorldReadable) {
  ASSERT_EQ(pool_->Run({"branch", "create", "private"}).exit_code, 0);
  auto postgres = os::LookupUser("postgres");
  ASSERT_TRUE(postgres.ok());
  struct stat st {};
  ASSERT_EQ(::stat((pool_->pool() + "/logs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << std::oct << st.st_mode;
  auto logs = os::ListDir(pool_->pool() + "/logs");
  ASSERT_TRUE(logs.ok());
  EXPECT_GE(logs->size(), 2u);  // main's and private's
  for (const auto& n : *logs) {
    ASSERT_EQ(::stat((pool_->pool() + "/logs/" + n).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u) << n << ": " << std::oct << st.st_mode;
  }
  auto sockets = os::ListDir(pool_->pool() + "/run");
  ASSERT_TRUE(sockets.ok());
  int socket_dirs = 0;
  for (const auto& n : *sockets) {
    ASSERT_EQ(::stat((pool_->pool() + "/run/" + n).c_str(), &st), 0);
    if (!S_ISDIR(st.st_mode)) continue;
    ++socket_dirs;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << n << ": " << std::oct << st.st_mode;
    EXPECT_EQ(st.st_uid, postgres->uid) << n;
  }
  EXPECT_GE(socket_dirs, 2);
}

// A developer may set log_statement=all on her branch; spur's own ALTER ROLE
// ... PASSWORD (a SCRAM verifier) must still never land in the branch's log.
TEST_F(PoolTest, PasswordStatementNotLoggedWithLogStatementAll) {
  ASSERT_EQ(pool_->Run({"branch", "create", "chatty", "--pg", "log_statement=all"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"branch", "reset", "chatty"}).exit_code, 0);  // sets the password again
  auto logs = os::ListDir(pool_->pool() + "/logs");
  ASSERT_TRUE(logs.ok());
  int statements = 0;
  for (const auto& n : *logs) {
    auto text = os::ReadFile(pool_->pool() + "/logs/" + n);
    ASSERT_TRUE(text.ok()) << n;
    EXPECT_EQ(text->find("SCRAM-SHA-256$"), std::string::npos) << n;
    EXPECT_EQ(text->find("PASSWORD"), std::string::npos) << n;
    if (text->find("statement: ") != std::string::npos) ++statements;
  }
  EXPECT_GE(statements, 1) << "log_statement=all logged nothing: the test proves nothing";
}

// Issue 11, item 11: on a full pool a create crashed the parent's postgres
// (pg_backup_start: server closed the connection unexpectedly) and exited 1.
TEST_F(PoolTest, FullPoolCreateFailsCleanlyAndParentKeepsRunning) {
  const std::string before = Inventory();
  const std::string filler = pool_->pool() + "/data/filler";
  auto free = os::FreeBytes(pool_->pool() + "/data");
  ASSERT_TRUE(free.ok());
  const uint64_t keep = 64ull << 20;  // well under the pool's 256 MiB margin
  ASSERT_GT(*free, keep);
  int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(*free - keep)), 0);
  ::close(fd);
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"branch", "create", "full"},
        std::vector<std::string>{"snapshot", "create", "main", "--name", "full"}}) {
    CliResult r = pool_->Run(cmd);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("pool " + pool_->pool() + " has"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(QueryValue(pool_->Uri("main"), "SELECT count(*) FROM customers"), "1000");
  EXPECT_EQ(pool_->Show("main")["state"], "running");
  EXPECT_EQ(Inventory(), before);
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  EXPECT_EQ(pool_->Run({"branch", "create", "full"}).exit_code, 0);
}

TEST_F(PoolTest, KilledPostgresIsNoticedAndRestarts) {
  ASSERT_EQ(pool_->Run({"branch", "create", "k"}).exit_code, 0);
  nlohmann::json j = pool_->Show("k");
  ASSERT_TRUE(j["pid"].is_number());
  ::kill(j["pid"].get<int>(), SIGKILL);
  for (int i = 0; i < 200 && os::ProcessAlive(j["pid"].get<int>()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CliResult list = pool_->Run({"branch", "list"});
  EXPECT_NE(list.err.find("branch \"k\" was not running"), std::string::npos) << list.err;
  EXPECT_EQ(pool_->Show("k")["state"], "stopped");
  ASSERT_EQ(pool_->Run({"branch", "start", "k"}).exit_code, 0);
  EXPECT_EQ(QueryValue(pool_->Uri("k"), "SELECT count(*) FROM orders"), "3000");
}

TEST_F(PoolTest, ConcurrentCreatesAllSucceedOnDistinctPorts) {
  constexpr int kCreates = 6;
  std::vector<CliResult> results(kCreates);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCreates; ++i) {
    threads.emplace_back([&, i] {
      results[i] = pool_->Run({"branch", "create", "c" + std::to_string(i)});
    });
  }
  for (auto& t : threads) t.join();
  std::set<int> ports;
  for (int i = 0; i < kCreates; ++i) {
    EXPECT_EQ(results[i].exit_code, 0) << results[i].err;
    ports.insert(pool_->Show("c" + std::to_string(i))["port"].get<int>());
  }
  EXPECT_EQ(ports.size(), static_cast<size_t>(kCreates));
  EXPECT_EQ(pool_->Run({"--json", "branch", "list"}).json().size(), kCreates + 1u);
}

TEST_F(PoolTest, UnmountedImageIsMountedAgain) {
  ASSERT_EQ(pool_->Run({"branch", "create", "r"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"branch", "stop", "r"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"branch", "stop", "main"}).exit_code, 0);
  ASSERT_TRUE(os::Unmount(pool_->pool() + "/data").ok());
  ASSERT_FALSE(os::IsMountPoint(pool_->pool() + "/data"));
  CliResult status = pool_->Run({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.err.find("mounted pool image"), std::string::npos) << status.err;
  EXPECT_TRUE(os::IsMountPoint(pool_->pool() + "/data"));
  ASSERT_EQ(pool_->Run({"branch", "start", "r"}).exit_code, 0);
  EXPECT_EQ(QueryValue(pool_->Uri("r"), "SELECT count(*) FROM customers"), "1000");
}

TEST_F(PoolTest, PostgresRunsAsTheUnprivilegedUserAndOwnsItsFiles) {
  ASSERT_EQ(pool_->Run({"branch", "create", "u"}).exit_code, 0);
  nlohmann::json j = pool_->Show("u");
  struct stat st;
  ASSERT_EQ(::stat(("/proc/" + std::to_string(j["pid"].get<int>())).c_str(), &st), 0);
  auto pg = os::LookupUser("postgres");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(st.st_uid, pg->uid);
  std::string pgdata = j["data_directory"];
  ASSERT_EQ(::stat((pgdata + "/base").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, pg->uid);
  ASSERT_EQ(::stat((pgdata).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((pool_->pool() + "/spur.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "metadata holds passwords";
}

// Regression (issue 13, item 8): `spur uri` on a branch stopped by hand
// printed a URI that led nowhere, with exit 0.
TEST_F(PoolTest, UriOfAStoppedBranchFailsInsteadOfPrintingADeadUri) {
  ASSERT_EQ(pool_->Run({"branch", "create", "s"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"branch", "stop", "s"}).exit_code, 0);
  for (bool json : {false, true}) {
    CliResult uri = json ? pool_->Run({"--json", "uri", "s"}) : pool_->Run({"uri", "s"});
    EXPECT_NE(uri.exit_code, 0) << uri.out;
    EXPECT_EQ(uri.out.find("postgresql://"), std::string::npos) << uri.out;
    EXPECT_NE(uri.err.find("run `spur branch start s` first"), std::string::npos) << uri.err;
  }
  ASSERT_EQ(pool_->Run({"branch", "start", "s"}).exit_code, 0);
  EXPECT_EQ(pool_->Run({"uri", "s"}).exit_code, 0);
}

// Regression (issue 13, item 5): start, stop, extend, protect, unprotect,
// update and reset printed the URI with the password, so CI logs held it.
// Only create and `spur uri` print it.
TEST_F(PoolTest, BranchCommandsOtherThanCreateAndUriPrintNoPassword) {
  CliResult created = pool_->Run({"branch", "create", "s"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string uri = pool_->Uri("s");
  const auto at = uri.find('@'), colon = uri.find(':', 13);
  ASSERT_NE(at, std::string::npos);
  const std::string password = uri.substr(colon + 1, at - colon - 1);
  ASSERT_GE(password.size(), 16u) << uri;
  EXPECT_NE(created.out.find(password), std::string::npos) << "create prints how to connect";
  const std::vector<std::vector<std::string>> commands = {
      {"branch", "stop", "s"},
      {"branch", "start", "s"},
      {"branch", "extend", "s", "1d"},
      {"branch", "protect", "s"},
      {"branch", "unprotect", "s"},
      {"branch", "update", "s", "--label", "team=shop"},
      {"branch", "reset", "s"},
      {"branch", "show", "s"},
      {"branch", "list"}};
  for (const auto& cmd : commands) {
    for (bool json : {false, true}) {
      std::vector<std::string> argv = cmd;
      if (json) argv.insert(argv.begin(), "--json");
      CliResult r = pool_->Run(argv);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ((r.out + r.err).find(password), std::string::npos) << r.out << r.err;
    }
  }
}

// Regression (issue 13, item 8): `branch reset` destroyed the branch's work
// with no way back and said nothing. --keep-backup keeps it as a snapshot
// first (the undo is one reset), and stderr says what was discarded.
TEST_F(PoolTest, ResetKeepsABackupWhenAskedAndSaysWhatItDiscarded) {
  ASSERT_EQ(pool_->Run({"branch", "create", "work"}).exit_code, 0);
  Exec(pool_->Uri("work"), "CREATE TABLE mine AS SELECT 7 AS x");
  CliResult reset = pool_->Run({"branch", "reset", "work", "--keep-backup", "work-before"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_NE(reset.err.find("kept as snapshot work-before; undo with `spur branch reset work --to "
                           "work-before`"),
            std::string::npos)
      << reset.err;
  EXPECT_EQ(
      QueryValue(pool_->Uri("work"), "SELECT count(*) FROM pg_tables WHERE tablename = 'mine'"),
      "0");
  // The same name again is refused before anything is reset.
  Exec(pool_->Uri("work"), "CREATE TABLE second AS SELECT 1 AS x");
  CliResult again = pool_->Run({"branch", "reset", "work", "--keep-backup", "work-before"});
  EXPECT_EQ(again.exit_code, 4) << again.err;
  EXPECT_EQ(QueryValue(pool_->Uri("work"), "SELECT count(*) FROM second"), "1");
  // Undo: back to the backup.
  CliResult undo = pool_->Run({"branch", "reset", "work", "--to", "work-before"});
  ASSERT_EQ(undo.exit_code, 0) << undo.err;
  EXPECT_NE(undo.err.find("were discarded (pass --keep-backup NAME"), std::string::npos)
      << undo.err;
  EXPECT_EQ(QueryValue(pool_->Uri("work"), "SELECT x FROM mine"), "7");
  EXPECT_EQ(pool_->Run({"branch", "reset", "work", "--keep-backup", "bad name"}).exit_code, 2);
}

TEST_F(PoolTest, FreshBranchOwnsAlmostNoDisk) {
  ASSERT_EQ(pool_->Run({"branch", "create", "thin"}).exit_code, 0);
  nlohmann::json j = pool_->Show("thin");
  ASSERT_TRUE(j["exclusive_bytes"].is_number());
  EXPECT_LE(j["exclusive_bytes"].get<uint64_t>(), 1u << 20) << j.dump();
  EXPECT_GT(j["shared_bytes"].get<uint64_t>(), 10u << 20) << j.dump();
}

}  // namespace
}  // namespace spur::testing
