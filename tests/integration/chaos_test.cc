// Chaos: random create/delete/reset/snapshot/sync commands on the CLI, each
// SIGKILLed at a random moment, then the pool must be whole: every branch
// starts and answers with its own password (and not its parent's), passes
// pg_amcheck, nothing is on disk that spur does not list, and the audit log
// verifies. Bounded by default (SPUR_CHAOS_KILLS, default 12, is the number
// of commands killed mid-run; SPUR_CHAOS_SEED replays a run).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "os/fs.h"
#include "pool_fixture.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

// Runs spur with `args` and SIGKILLs it after `kill_after` (it may finish
// first); true when it was killed.
bool RunAndKill(const std::vector<std::string>& args, std::chrono::milliseconds kill_after) {
  std::vector<std::string> argv = {SPUR_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  if (pid < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + kill_after;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status);
}

// "host=... port=..." values from a key=value conninfo.
std::string ConninfoValue(const std::string& conninfo, const std::string& key) {
  auto at = conninfo.find(key + "=");
  if (at == std::string::npos) return "";
  at += key.size() + 1;
  const bool quoted = conninfo[at] == '\'';
  if (quoted) ++at;
  auto end = conninfo.find(quoted ? '\'' : ' ', at);
  return conninfo.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(Chaos, RandomKillsLeaveEveryBranchWhole) {
  if (!IsRoot()) GTEST_SKIP() << "image pools need root";
  // Every finished sync keeps its snapshot (a whole copy once main moves on):
  // a long run needs room beyond the default 2G image (sparse: only used blocks count).
  PoolFixture pool("reflink", /*sample_data=*/true, "40G");
  ASSERT_TRUE(pool.ok()) << pool.error();
  // A source whose masked sync gives main the same 1000 customers the sample has.
  TempDir dir;
  SourceCluster source(dir.path());
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(source.CreateDatabase("shop").ok());
  Exec(
      source.Url("shop"),
      "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);"
      "INSERT INTO customers SELECT g, 'p' || g || '@example.org' FROM generate_series(1, 1000) g");
  const std::string mask = dir.path() + "/mask.yaml";
  ASSERT_TRUE(
      os::WriteFileAtomic(mask, "tables:\n  customers:\n    id: keep\n    email: email\n").ok());
  ASSERT_EQ(pool.Run({"source", "add", "prod", "--url", source.Url("shop")}).exit_code, 0);
  const char* kills_env = std::getenv("SPUR_CHAOS_KILLS");
  const int kills = kills_env ? std::atoi(kills_env) : 12;
  const char* seed_env = std::getenv("SPUR_CHAOS_SEED");
  const unsigned seed =
      seed_env ? static_cast<unsigned>(std::atoll(seed_env)) : std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("SPUR_CHAOS_SEED=" + std::to_string(seed));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::string parent = pool.Uri("main");
  int killed = 0, commands = 0;
  std::map<std::string, std::pair<int, int>> by_kind;  // command -> (run, killed)
  // Many commands end before their kill time (a name taken, a branch gone):
  // run until `kills` were killed mid-run, within a bound.
  for (; killed < kills && commands < 10 * kills + 10; ++commands) {
    const std::string b = "c" + std::to_string(pick(4));
    const std::string s = "s" + std::to_string(pick(3));
    std::vector<std::string> cmd = {"--pool", pool.pool()};
    int window_ms = 600;
    switch (pick(6)) {
      case 0:
      case 1:
        cmd.insert(cmd.end(), {"branch", "create", b});
        break;
      case 2:
        cmd.insert(cmd.end(), {"branch", "reset", b});
        break;
      case 3:
        cmd.insert(cmd.end(), {"branch", "delete", b, "--recursive"});
        break;
      case 4:
        // Into main or a child; slower than the rest, so killed over a longer window.
        cmd.insert(cmd.end(), {"sync", "prod", "--mask", mask, "--into", pick(2) ? "main" : b});
        window_ms = 4000;
        break;
      default:
        cmd.insert(cmd.end(), {"snapshot", "create", pick(2) ? "main" : b, "--name", s});
        break;
    }
    const bool was_killed = RunAndKill(cmd, std::chrono::milliseconds(pick(window_ms)));
    killed += was_killed ? 1 : 0;
    auto& [run, hit] = by_kind[cmd[2] + " " + cmd[3]];
    ++run;
    hit += was_killed ? 1 : 0;
  }
  std::printf("chaos: %d commands, %d killed mid-run (seed %u):", commands, killed, seed);
  for (const auto& [kind, counts] : by_kind) {
    std::printf(" %s %d/%d;", kind.c_str(), counts.second, counts.first);
  }
  std::printf("\n");
  // The first command after the chaos reconciles; a sync then still works.
  CliResult synced = pool.Run({"sync", "prod", "--mask", mask});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  CliResult list = pool.Run({"--json", "branch", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::set<std::string> branches;
  for (const auto& b : list.json()) branches.insert(b["name"].get<std::string>());
  for (const auto& name : branches) {
    SCOPED_TRACE(name);
    CliResult started = pool.Run({"branch", "start", name});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    const std::string own = pool.Uri(name);
    EXPECT_EQ(QueryValue(own, "SELECT count(*) FROM customers"), "1000");
    if (name != "main") {
      const std::string port = std::to_string(pool.Show(name)["port"].get<int>());
      const auto colon = parent.rfind(':');
      const auto slash = parent.find('/', colon);
      EXPECT_FALSE(
          pg::Connection::Open(parent.substr(0, colon + 1) + port + parent.substr(slash)).ok())
          << "the parent's password logs in";
    }
    const std::string su = pool.SuperuserConninfo(name, "app");
    auto amcheck =
        RunPgTool("pg_amcheck", {"--install-missing", "-h", ConninfoValue(su, "host"), "-p",
                                 ConninfoValue(su, "port"), "-U", "postgres", "app"});
    EXPECT_EQ(amcheck.exit_code, 0) << amcheck.out << amcheck.err;
  }
  // Nothing on disk that spur does not list.
  auto branch_dirs = os::ListDir(pool.pool() + "/data/branches");
  ASSERT_TRUE(branch_dirs.ok());
  EXPECT_EQ(branch_dirs->size(), branches.size());
  for (const auto& n : *branch_dirs) EXPECT_EQ(n.find('.'), std::string::npos) << n;
  size_t named = 0;
  for (const auto& s : pool.Run({"--json", "snapshot", "list"}).json()) {
    named += s["implicit"].get<bool>() ? 0 : 1;
  }
  auto snapshot_dirs = os::ListDir(pool.pool() + "/data/snapshots");
  ASSERT_TRUE(snapshot_dirs.ok());
  EXPECT_EQ(snapshot_dirs->size(), named);
  CliResult audit = pool.Run({"audit", "--verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

}  // namespace
}  // namespace spur::testing
