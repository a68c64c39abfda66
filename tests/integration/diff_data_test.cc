// `spur diff --data` on real pools: the fast path (changed pages found with
// FIEMAP, read with TID range scans) must report exactly what the full
// comparison reports, and both what the tables really hold, after random
// workloads on branch and parent: inserts, HOT and non-HOT updates, deletes,
// VACUUM, TOASTed values, NULLs, tables without keys. Runs on XFS (reflink)
// and btrfs loop images.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "pg/conn.h"
#include "pool_fixture.h"

namespace spur::testing {
namespace {

const char* kSchema = R"sql(
CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int, note text, flag bool)
  WITH (fillfactor = 100);
CREATE INDEX accounts_balance ON accounts (balance);
INSERT INTO accounts
  SELECT i, 'owner ' || i, i % 1000, CASE WHEN i % 7 = 0 THEN NULL ELSE 'n' || i END, i % 2 = 0
  FROM generate_series(1, 200000) i;
CREATE TABLE docs (id bigint PRIMARY KEY, body text);
ALTER TABLE docs ALTER body SET STORAGE EXTERNAL;
INSERT INTO docs SELECT i, repeat(md5(i::text), 100) FROM generate_series(1, 300) i;
CREATE TABLE events (kind text, n int);
INSERT INTO events SELECT 'k' || (i % 5), i % 3 FROM generate_series(1, 3000) i;
CREATE TABLE people (email text NOT NULL UNIQUE, age int);
INSERT INTO people SELECT 'p' || i || '@example.com', i % 90 FROM generate_series(1, 2000) i;
CREATE TABLE parted (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (5000);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (5000) TO (10000);
INSERT INTO parted SELECT i, 'v' || i FROM generate_series(0, 9999) i;
CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY, v text);
INSERT INTO scratch SELECT i, 's' FROM generate_series(1, 500) i;
CREATE TABLE untouched (id int PRIMARY KEY, v text);
INSERT INTO untouched SELECT i, 'same' FROM generate_series(1, 5000) i;
)sql";

// One round of random changes, as SQL, seeded.
std::string Workload(std::mt19937& rng, int changes) {
  std::string sql;
  auto r = [&](int n) { return std::to_string(rng() % n + 1); };
  for (int i = 0; i < changes; ++i) {
    switch (rng() % 11) {
      case 0:  // HOT: no indexed column changes
        sql += "UPDATE accounts SET note = 'hot " + r(1000) + "' WHERE id = " + r(200000) + ";";
        break;
      case 1:  // not HOT: an indexed column changes
        sql +=
            "UPDATE accounts SET balance = balance + " + r(50) + " WHERE id = " + r(200000) + ";";
        break;
      case 2:
        sql += "UPDATE accounts SET owner = NULL, flag = NULL WHERE id = " + r(200000) + ";";
        break;
      case 3:
        sql += "DELETE FROM accounts WHERE id = " + r(200000) + ";";
        break;
      case 4:
        sql += "INSERT INTO accounts VALUES (" + std::to_string(200000 + rng() % 100000) +
               ", 'new', 1, NULL, true) ON CONFLICT DO NOTHING;";
        break;
      case 5:  // a TOASTed value changes
        sql += "UPDATE docs SET body = repeat(md5(random()::text), 120) WHERE id = " + r(300) + ";";
        break;
      case 6:
        sql += "DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'k" +
               std::to_string(rng() % 5) + "' LIMIT 1);";
        break;
      case 7:
        sql += "INSERT INTO events VALUES ('k" + std::to_string(rng() % 6) + "', " + r(3) + ");";
        break;
      case 8:
        sql += "UPDATE people SET age = NULL WHERE email = 'p" + r(2000) + "@example.com';";
        break;
      case 9:
        sql += "UPDATE parted SET v = 'changed' WHERE id = " + std::to_string(rng() % 10000) + ";";
        break;
      default:
        sql += "INSERT INTO people VALUES ('x" + std::to_string(rng()) +
               "@example.com', 1) "
               "ON CONFLICT DO NOTHING;";
    }
  }
  return sql;
}

// The changes of a diff's JSON, one canonical line each, table by table.
std::multiset<std::string> Changes(const nlohmann::json& diff) {
  std::multiset<std::string> out;
  for (const auto& t : diff["data"]["tables"]) {
    EXPECT_FALSE(t["rows_truncated"].get<bool>());
    for (const auto& row : t["rows"]) out.insert(t["table"].dump() + " " + row.dump());
  }
  return out;
}

