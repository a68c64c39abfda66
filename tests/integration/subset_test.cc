// subset::ComputeClosure over a real postgres, proved the way a sync uses it:
// the selected rows are COPYed into a second database that has the tables but
// no foreign keys, then every foreign key is added there and must validate.
#include <gtest/gtest.h>

#include "harness.h"
#include "pg/copy_stream.h"
#include "pg/schema.h"
#include "source_cluster.h"
#include "subset/closure.h"
#include "subset/config.h"

namespace spur::testing {
namespace {

using subset::Reach;

// Two tables referencing each other, a three-table cycle, a self-reference,
// a composite FK in another column order than the key, an FK onto a unique
// non-PK column, a partitioned table on both sides, an FK-linked pair nothing
// selects, and two isolated tables.
constexpr const char* kTables = R"sql(
  CREATE TABLE a (id int PRIMARY KEY, b_id int, payload text);
  CREATE TABLE b (id int PRIMARY KEY, a_id int);
  CREATE TABLE x (id int PRIMARY KEY, y_id int);
  CREATE TABLE y (id int PRIMARY KEY, z_id int);
  CREATE TABLE z (id int PRIMARY KEY, x_id int);
  CREATE TABLE employees (id int PRIMARY KEY, manager_id int, name text);
  CREATE TABLE warehouses (region text, num int, PRIMARY KEY (region, num));
  CREATE TABLE shipments (id int PRIMARY KEY, region text, num int);
  CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE orders (id int PRIMARY KEY, customer_email text, employee_id int, created date);
  CREATE TABLE events (id int, at date, order_id int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE event_tags (id int PRIMARY KEY, event_id int, event_at date, tag text);
  CREATE TABLE lonely_parent (id int PRIMARY KEY);
  CREATE TABLE lonely_child (id int PRIMARY KEY, parent_id int);
  CREATE TABLE settings (k text PRIMARY KEY, v text);
  CREATE TABLE audit_log (id int, what text);
)sql";

// NULLs in referencing columns (and a NULL next to a dangling value in the
// composite FK) exercise MATCH SIMPLE.
constexpr const char* kData = R"sql(
  INSERT INTO a SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE (g * 7) % 1000 + 1 END, 'p'
    FROM generate_series(1, 1000) g;
  INSERT INTO b SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE (g * 13) % 1000 + 1 END
    FROM generate_series(1, 1000) g;
  INSERT INTO x SELECT g, g % 300 + 1 FROM generate_series(1, 300) g;
  INSERT INTO y SELECT g, (g * 7) % 300 + 1 FROM generate_series(1, 300) g;
  INSERT INTO z SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE (g * 11) % 300 + 1 END
    FROM generate_series(1, 300) g;
  INSERT INTO employees SELECT g, NULLIF(g / 2, 0), 'e' || g FROM generate_series(1, 500) g;
  INSERT INTO warehouses SELECT r, n FROM unnest(ARRAY['n', 's', 'e', 'w']) r,
    generate_series(1, 25) n;
  INSERT INTO shipments SELECT g,
    CASE WHEN g % 10 = 0 THEN NULL ELSE (ARRAY['n', 's', 'e', 'w'])[g % 4 + 1] END,
    CASE WHEN g % 10 = 0 THEN 999 ELSE g % 25 + 1 END FROM generate_series(1, 2000) g;
  INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 1000) g;
  INSERT INTO orders SELECT g, 'c' || (g * 17 % 1000 + 1) || '@example.com', g % 500 + 1,
    date '2024-01-01' + g % 700 FROM generate_series(1, 5000) g;
  INSERT INTO events SELECT g, date '2024-01-01' + g % 700,
    CASE WHEN g % 7 = 0 THEN NULL ELSE g * 3 % 5000 + 1 END FROM generate_series(1, 4000) g;
  INSERT INTO event_tags SELECT e.id, e.id, e.at, 't' FROM events e WHERE e.id <= 3000;
  INSERT INTO lonely_parent SELECT generate_series(1, 20);
  INSERT INTO lonely_child SELECT g, g % 20 + 1 FROM generate_series(1, 40) g;
  INSERT INTO settings SELECT 'k' || g, 'v' FROM generate_series(1, 10) g;
  INSERT INTO audit_log SELECT g, 'w' FROM generate_series(1, 100) g;
  ANALYZE;
)sql";

