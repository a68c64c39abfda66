// The branching contract, run on every driver: btrfs and XFS (reflink) on
// loop images made here, and copy on the host filesystem.
#include <thread>

#include "pool_fixture.h"

namespace spur::testing {
namespace {

class DriverTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() != "copy" && !IsRoot()) GTEST_SKIP() << "loop images need root";
    pool_ = std::make_unique<PoolFixture>(GetParam());
    ASSERT_TRUE(pool_->ok()) << pool_->error();
  }
  void TearDown() override { pool_.reset(); }
  std::unique_ptr<PoolFixture> pool_;
};

TEST_P(DriverTest, BranchesAreIsolatedWritableCopies) {
  PoolFixture& p = *pool_;
  ASSERT_EQ(QueryValue(p.Uri("main"), "SELECT count(*) FROM customers"), "1000");
  CliResult create = p.Run({"branch", "create", "feat", "--ttl", "2d", "--label", "pr=12"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  std::string feat = p.Uri("feat");
  EXPECT_EQ(create.out, feat + "\n");  // create prints the URI
  EXPECT_EQ(QueryValue(feat, "SELECT count(*) FROM customers"), "1000");

  // Writes on either side stay there.
  Exec(feat, "DELETE FROM payments WHERE id % 2 = 0");
  Exec(p.Uri("main"),
       "INSERT INTO customers (first_name, last_name, email, country, "
       "created_at) VALUES ('A', 'B', 'a@b.test', 'US', now())");
  EXPECT_EQ(QueryValue(feat, "SELECT count(*) FROM customers"), "1000");
  EXPECT_EQ(QueryValue(p.Uri("main"), "SELECT count(*) FROM customers"), "1001");
  EXPECT_NE(QueryValue(p.Uri("main"), "SELECT count(*) FROM payments"),
            QueryValue(feat, "SELECT count(*) FROM payments"));

  nlohmann::json j = p.Show("feat");
  EXPECT_EQ(j["parent"], "main");
  EXPECT_EQ(j["state"], "running");
  EXPECT_NE(j["port"], p.Show("main")["port"]);
  EXPECT_FALSE(j["expires_at"].is_null());
  EXPECT_EQ(j["ttl_seconds"], 2 * 86400);
  EXPECT_EQ(j["labels"]["pr"], "12");

  // Grandchild from a branch, and the tree in the list.
  ASSERT_EQ(p.Run({"branch", "create", "feat-child", "--from", "feat"}).exit_code, 0);
  nlohmann::json list = p.Run({"--json", "branch", "list"}).json();
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2]["name"], "feat-child");
  EXPECT_EQ(list[2]["parent"], "feat");
  CliResult text = p.Run({"branch", "list"});
  EXPECT_NE(text.out.find("└─ feat-child"), std::string::npos) << text.out;
}

TEST_P(DriverTest, TcpNeedsTheBranchPassword) {
  PoolFixture& p = *pool_;
  ASSERT_EQ(p.Run({"branch", "create", "b1"}).exit_code, 0);
  nlohmann::json main = p.Show("main"), b1 = p.Show("b1");
  std::string wrong =
      "postgresql://app:wrong@127.0.0.1:" + std::to_string(b1["port"].get<int>()) + "/app";
  EXPECT_FALSE(pg::Connection::Open(wrong).ok());
  // main's password does not open the branch: each branch has its own.
  std::string main_pw = p.Uri("main");
  std::string b1_with_main_pw =
      main_pw.substr(0, main_pw.rfind(':')) + ":" + std::to_string(b1["port"].get<int>()) + "/app";
  EXPECT_FALSE(pg::Connection::Open(b1_with_main_pw).ok());
  std::string nopw =
      "postgresql://postgres@127.0.0.1:" + std::to_string(b1["port"].get<int>()) + "/app?password=";
  EXPECT_FALSE(pg::Connection::Open(nopw).ok()) << "superuser must not be reachable over TCP";
  EXPECT_TRUE(pg::Connection::Open(p.Uri("b1")).ok());
}

