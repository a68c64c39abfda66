// `spur rehearse` on a real pool (XFS reflink image): each measured fact
// against a ground truth PostgreSQL's documentation states — which statement
// rewrites a table, which lock blocks reads or only writes, what NOT VALID +
// VALIDATE saves — plus a failing migration, a timeout, a snapshot baseline,
// guardrails and bad input. Every rehearsal must leave no copy behind.
#include <gtest/gtest.h>

#include <fstream>

#include "os/fs.h"
#include "pg/conn.h"
#include "pool_fixture.h"

namespace spur::testing {
namespace {

// Big enough that a rewrite or an index build takes a few hundred ms, so a
// probe blocked by it stands out from one that is not (under a ms).
const char* kData = R"sql(
CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL, n int);
INSERT INTO big SELECT g, md5(g::text), g % 100 FROM generate_series(1, 400000) g;
CREATE TABLE child (id int PRIMARY KEY, big_id int);
INSERT INTO child SELECT g, g FROM generate_series(1, 400000) g;
ANALYZE;
)sql";

class RehearseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = new PoolFixture("reflink", /*sample_data=*/false, "3G");
    if (!pool_->ok()) return;
    // As the branch's role, which owns the database: the migration runs as it.
    auto conn = pg::Connection::Open(pool_->Uri("main"));
    if (!conn.ok() || !conn->Exec(kData).ok()) return;
    if (pool_->Run({"branch", "create", "pr-1"}).exit_code != 0) return;
    ready_ = true;
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    ASSERT_TRUE(ready_) << pool_->error();
  }

  // Runs `spur rehearse pr-1 --sql <file with sql> --json extra...`.
  CliResult Rehearse(const std::string& sql, std::vector<std::string> extra = {}) {
    const std::string file = dir_.path() + "/m" + std::to_string(++files_) + ".sql";
    std::ofstream(file) << sql;
    std::vector<std::string> args = {"--json", "rehearse", "pr-1", "--sql", file};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = pool_->Run(args);
    ExpectNoCopyLeft();
    return r;
  }

  void ExpectNoCopyLeft() {
    auto names = os::ListDir(pool_->pool() + "/data/snapshots");
    ASSERT_TRUE(names.ok());
    for (const std::string& n : *names) EXPECT_EQ(n.find("scratch-"), std::string::npos) << n;
    auto logs = os::ListDir(pool_->pool() + "/logs");
    ASSERT_TRUE(logs.ok());
    for (const std::string& n : *logs) EXPECT_EQ(n.find("scratch-"), std::string::npos) << n;
    const nlohmann::json snaps = pool_->Run({"--json", "snapshot", "list"}).json();
    EXPECT_EQ(snaps.dump().find("scratch"), std::string::npos) << snaps.dump();
  }

  static nlohmann::json Probe(const nlohmann::json& report, const std::string& table) {
    for (const auto& p : report["probes"]) {
      if (p["relation"] == table) return p;
    }
    return nullptr;
  }

  static bool HasLock(const nlohmann::json& statement, const std::string& table,
                      const std::string& mode) {
    for (const auto& l : statement["locks"]) {
      if (l["relation"] == table && l["mode"] == mode) return true;
    }
    return false;
  }

  static std::vector<std::string> Rules(const nlohmann::json& report) {
    std::vector<std::string> out;
    for (const auto& f : report["findings"]) out.push_back(f["rule"]);
    return out;
  }

  static PoolFixture* pool_;
  static bool ready_;
  TempDir dir_;
  int files_ = 0;
};

PoolFixture* RehearseTest::pool_ = nullptr;
bool RehearseTest::ready_ = false;