// Added after the data, on the source and on every copy, as a sync does.
const std::vector<std::string> kForeignKeys = {
    "ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id)",
    "ALTER TABLE b ADD FOREIGN KEY (a_id) REFERENCES a (id)",
    "ALTER TABLE x ADD FOREIGN KEY (y_id) REFERENCES y (id)",
    "ALTER TABLE y ADD FOREIGN KEY (z_id) REFERENCES z (id)",
    "ALTER TABLE z ADD FOREIGN KEY (x_id) REFERENCES x (id)",
    "ALTER TABLE employees ADD FOREIGN KEY (manager_id) REFERENCES employees (id)",
    "ALTER TABLE shipments ADD FOREIGN KEY (num, region) REFERENCES warehouses (num, region)",
    "ALTER TABLE orders ADD FOREIGN KEY (customer_email) REFERENCES customers (email)",
    "ALTER TABLE orders ADD FOREIGN KEY (employee_id) REFERENCES employees (id)",
    "ALTER TABLE events ADD FOREIGN KEY (order_id) REFERENCES orders (id)",
    "ALTER TABLE event_tags ADD FOREIGN KEY (event_id, event_at) REFERENCES events (id, at)",
    "ALTER TABLE lonely_child ADD FOREIGN KEY (parent_id) REFERENCES lonely_parent (id)",
};

constexpr const char* kMainConfig = R"yaml(
roots:
  public.customers: { percent: 10 }
  events: { where: "id <= 40" }
  public.a: { percent: 5 }
  public.x: { where: "id % 60 = 0" }
  public.shipments: { percent: 20 }
tables:
  public.audit_log: none
seed: 7
)yaml";

// The sync's side: a connection in its REPEATABLE READ transaction, the
// schema read in it, and the closure computed there.
struct SyncSide {
  pg::Connection conn;
  pg::Schema schema;
  subset::Selection selection;
};

class SubsetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cluster_ = new SourceCluster(dir_->path());
    if (!cluster_->ok()) return;
    auto conn = pg::Connection::Open(cluster_->Url());
    if (!conn.ok() || !conn->Exec(kTables).ok() || !conn->Exec(kData).ok()) return;
    for (const std::string& fk : kForeignKeys) {
      if (!conn->Exec(fk).ok()) return;
    }
    ready_ = true;
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete dir_;
    cluster_ = nullptr;
    dir_ = nullptr;
    ready_ = false;
  }
  void SetUp() override { ASSERT_TRUE(ready_) << "source cluster setup failed"; }

  static Result<SyncSide> Compute(const std::string& yaml) {
    ASSIGN_OR_RETURN(subset::SubsetConfig config, subset::ParseSubsetConfig(yaml));
    ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(cluster_->Url()));
    RETURN_IF_ERROR(conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ"));
    ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(conn));
    ASSIGN_OR_RETURN(subset::Selection selection, subset::ComputeClosure(conn, schema, config));
    return SyncSide{std::move(conn), std::move(schema), std::move(selection)};
  }

  // A fresh database with the tables and no foreign keys.
  static std::string MakeTarget(const std::string& name) {
    Status st = cluster_->CreateDatabase(name);
    EXPECT_TRUE(st.ok()) << st.message();
    Exec(cluster_->Url(name), kTables);
    return cluster_->Url(name);
  }

  // COPYs every leaf's selection out of the source and into `target`.
  static void CopySelection(SyncSide& run, const std::string& target) {
    auto dst = pg::Connection::Open(target);
    ASSERT_TRUE(dst.ok()) << dst.status().message();
    for (const pg::Table& t : run.schema.tables) {
      if (!t.leaf()) continue;
      std::optional<std::string> select = run.selection.SelectSql(t, "*");
      if (!select) continue;
      auto out = pg::CopyOut::Start(run.conn, "COPY (" + *select + ") TO STDOUT");
      ASSERT_TRUE(out.ok()) << *select << ": " << out.status().message();
      auto in = pg::CopyIn::Start(*dst, "COPY " + t.qualified + " FROM STDIN");
      ASSERT_TRUE(in.ok()) << in.status().message();
      std::string_view row;
      for (;;) {
        Result<bool> more = out->Next(row);
        ASSERT_TRUE(more.ok()) << more.status().message();
        if (!*more) break;
        ASSERT_TRUE(in->Put(row).ok());
      }
      Status end = in->End();
      ASSERT_TRUE(end.ok()) << t.qualified << ": " << end.message();
    }
  }

  // Adds every foreign key to `target`; each must validate against the copy.
  static void ExpectForeignKeysHold(const std::string& target) {
    auto dst = pg::Connection::Open(target);
    ASSERT_TRUE(dst.ok()) << dst.status().message();
    for (const std::string& fk : kForeignKeys) {
      Status st = dst->Exec(fk);
      EXPECT_TRUE(st.ok()) << fk << ": " << st.message();
    }
  }

  // Row count and an order-independent hash of the rows `leaf` copies.
  static std::string Fingerprint(SyncSide& run, const std::string& leaf) {
    const pg::Table* t = run.schema.Find(leaf);
    if (t == nullptr) return "missing";
    std::optional<std::string> select = run.selection.SelectSql(*t, "*");
    if (!select) return "nothing";
    auto v = run.conn.QueryValue(
        "SELECT count(*) || ':' || coalesce(sum(hashtext(s::text)), 0) "
        "FROM (" +
        *select + ") s");
    return v.ok() ? *v : v.status().message();
  }

  static const subset::TableReport& Report(const SyncSide& run, const std::string& leaf) {
    const subset::TableReport* r = run.selection.Find(leaf);
    EXPECT_NE(r, nullptr) << leaf;
    static const subset::TableReport kMissing;
    return r ? *r : kMissing;
  }

  static TempDir* dir_;
  static SourceCluster* cluster_;
  static bool ready_;
};