std::map<std::string, std::string> Methods(const nlohmann::json& diff) {
  std::map<std::string, std::string> out;
  for (const auto& t : diff["data"]["tables"]) {
    out[t["table"].get<std::string>()] = t["method"].get<std::string>();
  }
  return out;
}

// What accounts really differs by: ids only on one side, ids whose row text differs.
std::tuple<int, int, int> TrueAccountChanges(const std::string& from, const std::string& to) {
  auto load = [](const std::string& uri) {
    std::map<std::string, std::string> m;
    for (const auto& line : QueryRows(uri, "SELECT id || ' ' || a::text FROM accounts a")) {
      m[line.substr(0, line.find(' '))] = line;
    }
    return m;
  };
  auto a = load(from), b = load(to);
  int ins = 0, del = 0, upd = 0;
  for (const auto& [id, row] : a) {
    auto it = b.find(id);
    if (it == b.end())
      ++del;
    else if (it->second != row)
      ++upd;
  }
  for (const auto& [id, row] : b) ins += a.count(id) ? 0 : 1;
  return {ins, del, upd};
}

class DiffDataTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root for loop images";
    pool_ = std::make_unique<PoolFixture>(GetParam(), /*sample_data=*/false);
    ASSERT_TRUE(pool_->ok()) << pool_->error();
    Exec(pool_->SuperuserConninfo("main"), kSchema);
    // As after a sync: frozen and all-visible, so neither autovacuum nor the
    // first reads (hint bits) rewrite every page later.
    Exec(pool_->SuperuserConninfo("main"), "VACUUM (FREEZE, ANALYZE)");
    // A btrfs snapshot of a running branch is crash-consistent: the branch
    // replays WAL since the last checkpoint at start, rewriting those pages.
    Exec(pool_->SuperuserConninfo("main"), "CHECKPOINT");
  }
  nlohmann::json Diff(std::vector<std::string> args) {
    std::vector<std::string> all = {"--json", "diff"};
    all.insert(all.end(), args.begin(), args.end());
    CliResult r = pool_->Run(all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.json();
  }
  std::unique_ptr<PoolFixture> pool_;
};