TEST_P(DriverTest, SnapshotsResetAndDeletion) {
  PoolFixture& p = *pool_;
  std::string main = p.Uri("main");
  ASSERT_EQ(p.Run({"snapshot", "create", "main", "--name", "before"}).exit_code, 0);
  Exec(main, "UPDATE customers SET city = 'Changed' WHERE id <= 10");
  ASSERT_EQ(p.Run({"branch", "create", "old", "--snapshot", "before"}).exit_code, 0);
  EXPECT_EQ(QueryValue(p.Uri("old"), "SELECT count(*) FROM customers WHERE city = 'Changed'"), "0");

  // Reset to the parent's state now: sees the change; keeps port and password.
  nlohmann::json before = p.Show("old");
  std::string uri_before = p.Uri("old");
  Exec(uri_before, "CREATE TABLE scratch(x int)");
  CliResult reset = p.Run({"branch", "reset", "old"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_EQ(p.Uri("old"), uri_before);
  EXPECT_EQ(p.Show("old")["port"], before["port"]);
  EXPECT_EQ(QueryValue(uri_before, "SELECT count(*) FROM customers WHERE city = 'Changed'"), "10");
  EXPECT_EQ(QueryValue(uri_before, "SELECT count(*) FROM pg_class WHERE relname = 'scratch'"), "0");

  // Implicit snapshots are lineage records; only named ones can be forked.
  nlohmann::json implicit = p.Show("old")["snapshot"];
  ASSERT_TRUE(implicit.is_string());
  CliResult fork = p.Run({"branch", "create", "nope", "--snapshot", implicit.get<std::string>()});
  EXPECT_EQ(fork.exit_code, 5) << fork.err;
  EXPECT_NE(fork.err.find("--name"), std::string::npos) << fork.err;

  // Reset to a named snapshot.
  ASSERT_EQ(p.Run({"branch", "reset", "old", "--to", "before"}).exit_code, 0);
  EXPECT_EQ(QueryValue(uri_before, "SELECT count(*) FROM customers WHERE city = 'Changed'"), "0");

  // A snapshot in use cannot go; main never; children need --recursive.
  CliResult in_use = p.Run({"snapshot", "delete", "before"});
  EXPECT_EQ(in_use.exit_code, 5);
  EXPECT_NE(in_use.err.find("old"), std::string::npos) << in_use.err;
  EXPECT_EQ(p.Run({"branch", "delete", "main"}).exit_code, 5);
  ASSERT_EQ(p.Run({"branch", "create", "kid", "--from", "old"}).exit_code, 0);
  CliResult refused = p.Run({"branch", "delete", "old"});
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_NE(refused.err.find("--recursive"), std::string::npos);
  EXPECT_EQ(p.Show("old")["state"], "running");
  CliResult deleted = p.Run({"--json", "branch", "delete", "old", "--recursive"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.json()["deleted"], nlohmann::json({"kid", "old"}));
  EXPECT_EQ(p.Run({"snapshot", "delete", "before"}).exit_code, 0);
  // Implicit snapshots of deleted branches are gone too.
  nlohmann::json snaps = p.Run({"--json", "snapshot", "list"}).json();
  EXPECT_TRUE(snaps.is_array() && snaps.empty()) << snaps.dump();
}

TEST_P(DriverTest, StopStartKeepsPortAndData) {
  PoolFixture& p = *pool_;
  ASSERT_EQ(p.Run({"branch", "create", "s"}).exit_code, 0);
  std::string uri = p.Uri("s");
  Exec(uri, "CREATE TABLE kept AS SELECT 42 AS x");
  ASSERT_EQ(p.Run({"branch", "stop", "s"}).exit_code, 0);
  EXPECT_EQ(p.Show("s")["state"], "stopped");
  EXPECT_FALSE(pg::Connection::Open(uri).ok());
  ASSERT_EQ(p.Run({"branch", "start", "s"}).exit_code, 0);
  EXPECT_EQ(p.Uri("s"), uri);
  EXPECT_EQ(QueryValue(uri, "SELECT x FROM kept"), "42");
  // A branch of a stopped branch comes from a clean copy.
  ASSERT_EQ(p.Run({"branch", "stop", "s"}).exit_code, 0);
  ASSERT_EQ(p.Run({"branch", "create", "s2", "--from", "s"}).exit_code, 0);
  EXPECT_EQ(QueryValue(p.Uri("s2"), "SELECT x FROM kept"), "42");
}

// A snapshot taken while pgbench writes must give a branch that starts with
// no manual step, passes pg_amcheck and keeps pgbench's balance invariant.
TEST_P(DriverTest, SnapshotOfBusyBranchIsConsistent) {
  PoolFixture& p = *pool_;
  std::string main = p.Uri("main");
  os::RunOutput init = RunPgTool("pgbench", {"-i", "-s", "4", "-q", main});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  os::RunOutput load;
  std::thread writer([&] {
    load = RunPgTool("pgbench", {"-n", "-c", "4", "-j", "2", "-T", "8", main});
  });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CliResult snap = p.Run({"snapshot", "create", "main", "--name", "busy"});
  CliResult live = p.Run({"branch", "create", "live-copy"});
  writer.join();
  ASSERT_EQ(load.exit_code, 0) << load.err;
  ASSERT_EQ(snap.exit_code, 0) << snap.err;
  ASSERT_EQ(live.exit_code, 0) << live.err;
  ASSERT_EQ(p.Run({"branch", "create", "from-busy", "--snapshot", "busy"}).exit_code, 0);
  for (const std::string b : {"from-busy", "live-copy"}) {
    std::string uri = p.Uri(b);
    std::string sums = QueryValue(uri,
                                  "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || ',' || "
                                  "(SELECT sum(tbalance) FROM pgbench_tellers) || ',' || "
                                  "(SELECT sum(bbalance) FROM pgbench_branches) || ',' || "
                                  "(SELECT coalesce(sum(delta), 0) FROM pgbench_history)");
    auto first = sums.substr(0, sums.find(','));
    EXPECT_EQ(sums, first + "," + first + "," + first + "," + first) << b;
    EXPECT_NE(QueryValue(uri, "SELECT count(*) FROM pgbench_history"), "0") << b;
    nlohmann::json j = p.Show(b);
    os::RunOutput check =
        RunPgTool("pg_amcheck", {"-h", j["socket_dir"].get<std::string>(), "-p",
                                 std::to_string(j["port"].get<int>()), "-U", "postgres", "-d",
                                 "app", "--install-missing", "--heapallindexed"});
    EXPECT_EQ(check.exit_code, 0) << b << ": " << check.out << check.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Drivers, DriverTest, ::testing::Values("reflink", "btrfs", "copy"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace spur::testing