TempDir* SubsetTest::dir_ = nullptr;
SourceCluster* SubsetTest::cluster_ = nullptr;
bool SubsetTest::ready_ = false;

int64_t Count(const std::string& url, const std::string& table) {
  return std::stoll(QueryValue(url, "SELECT count(*) FROM " + table));
}

TEST_F(SubsetTest, CopyOfTheClosureSatisfiesEveryForeignKey) {
  auto run = Compute(kMainConfig);
  ASSERT_TRUE(run.ok()) << run.status().message();
  const std::string target = MakeTarget("copy_main");
  CopySelection(*run, target);
  ExpectForeignKeysHold(target);

  for (const subset::TableReport& r : run->selection.report()) {
    SCOPED_TRACE(r.table);
    if (r.reach == Reach::kRoot) {
      EXPECT_GE(r.actual_rows, r.requested_rows);
    } else {
      EXPECT_EQ(r.requested_rows, -1);
    }
    if (r.reach == Reach::kAll) {
      EXPECT_EQ(Count(target, r.table), Count(cluster_->Url(), r.table));
    } else {
      EXPECT_EQ(Count(target, r.table), r.actual_rows);
    }
  }
  const subset::TableReport& customers = Report(*run, "public.customers");
  EXPECT_EQ(customers.reach, Reach::kRoot);
  EXPECT_GT(customers.requested_rows, 50);
  EXPECT_LT(customers.requested_rows, 200);
  EXPECT_EQ(Report(*run, "public.events_2024").reach, Reach::kRoot);
  EXPECT_EQ(Report(*run, "public.events_2024").requested_rows, 40);
  EXPECT_EQ(Report(*run, "public.events_2025").requested_rows, 0);
  EXPECT_EQ(Report(*run, "public.employees").reach, Reach::kClosure);
  EXPECT_GT(Report(*run, "public.employees").actual_rows, 0);
  EXPECT_EQ(Report(*run, "public.lonely_child").reach, Reach::kClosure);
  EXPECT_EQ(Report(*run, "public.lonely_child").actual_rows, 0);
  EXPECT_FALSE(run->selection.SelectSql(*run->schema.Find("public.lonely_parent"), "*"));
  EXPECT_EQ(Report(*run, "public.settings").reach, Reach::kAll);
  EXPECT_EQ(Report(*run, "public.audit_log").reach, Reach::kNone);
  EXPECT_EQ(Count(target, "audit_log"), 0);
  EXPECT_EQ(run->selection.Find("public.events"), nullptr) << "partitioned parents hold no rows";
}

TEST_F(SubsetTest, ChildrenOfRootRowsAreKept) {
  auto run = Compute(kMainConfig);
  ASSERT_TRUE(run.ok()) << run.status().message();
  auto orders = run->selection.SelectSql(*run->schema.Find("public.orders"), "id");
  ASSERT_TRUE(orders);
  // The root sample again (same seed, same snapshot). Customers the upward
  // pass added later do not bring their other orders: there is no downward
  // pass after the upward one.
  auto missing = run->conn.QueryValue(
      "SELECT count(*) FROM orders WHERE customer_email IN (SELECT email FROM customers "
      "TABLESAMPLE BERNOULLI (10) REPEATABLE (7)) AND id NOT IN (" +
      *orders + ")");
  ASSERT_TRUE(missing.ok()) << missing.status().message();
  EXPECT_EQ(*missing, "0") << "every order of a sampled customer is kept";
}