TEST_P(DiffDataTest, FastPathMatchesFullComparisonOnRandomWorkloads) {
  ASSERT_EQ(pool_->Run({"branch", "create", "b1"}).exit_code, 0);
  const std::string main_su = pool_->SuperuserConninfo("main");
  const std::string b1_su = pool_->SuperuserConninfo("b1");
  std::mt19937 rng(20261121);
  for (int round = 0; round < 3; ++round) {
    Exec(b1_su, Workload(rng, 150));
    Exec(b1_su, "INSERT INTO scratch VALUES (" + std::to_string(1000 + round) + ", 'b1')");
    Exec(main_su, Workload(rng, 20));  // the parent moves on too
    if (round == 1) {
      Exec(b1_su, "VACUUM accounts");
      Exec(b1_su, "VACUUM events");
    }
    if (round == 2) Exec(main_su, "VACUUM docs;");
    nlohmann::json fast = Diff({"b1", "--data", "--max-rows", "0"});
    nlohmann::json full = Diff({"b1", "--data", "--max-rows", "0", "--full"});
    ASSERT_TRUE(fast.is_object()) << "round " << round;
    EXPECT_EQ(fast["data"]["fast_path_off"], "") << fast.dump();
    EXPECT_NE(full["data"]["fast_path_off"], "");
    EXPECT_EQ(Changes(fast), Changes(full)) << "round " << round;
    EXPECT_FALSE(Changes(fast).empty());
    auto methods = Methods(fast);
    EXPECT_EQ(methods["public.accounts"], "pages") << fast.dump();
    EXPECT_EQ(methods["public.untouched"], "pages");
    for (const auto& [table, method] : Methods(full)) EXPECT_EQ(method, "full") << table;
    for (const auto& t : fast["data"]["tables"]) {
      if (t["table"] == "public.accounts") {
        EXPECT_LT(t["pages_read"].get<uint64_t>(), t["pages"].get<uint64_t>()) << t.dump();
        auto [ins, del, upd] = TrueAccountChanges(main_su, b1_su);
        EXPECT_EQ(t["inserted"], ins);
        EXPECT_EQ(t["deleted"], del);
        EXPECT_EQ(t["updated"], upd);
      }
      if (t["table"] == "public.untouched") {
        EXPECT_EQ(t["pages_read"], 0u);
      }
      if (t["table"] == "public.scratch") {  // CHECKPOINT leaves unlogged buffers in memory
        EXPECT_EQ(t["method"], "full");
        EXPECT_EQ(t["reason"], "it is unlogged");
      }
      if (t["table"] == "public.events") {
        EXPECT_EQ(t["match"], "whole row");
      }
      if (t["table"] == "public.people") {
        EXPECT_EQ(t["match"], "unique (email)");
      }
    }
  }
  // The SQL of the diff turns main into b1: afterwards nothing differs.
  CliResult sql = pool_->Run({"diff", "b1", "--data", "--format", "sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  Exec(main_su, sql.out);
  nlohmann::json after = Diff({"b1", "--data", "--full"});
  for (const auto& t : after["data"]["tables"]) {
    EXPECT_EQ(t["inserted"].get<int>() + t["deleted"].get<int>() + t["updated"].get<int>(), 0)
        << t.dump();
  }
}

TEST_P(DiffDataTest, TransactionInFlightAtTheForkIsNotMissed) {
  // Rows written before the branch is made but committed on main after it:
  // the pages are shared, yet main sees the rows and the branch does not.
  auto conn = pg::Connection::Open(pool_->SuperuserConninfo("main"));
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Exec("BEGIN; INSERT INTO untouched SELECT i, 'late' FROM "
                         "generate_series(100001, 100050) i; UPDATE accounts SET owner = 'late' "
                         "WHERE id <= 10")
                  .ok());
  ASSERT_EQ(pool_->Run({"branch", "create", "b2"}).exit_code, 0);
  ASSERT_TRUE(conn->Exec("COMMIT").ok());
  Exec(pool_->SuperuserConninfo("main"), "CHECKPOINT");
  nlohmann::json fast = Diff({"b2", "--data", "--max-rows", "0"});
  nlohmann::json full = Diff({"b2", "--data", "--max-rows", "0", "--full"});
  EXPECT_EQ(Changes(fast), Changes(full));
  for (const auto& t : fast["data"]["tables"]) {
    if (t["table"] == "public.untouched") {
      EXPECT_EQ(t["deleted"], 50) << t.dump();
    }
    if (t["table"] == "public.accounts") {
      EXPECT_EQ(t["updated"], 10) << t.dump();
    }
  }
  // reflink: the backup protocol's checkpoint put the uncommitted rows on
  // disk, so main's pages stay shared and only the in-flight check catches
  // it. btrfs: the atomic snapshot caught neither the rows' WAL nor their
  // pages (WAL before data), so main's pages differ and are read.
  if (GetParam() == "reflink") {
    EXPECT_NE(fast["data"]["fast_path_off"].get<std::string>().find("in flight"), std::string::npos)
        << fast["data"].dump() << pool_->Run({"--json", "snapshot", "list"}).out;
  }
}

TEST_P(DiffDataTest, AgainstASnapshotUsesAThrowAwayInstance) {
  ASSERT_EQ(pool_->Run({"snapshot", "create", "main", "--name", "before"}).exit_code, 0);
  Exec(pool_->SuperuserConninfo("main"),
       "DELETE FROM accounts WHERE id <= 5; INSERT INTO people VALUES ('new@example.com', 3)");
  nlohmann::json d = Diff({"main", "--against", "before", "--data"});
  std::map<std::string, nlohmann::json> by_table;
  for (const auto& t : d["data"]["tables"]) by_table[t["table"].get<std::string>()] = t;
  EXPECT_EQ(by_table["public.accounts"]["deleted"], 5) << d.dump();
  EXPECT_EQ(by_table["public.people"]["inserted"], 1);
  EXPECT_EQ(by_table["public.accounts"]["method"], "pages");
  // Nothing of the throw-away instance is left.
  std::string left = QueryValue(pool_->SuperuserConninfo("main"), "SELECT 1");
  EXPECT_EQ(left, "1");
  for (const auto& e : std::filesystem::directory_iterator(pool_->pool() + "/data/snapshots")) {
    EXPECT_EQ(e.path().filename().string().find(".diff-"), std::string::npos) << e.path();
  }
}

TEST_P(DiffDataTest, ParentResetAfterTheForkTurnsTheFastPathOff) {
  // main -> p -> c; p is then reset onto a newer main: the fork c was cut
  // from is no longer on record, so no in-flight check can be trusted.
  ASSERT_EQ(pool_->Run({"branch", "create", "p"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"branch", "create", "c", "--from", "p"}).exit_code, 0);
  nlohmann::json before = Diff({"c", "--data"});
  EXPECT_EQ(before["data"]["fast_path_off"], "") << before.dump();
  ASSERT_EQ(pool_->Run({"branch", "reset", "p"}).exit_code, 0);
  Exec(pool_->SuperuserConninfo("c"), "DELETE FROM accounts WHERE id <= 3");
  nlohmann::json after = Diff({"c", "--data", "--tables", "accounts"});
  EXPECT_NE(after["data"]["fast_path_off"].get<std::string>().find("was reset"), std::string::npos)
      << after.dump();
  EXPECT_EQ(after["data"]["tables"][0]["deleted"], 3);
}

// Regression (issue 13, item 8): a branch reset onto a snapshot of itself
// is its own snapshot's parent; walking the lineage looped until "snapshot
// lineage too deep" (exit 1).
TEST_P(DiffDataTest, BranchResetOntoItsOwnSnapshotStillDiffs) {
  ASSERT_EQ(pool_->Run({"branch", "create", "lin"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"snapshot", "create", "lin", "--name", "s"}).exit_code, 0);
  ASSERT_EQ(pool_->Run({"branch", "reset", "lin", "--to", "s"}).exit_code, 0);
  Exec(pool_->SuperuserConninfo("lin"), "DELETE FROM accounts WHERE id <= 2");
  nlohmann::json d = Diff({"lin", "--data", "--tables", "accounts"});
  ASSERT_TRUE(d.contains("data")) << d.dump();
  EXPECT_EQ(d["data"]["tables"][0]["deleted"], 2) << d.dump();
}

// Regression (issue 13, item 8): `diff --format sql` left out the values of
// columns only the branch has and the sequences' values, so main, after the
// script, lacked the branch's backfills and its next insert collided with a
// carried row ("duplicate key"). Covers a column added with a constant
// default (fast path), one with a volatile default (table rewritten: full
// comparison) and one on a keyless table (whole-row match).
TEST_P(DiffDataTest, SqlScriptCarriesBranchOnlyColumnsAndSequenceValues) {
  const std::string main_su = pool_->SuperuserConninfo("main");
  Exec(main_su,
       "CREATE TABLE orders (id serial PRIMARY KEY, v text); INSERT INTO orders (v) SELECT 'o' "
       "|| i FROM generate_series(1, 1000) i");
  Exec(main_su, "VACUUM (FREEZE) orders");
  Exec(main_su, "CHECKPOINT");
  ASSERT_EQ(pool_->Run({"branch", "create", "cols"}).exit_code, 0);
  const std::string b_su = pool_->SuperuserConninfo("cols");
  Exec(b_su,
       "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';"
       "ALTER TABLE orders ADD COLUMN note text;"
       "UPDATE orders SET status = 'paid' WHERE id = 7;"
       "UPDATE orders SET note = 'n' || id WHERE id <= 5;"
       "INSERT INTO orders (v, status) VALUES ('late', 'x'), ('later', DEFAULT);"
       "ALTER TABLE events ADD COLUMN tag text;"
       "UPDATE events SET tag = 't' WHERE kind = 'k1' AND n = 1;"
       "ALTER TABLE people ADD COLUMN seen timestamptz DEFAULT clock_timestamp()");
  nlohmann::json d = Diff({"cols", "--data", "--tables", "orders,events,people"});
  std::map<std::string, nlohmann::json> by;
  for (const auto& t : d["data"]["tables"]) by[t["table"].get<std::string>()] = t;
  EXPECT_EQ(by["public.orders"]["updated"], 6) << d.dump();  // ids 1-5 (note) and 7 (status)
  EXPECT_EQ(by["public.orders"]["inserted"], 2);
  EXPECT_EQ(by["public.orders"]["method"], "pages");
  EXPECT_EQ(by["public.people"]["updated"], 2000);  // every row got its own clock_timestamp()
  EXPECT_EQ(by["public.events"]["inserted"], 200);
  ASSERT_EQ(d["data"]["sequences"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["sequences"][0]["sequence"], "public.orders_id_seq");
  EXPECT_EQ(d["data"]["sequences"][0]["to"]["last_value"], "1002");

  CliResult sql = pool_->Run({"diff", "cols", "--format", "sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  Exec(main_su, sql.out);
  nlohmann::json after = Diff({"cols", "--full", "--tables", "orders,events,people"});
  EXPECT_TRUE(after["schema"]["changes"].empty()) << after["schema"].dump();
  for (const auto& t : after["data"]["tables"]) {
    EXPECT_EQ(t["inserted"].get<int>() + t["deleted"].get<int>() + t["updated"].get<int>(), 0)
        << t.dump();
  }
  EXPECT_TRUE(after["data"]["sequences"].empty()) << after["data"].dump();
  EXPECT_EQ(QueryValue(main_su, "INSERT INTO orders (v) VALUES ('next') RETURNING id"), "1003");
}

INSTANTIATE_TEST_SUITE_P(Drivers, DiffDataTest, ::testing::Values("reflink", "btrfs"));

TEST(DiffCli, CopyDriverComparesInFullAndTablesOnOneSideCount) {
  PoolFixture pool("copy", /*sample_data=*/false);
  ASSERT_TRUE(pool.ok()) << pool.error();
  Exec(pool.SuperuserConninfo("main"),
       "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, 'x' FROM "
       "generate_series(1, 100) i; CREATE TABLE gone (a int); INSERT INTO gone VALUES (1), (1)");
  ASSERT_EQ(pool.Run({"branch", "create", "b"}).exit_code, 0);
  Exec(pool.SuperuserConninfo("b"),
       "UPDATE t SET v = 'y' WHERE id = 7; DROP TABLE gone; CREATE TABLE fresh (k text PRIMARY "
       "KEY); INSERT INTO fresh VALUES ('a'), ('b'), ('c')");
  // --exit-code (issue 13 item 7): 1 when there is a difference, 0 when not.
  ASSERT_EQ(pool.Run({"branch", "create", "same"}).exit_code, 0);
  EXPECT_EQ(pool.Run({"diff", "same", "--exit-code"}).exit_code, 0);
  EXPECT_EQ(pool.Run({"diff", "b", "--schema", "--exit-code"}).exit_code, 1);
  EXPECT_EQ(pool.Run({"diff", "nope", "--exit-code"}).exit_code, 3);
  CliResult r = pool.Run({"--json", "diff", "b", "--data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json d = r.json()["data"];
  EXPECT_NE(d["fast_path_off"].get<std::string>().find("copy driver"), std::string::npos);
  std::map<std::string, nlohmann::json> by;
  for (const auto& t : d["tables"]) by[t["table"].get<std::string>()] = t;
  EXPECT_EQ(by["public.t"]["updated"], 1);
  EXPECT_EQ(by["public.t"]["method"], "full");
  EXPECT_EQ(by["public.fresh"]["inserted"], 3) << d.dump();
  EXPECT_EQ(by["public.gone"]["deleted"], 2);
  EXPECT_EQ(by["public.gone"]["match"], "whole row");
  // Text for people: counts per table and the changed cell.
  CliResult text = pool.Run({"diff", "b", "--data", "--color", "never"});
  EXPECT_NE(text.out.find("public.t  (primary key (id))  +0 -0 ~1"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("v: 'x' -> 'y'"), std::string::npos) << text.out;
}

TEST(DiffCli, BadInputIsRefusedWithOneLine) {
  if (!IsRoot()) GTEST_SKIP() << "needs root for loop images";
  PoolFixture pool("reflink", /*sample_data=*/false);
  ASSERT_TRUE(pool.ok()) << pool.error();
  ASSERT_EQ(pool.Run({"branch", "create", "b"}).exit_code, 0);
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"diff", "nope"}, 3, "no branch"},
      {{"diff", "main"}, 5, "no parent"},
      {{"diff", "b", "--against", "ghost"}, 3, "neither a branch nor a snapshot"},
      {{"diff", "b", "--format", "xml"}, 2, "--format"},
      {{"diff", "b", "--schema", "--data"}, 2, "exclude"},
      {{"diff", "b", "--data", "--tables", "nope"}, 2, "neither side"},
      {{"diff", "b", "--against", "b"}, 2, "itself"},
      {{"diff", "../x"}, 2, "branch"},
      {{"diff", "b", "--lock-timeout", "5s; DROP TABLE x"}, 2, "postgres duration"},
      {{"diff", "b", "--color", "pink"}, 2, "--color"},
  };
  for (const auto& c : cases) {
    CliResult r = pool.Run(c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace spur::testing