TEST_F(RehearseTest, VolatileDefaultRewritesAndBlocksReadsAndWrites) {
  CliResult r = Rehearse(
      "ALTER TABLE big ADD COLUMN c int DEFAULT 0;\n"
      "ALTER TABLE big ADD COLUMN r double precision DEFAULT random();\n",
      {"--max-write-block", "1h", "--max-read-block", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const nlohmann::json j = r.json();
  ASSERT_TRUE(j["completed"].get<bool>()) << j.dump(2);
  // A constant default is a catalog change (fast default); a volatile one rewrites.
  EXPECT_TRUE(j["statements"][0]["rewrites"].empty()) << j["statements"][0].dump(2);
  nlohmann::json rewrite;  // the table's (its primary key index is rebuilt too)
  for (const auto& w : j["statements"][1]["rewrites"]) {
    if (w["relation"] == "big") rewrite = w;
  }
  ASSERT_FALSE(rewrite.is_null()) << j["statements"][1].dump(2);
  EXPECT_GT(rewrite["bytes_after"].get<int64_t>(), 10 << 20);
  EXPECT_GT(j["statements"][1]["wal_bytes"].get<int64_t>(), 10 << 20);
  EXPECT_TRUE(HasLock(j["statements"][1], "big", "AccessExclusiveLock"));
  const double ms = j["statements"][1]["ms"];
  const nlohmann::json p = Probe(j, "big");
  ASSERT_FALSE(p.is_null()) << j["probes"].dump(2);
  EXPECT_GT(p["read_max_ms"].get<double>(), 0.5 * ms) << p.dump() << " statement " << ms;
  EXPECT_GT(p["write_max_ms"].get<double>(), 0.5 * ms) << p.dump() << " statement " << ms;
}

TEST_F(RehearseTest, CreateIndexBlocksWritesButNotReads) {
  CliResult r = Rehearse("CREATE INDEX big_v ON big (v);\n", {"--max-write-block", "50ms"});
  ASSERT_EQ(r.exit_code, 12) << r.err << r.out;  // writes blocked past the limit
  const nlohmann::json j = r.json();
  const double ms = j["statements"][0]["ms"];
  ASSERT_GT(ms, 100) << "the table is too small to tell blocked from not";
  EXPECT_TRUE(HasLock(j["statements"][0], "big", "ShareLock"));
  const nlohmann::json p = Probe(j, "big");
  ASSERT_FALSE(p.is_null()) << j.dump(2);
  EXPECT_GT(p["write_max_ms"].get<double>(), 0.5 * ms) << p.dump() << " statement " << ms;
  EXPECT_LT(p["read_max_ms"].get<double>(), 0.2 * ms) << p.dump() << " statement " << ms;
  EXPECT_GT(p["reads"].get<int>(), 3);
  // The same with a limit above what was measured: no finding.
  CliResult relaxed = Rehearse("CREATE INDEX big_v ON big (v);\n", {"--max-write-block", "1h"});
  EXPECT_EQ(relaxed.exit_code, 0) << relaxed.out;
}

TEST_F(RehearseTest, SetNotNullHoldsAccessExclusiveWithoutRewriting) {
  CliResult r = Rehearse("ALTER TABLE big ALTER COLUMN n SET NOT NULL;\n",
                         {"--max-write-block", "1h", "--max-read-block", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const nlohmann::json j = r.json();
  EXPECT_TRUE(HasLock(j["statements"][0], "big", "AccessExclusiveLock")) << j.dump(2);
  EXPECT_TRUE(j["statements"][0]["rewrites"].empty());
}

TEST_F(RehearseTest, NotValidThenValidateBlocksWritesLessThanAPlainForeignKey) {
  CliResult plain = Rehearse(
      "ALTER TABLE child ADD CONSTRAINT child_big FOREIGN KEY (big_id) REFERENCES big (id);\n",
      {"--max-write-block", "1h"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err << plain.out;
  CliResult split = Rehearse(
      "ALTER TABLE child ADD CONSTRAINT child_big FOREIGN KEY (big_id) REFERENCES big (id) "
      "NOT VALID;\n"
      "ALTER TABLE child VALIDATE CONSTRAINT child_big;\n",
      {"--max-write-block", "1h"});
  ASSERT_EQ(split.exit_code, 0) << split.err << split.out;
  const nlohmann::json a = plain.json(), b = split.json();
  EXPECT_TRUE(HasLock(a["statements"][0], "child", "ShareRowExclusiveLock")) << a.dump(2);
  EXPECT_TRUE(HasLock(b["statements"][1], "child", "ShareUpdateExclusiveLock")) << b.dump(2);
  const double plain_ms = a["statements"][0]["ms"];
  const double plain_block = Probe(a, "child")["write_max_ms"];
  const double split_block = Probe(b, "child")["write_max_ms"];
  ASSERT_GT(plain_ms, 50) << "the table is too small to tell";
  EXPECT_GT(plain_block, 0.5 * plain_ms) << a["probes"].dump();
  EXPECT_LT(split_block, 0.5 * plain_block) << b["probes"].dump();
}

TEST_F(RehearseTest, DroppedIndexTurnsAnIndexScanIntoASeqScan) {
  const std::string queries = dir_.path() + "/queries.sql";
  std::ofstream(queries) << "-- by key, parameterised\nSELECT v FROM big WHERE id = $1;\n"
                            "SELECT count(*) FROM child;\n";
  CliResult r = Rehearse("ALTER TABLE big DROP CONSTRAINT big_pkey;\n", {"--queries", queries});
  EXPECT_EQ(r.exit_code, 12) << r.err << r.out;
  const nlohmann::json j = r.json();
  ASSERT_EQ(j["plans"].size(), 2u) << j.dump(2);
  const nlohmann::json& by_key = j["plans"][0];
  EXPECT_EQ(by_key["line"], 2);
  EXPECT_EQ(by_key["lost"], nlohmann::json::array({"Index Scan using big_pkey on big"}))
      << by_key.dump(2);
  EXPECT_EQ(by_key["gained"], nlohmann::json::array({"Seq Scan on big"})) << by_key.dump(2);
  EXPECT_GT(by_key["cost_ratio"].get<double>(), 10);
  EXPECT_TRUE(j["plans"][1]["lost"].empty());
  EXPECT_DOUBLE_EQ(j["plans"][1]["cost_ratio"].get<double>(), 1.0);
  EXPECT_EQ(Rules(j), std::vector<std::string>{"plan_regression"});
}

TEST_F(RehearseTest, FailingMigrationStopsAtTheStatementAndFires) {
  CliResult r = Rehearse(
      "CREATE TABLE t1 (id int);\n"
      "\n"
      "ALTER TABLE no_such_table ADD COLUMN x int;\n"
      "CREATE TABLE t2 (id int);\n");
  EXPECT_EQ(r.exit_code, 12) << r.err << r.out;
  const nlohmann::json j = r.json();
  EXPECT_FALSE(j["completed"].get<bool>());
  EXPECT_NE(j["failure"].get<std::string>().find("line 3"), std::string::npos) << j["failure"];
  EXPECT_NE(j["statements"][1]["error"].get<std::string>().find("no_such_table"),
            std::string::npos);
  EXPECT_FALSE(j["statements"][2]["ran"].get<bool>());
  EXPECT_EQ(Rules(j), std::vector<std::string>{"failed"});
  // The branch itself is untouched.
  auto conn = pg::Connection::Open(pool_->SuperuserConninfo("pr-1"));
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(*conn->QueryValue("SELECT count(*) FROM pg_class WHERE relname = 't1'"), "0");
}

TEST_F(RehearseTest, MigrationThatNeverEndsIsCancelledAtTheTimeout) {
  CliResult r = Rehearse("SELECT pg_sleep(600);\n", {"--timeout", "1s"});
  EXPECT_EQ(r.exit_code, 12) << r.err << r.out;
  const nlohmann::json j = r.json();
  EXPECT_TRUE(j["timed_out"].get<bool>());
  EXPECT_LT(j["seconds"]["migration"].get<double>(), 10);
  EXPECT_EQ(Rules(j), std::vector<std::string>{"timeout"});
}

TEST_F(RehearseTest, AgainstASnapshotUsesItsData) {
  ASSERT_EQ(pool_->Run({"snapshot", "create", "main", "--name", "before-drop"}).exit_code, 0);
  auto conn = pg::Connection::Open(pool_->SuperuserConninfo("main"));
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Exec("CREATE TABLE only_after (id int)").ok());
  // On the snapshot, only_after does not exist yet: creating it works.
  CliResult r = Rehearse("CREATE TABLE only_after (id int);\n", {"--against", "before-drop"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["against"], "before-drop");
  // Against main (the parent) it fails.
  CliResult on_main = Rehearse("CREATE TABLE only_after (id int);\n");
  EXPECT_EQ(on_main.exit_code, 12) << on_main.out;
  ASSERT_TRUE(conn->Exec("DROP TABLE only_after").ok());
  ASSERT_EQ(pool_->Run({"snapshot", "delete", "before-drop"}).exit_code, 0);
}

TEST_F(RehearseTest, DroppingDataFiresUnlessAllowed) {
  CliResult r = Rehearse("ALTER TABLE big DROP COLUMN n;\n");
  EXPECT_EQ(r.exit_code, 12) << r.out;
  const nlohmann::json j = r.json();
  ASSERT_EQ(j["dropped"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["dropped"][0]["relation"], "big");
  EXPECT_EQ(j["dropped"][0]["column"], "n");
  EXPECT_EQ(Rules(j), std::vector<std::string>{"data_loss"});
  CliResult allowed = Rehearse("ALTER TABLE big DROP COLUMN n;\n", {"--allow-drop", "big.n"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out;
  // A renamed column is the same column (regression: it was reported dropped).
  CliResult renamed = Rehearse("ALTER TABLE big RENAME COLUMN n TO m;\n");
  EXPECT_EQ(renamed.exit_code, 0) << renamed.out;
  EXPECT_TRUE(renamed.json()["dropped"].empty()) << renamed.out;
  // A table rewritten by a type change keeps its columns.
  CliResult retyped = Rehearse("ALTER TABLE big ALTER COLUMN n TYPE bigint;\n",
                               {"--max-write-block", "1h", "--max-read-block", "1h"});
  EXPECT_EQ(retyped.exit_code, 0) << retyped.out;
  // An empty table dropped is no data lost.
  CliResult empty = Rehearse("CREATE TABLE e (id int);\nDROP TABLE e;\n");
  EXPECT_EQ(empty.exit_code, 0) << empty.out;
}

TEST_F(RehearseTest, InvalidIndexLeftBehindFires) {
  // A unique index on duplicate values fails; CONCURRENTLY leaves it invalid.
  CliResult r = Rehearse("CREATE UNIQUE INDEX CONCURRENTLY big_n ON big (n);\n");
  EXPECT_EQ(r.exit_code, 12) << r.out;
  const nlohmann::json j = r.json();
  EXPECT_EQ(j["invalid_indexes"], nlohmann::json::array({"big_n"})) << j.dump(2);
}

TEST_F(RehearseTest, MigrationRunsAsTheDatabaseOwnerNotASuperuser) {
  const std::string marker = dir_.path() + "/reached-the-host";
  CliResult r = Rehearse("COPY (SELECT 1) TO PROGRAM 'touch " + marker + "';\n");
  EXPECT_EQ(r.exit_code, 12) << r.out;
  const nlohmann::json j = r.json();
  EXPECT_EQ(j["role"], "app");
  EXPECT_NE(j["failure"].get<std::string>().find("pg_execute_server_program"), std::string::npos)
      << j["failure"];
  EXPECT_FALSE(os::PathExists(marker));
  // A database a superuser owns is refused before anything runs.
  ASSERT_EQ(pool_->Run({"branch", "create", "su-owned"}).exit_code, 0);
  auto conn = pg::Connection::Open(pool_->SuperuserConninfo("su-owned", "postgres"));
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Exec("ALTER DATABASE app OWNER TO postgres").ok());
  const std::string sql = dir_.path() + "/noop.sql";
  std::ofstream(sql) << "SELECT 1;\n";
  CliResult refused = pool_->Run({"rehearse", "su-owned", "--against", "su-owned", "--sql", sql});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  EXPECT_NE(refused.err.find("superuser"), std::string::npos) << refused.err;
  ExpectNoCopyLeft();
  EXPECT_EQ(pool_->Run({"branch", "delete", "su-owned"}).exit_code, 0);
}

TEST_F(RehearseTest, BadInputChangesNothing) {
  const std::string meta = dir_.path() + "/meta.sql";
  std::ofstream(meta) << "\\set x 1\nSELECT 1;\n";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"rehearse", "pr-1", "--sql", dir_.path() + "/missing.sql"},
           {"rehearse", "pr-1", "--sql", meta},
           {"rehearse", "no-such", "--sql", meta},
           {"rehearse", "pr-1", "--sql", meta, "--format", "yaml"},
           {"rehearse", "pr-1", "--sql", meta, "--timeout", "0s"},
           {"rehearse", "pr-1", "--sql", meta, "--against", "../main"}}) {
    CliResult r = pool_->Run(args);
    EXPECT_NE(r.exit_code, 0) << args[3];
    EXPECT_NE(r.exit_code, 12) << args[3];
    EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  ExpectNoCopyLeft();
}

}  // namespace
}  // namespace spur::testing