TEST_F(SubsetTest, DownwardPassReachesGrandchildrenThroughPartitions) {
  // With customers as the only root, nothing the upward pass adds is a parent
  // in the chain customers <- orders <- events <- event_tags, so the downward
  // closure must be complete at every level.
  auto run = Compute("roots: {public.customers: {percent: 10}}\nseed: 3\n");
  ASSERT_TRUE(run.ok()) << run.status().message();
  const pg::Schema& s = run->schema;
  auto sql = [&](const std::string& table, const std::string& cols) {
    return run->selection.SelectSql(*s.Find(table), cols).value_or("SELECT NULL WHERE false");
  };
  const std::string events =
      sql("public.events_2024", "id, at") + " UNION ALL " + sql("public.events_2025", "id, at");
  const std::vector<std::pair<std::string, std::string>> checks = {
      {"orders", "customer_email IN (" + sql("public.customers", "email") + ") AND id NOT IN (" +
                     sql("public.orders", "id") + ")"},
      {"events",
       "order_id IN (" + sql("public.orders", "id") + ") AND (id, at) NOT IN (" + events + ")"},
      {"event_tags", "(event_id, event_at) IN (" + events + ") AND id NOT IN (" +
                         sql("public.event_tags", "id") + ")"},
  };
  for (const auto& [table, missing] : checks) {
    auto n = run->conn.QueryValue("SELECT count(*) FROM " + table + " WHERE " + missing);
    ASSERT_TRUE(n.ok()) << n.status().message();
    EXPECT_EQ(*n, "0") << table << " rows referencing kept rows were left out";
  }
  EXPECT_GT(Report(*run, "public.event_tags").actual_rows, 0);
  EXPECT_GT(Report(*run, "public.events_2025").actual_rows, 0);
  EXPECT_GT(Report(*run, "public.employees").actual_rows, 0) << "reached upward from orders";
  EXPECT_EQ(Report(*run, "public.a").actual_rows, 0);
}

TEST_F(SubsetTest, SelfReferenceFollowsTheWholeManagerChain) {
  auto run = Compute("roots: {public.employees: {where: 'id = 500'}}\nchildren: false\n");
  ASSERT_TRUE(run.ok()) << run.status().message();
  // 500 -> 250 -> 125 -> 62 -> 31 -> 15 -> 7 -> 3 -> 1.
  EXPECT_EQ(Report(*run, "public.employees").requested_rows, 1);
  EXPECT_EQ(Report(*run, "public.employees").actual_rows, 9);
  EXPECT_EQ(Report(*run, "public.orders").actual_rows, 0) << "no downward pass";
  const std::string target = MakeTarget("copy_chain");
  CopySelection(*run, target);
  ExpectForeignKeysHold(target);
}

TEST_F(SubsetTest, WithoutChildrenOnlyReferencedRowsJoin) {
  auto run = Compute("roots:\n  public.orders: {where: 'id <= 100'}\nchildren: false\n");
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(Report(*run, "public.orders").requested_rows, 100);
  EXPECT_EQ(Report(*run, "public.orders").actual_rows, 100);
  EXPECT_GT(Report(*run, "public.customers").actual_rows, 0);
  EXPECT_LE(Report(*run, "public.customers").actual_rows, 100);
  EXPECT_EQ(Report(*run, "public.events_2024").actual_rows, 0);
  const std::string target = MakeTarget("copy_no_children");
  CopySelection(*run, target);
  ExpectForeignKeysHold(target);
}

TEST_F(SubsetTest, SameSeedGivesTheSameRows) {
  const std::vector<std::string> tables = {
      "public.customers", "public.orders",      "public.a",         "public.b",
      "public.employees", "public.events_2025", "public.shipments", "public.warehouses"};
  auto first = Compute(kMainConfig);
  auto second = Compute(kMainConfig);
  std::string other_seed = kMainConfig;
  other_seed.replace(other_seed.find("seed: 7"), 7, "seed: 8");
  auto third = Compute(other_seed);
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  for (const std::string& t : tables) {
    EXPECT_EQ(Fingerprint(*first, t), Fingerprint(*second, t)) << t;
  }
  EXPECT_NE(Fingerprint(*first, "public.customers"), Fingerprint(*third, "public.customers"));
}

TEST_F(SubsetTest, OthersNoneLeavesIsolatedTablesEmpty) {
  auto run =
      Compute("roots: {public.x: {percent: 50}}\nothers: none\ntables: {public.settings: all}\n");
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(Report(*run, "public.audit_log").reach, Reach::kNone);
  EXPECT_EQ(Report(*run, "public.settings").reach, Reach::kAll);
  EXPECT_EQ(Report(*run, "public.customers").reach, Reach::kClosure);
  const std::string target = MakeTarget("copy_none");
  CopySelection(*run, target);
  ExpectForeignKeysHold(target);
  EXPECT_EQ(Count(target, "audit_log"), 0);
  EXPECT_EQ(Count(target, "settings"), 10);
  EXPECT_GT(Count(target, "y"), 0);
}

TEST_F(SubsetTest, ASecondClosureInTheSameTransactionReplacesTheFirst) {
  auto run = Compute("roots: {public.employees: {where: 'id = 500'}}\nchildren: false\n");
  ASSERT_TRUE(run.ok()) << run.status().message();
  auto config =
      subset::ParseSubsetConfig("roots: {public.employees: {where: 'id = 8'}}\nchildren: false");
  ASSERT_TRUE(config.ok());
  auto again = subset::ComputeClosure(run->conn, run->schema, *config);
  ASSERT_TRUE(again.ok()) << again.status().message();
  const subset::TableReport* employees = again->Find("public.employees");
  ASSERT_NE(employees, nullptr);
  EXPECT_EQ(employees->actual_rows, 4);  // 8 -> 4 -> 2 -> 1
  run->selection = *again;
  EXPECT_EQ(Fingerprint(*run, "public.employees").substr(0, 2), "4:");
}

TEST_F(SubsetTest, UnknownTablesAreNotFoundByName) {
  auto run = Compute("roots: {public.nope: {percent: 1}}\ntables: {ghost: none}\n");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), Code::kNotFound);
  EXPECT_NE(run.status().message().find("public.nope (line 1)"), std::string::npos)
      << run.status().message();
  EXPECT_NE(run.status().message().find("ghost"), std::string::npos);
}

TEST_F(SubsetTest, AnOverrideOnALinkedTableIsRejected) {
  auto run = Compute("roots: {public.x: {percent: 1}}\ntables: {public.orders: none}\n");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), Code::kInvalidArgument);
  EXPECT_NE(run.status().message().find("public.orders"), std::string::npos);
}

TEST_F(SubsetTest, NeedsTheSyncTransaction) {
  auto conn = pg::Connection::Open(cluster_->Url());
  ASSERT_TRUE(conn.ok());
  auto schema = pg::ReadSchema(*conn);
  auto config = subset::ParseSubsetConfig("roots: {public.x: {percent: 1}}");
  ASSERT_TRUE(schema.ok() && config.ok());
  auto outside = subset::ComputeClosure(*conn, *schema, *config);
  EXPECT_EQ(outside.status().code(), Code::kFailedPrecondition) << outside.status().message();
  ASSERT_TRUE(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").ok());
  auto read_only = subset::ComputeClosure(*conn, *schema, *config);
  EXPECT_EQ(read_only.status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(conn->Exec("ROLLBACK").ok());
}

TEST_F(SubsetTest, ABadWhereFailsAndLeavesTheTransactionUsable) {
  auto conn = pg::Connection::Open(cluster_->Url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  auto schema = pg::ReadSchema(*conn);
  ASSERT_TRUE(schema.ok());
  for (const char* where : {"no_such_column = 1", "true); DELETE FROM settings; SELECT (1"}) {
    auto config = subset::ParseSubsetConfig(std::string("roots: {public.settings: {where: \"") +
                                            where + "\"}}");
    ASSERT_TRUE(config.ok()) << config.status().message();
    auto run = subset::ComputeClosure(*conn, *schema, *config);
    EXPECT_FALSE(run.ok()) << where;
    EXPECT_NE(run.status().message().find("subset root public.settings"), std::string::npos)
        << run.status().message();
  }
  auto rows = conn->QueryValue("SELECT count(*) FROM settings");
  EXPECT_EQ(rows.ok() ? *rows : rows.status().message(), "10");
  ASSERT_TRUE(conn->Exec("COMMIT").ok());
  EXPECT_EQ(Count(cluster_->Url(), "settings"), 10);
}

}  // namespace
}  // namespace spur::testing
