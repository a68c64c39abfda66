// `spur source`, `spur sync`, `spur mask check|verify` against a real source
// database: PII columns, text and composite foreign keys, a cycle, a
// self-reference, a partitioned table, json, TOASTed values.
#include <unistd.h>

#include <set>

#include "os/fs.h"
#include "pool_fixture.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE customers (
  id bigint PRIMARY KEY,
  email text NOT NULL UNIQUE,
  first_name text, last_name text, phone text,
  born date, profile jsonb, notes text, country text);
CREATE TABLE addresses (
  customer_id bigint REFERENCES customers(id), n int,
  street text, city text, postcode text,
  PRIMARY KEY (customer_id, n));
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_email text NOT NULL REFERENCES customers(email),
  customer_id bigint, address_n int, total numeric(10,2),
  FOREIGN KEY (customer_id, address_n) REFERENCES addresses(customer_id, n));
CREATE TABLE employees (
  id int PRIMARY KEY, full_name text NOT NULL,
  manager_id int REFERENCES employees(id));
CREATE TABLE teams (id int PRIMARY KEY, lead_id int);
CREATE TABLE members (id int PRIMARY KEY, team_id int REFERENCES teams(id));
ALTER TABLE teams ADD FOREIGN KEY (lead_id) REFERENCES members(id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE events (id bigint, at date NOT NULL, kind text, ip_address text,
  PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX ON orders (customer_email);
CREATE MATERIALIZED VIEW customer_totals AS
  SELECT customer_email, sum(total) AS total FROM orders GROUP BY 1;
CREATE SEQUENCE invoice_no START 1000;
SELECT nextval('invoice_no') FROM generate_series(1, 7);

INSERT INTO customers
SELECT g, 'person' || g || '.real@example.org', 'Realfirst' || g, 'Reallast' || g,
       '+1 555-01' || lpad(g::text, 4, '0'), date '1980-01-01' + g,
       jsonb_build_object('address', jsonb_build_object('street', g || ' Secretstreet'),
                          'tier', 'gold'),
       repeat('long note ', 500) || 'person' || g || '.real@example.org',
       'NL'
FROM generate_series(1, 300) g;
INSERT INTO addresses SELECT g, 1, g || ' Realstreet', 'Realcity' || g, '10' || lpad(g::text, 3, '0')
FROM generate_series(1, 300) g;
INSERT INTO orders SELECT g, 'person' || (g % 300 + 1) || '.real@example.org', g % 300 + 1, 1, g * 1.5
FROM generate_series(1, 900) g;
INSERT INTO employees VALUES (1, 'Boss Realname', NULL);
INSERT INTO employees SELECT g, 'Worker Realname' || g, 1 FROM generate_series(2, 50) g;
BEGIN;
INSERT INTO teams SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO members SELECT g, (g - 1) % 10 + 1 FROM generate_series(1, 40) g;
COMMIT;
INSERT INTO events SELECT g, date '2024-06-01' + (g % 400), 'login', '10.0.' || (g % 200) || '.' || (g % 250)
FROM generate_series(1, 1000) g;
)sql";

// Every column has a rule (strict: all): masked, or `keep`; columns
// referencing a key follow it.
constexpr const char* kMask = R"yaml(
tables:
  customers:
    id: keep
    country: keep
    email: email
    first_name: first_name
    last_name: last_name
    phone: phone
    born: { rule: birthdate, generalize: year }
    profile: { rule: json, paths: { "$.address.street": street } }
    notes: { rule: regex, pattern: '[a-z0-9.]+@[a-z.]+', replace: 'hidden@example.com' }
  addresses:
    n: keep
    street: street
    city: city
    postcode: postcode
  orders:
    id: keep
    total: { rule: keep, reason: "an amount" }
  employees:
    id: keep
    full_name: full_name
  teams:
    id: keep
  members:
    id: keep
  events:
    id: keep
    at: keep
    kind: keep
    ip_address: hash
)yaml";

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<PoolFixture>("reflink", /*sample_data=*/false);
    ASSERT_TRUE(pool_->ok()) << pool_->error();
    source_ = std::make_unique<SourceCluster>(dir_.path());
    ASSERT_TRUE(source_->ok());
    ASSERT_TRUE(source_->CreateDatabase("shop").ok());
    Exec(source_->Url("shop"), kSchema);
    mask_ = dir_.path() + "/mask.yaml";
    ASSERT_TRUE(os::WriteFileAtomic(mask_, kMask).ok());
    CliResult add = pool_->Run({"source", "add", "prod", "--url", source_->Url("shop")});
    ASSERT_EQ(add.exit_code, 0) << add.err;
  }
  void TearDown() override {
    pool_.reset();
    source_.reset();
  }
  std::string Main() const { return pool_->Uri("main"); }
  std::set<std::string> Column(const std::string& uri, const std::string& sql) {
    auto rows = QueryRows(uri, sql);
    std::set<std::string> out;
    for (const auto& r : rows) out.insert(r);
    return out;
  }
  CliResult Sync(std::vector<std::string> extra) {
    std::vector<std::string> args = {"sync", "prod", "--jobs", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return pool_->Run(args);
  }

  TempDir dir_;
  std::unique_ptr<PoolFixture> pool_;
  std::unique_ptr<SourceCluster> source_;
  std::string mask_;
};

TEST_F(SyncTest, MaskedSyncIsDeterministicKeyedFkConsistentAndLeavesNoOriginals) {
  CliResult first = Sync({"--mask", mask_, "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string snap1 = first.json()["snapshot"];
  auto emails1 = Column(Main(), "SELECT email FROM customers");
  ASSERT_EQ(emails1.size(), 300u) << "bijective: no two customers share a masked email";
  for (const auto& e : emails1) {
    EXPECT_EQ(e.find("@example.org"), std::string::npos) << "an original email survived";
  }
  // Foreign keys still join (text FK and composite FK), constraints are back.
  EXPECT_EQ(QueryValue(Main(),
                       "SELECT count(*) FROM orders o JOIN customers c "
                       "ON c.email = o.customer_email"),
            "900");
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"), "6");
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM events"), "1000");
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM events WHERE ip_address LIKE '10.0.%'"), "0");
  EXPECT_EQ(QueryValue(Main(),
                       "SELECT count(*) FROM customers WHERE profile->'address'->>'street' "
                       "LIKE '%Secretstreet'"),
            "0");
  EXPECT_EQ(QueryValue(Main(), "SELECT count(DISTINCT profile->>'tier') FROM customers"), "1");
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM customers WHERE notes LIKE '%.real@%'"), "0");
  EXPECT_EQ(QueryValue(Main(),
                       "SELECT count(*) FROM customers WHERE born <> date_trunc('year', "
                       "born)"),
            "0");
  EXPECT_EQ(QueryValue(Main(), "SELECT last_value FROM invoice_no"), "1006");
  // The materialized view is rebuilt from the masked rows.
  EXPECT_EQ(QueryValue(Main(),
                       "SELECT count(*) FROM customer_totals t JOIN customers c "
                       "ON c.email = t.customer_email"),
            "300");
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM employees WHERE full_name LIKE '%Realname%'"),
            "0");

  // Same key, second run: identical outputs.
  CliResult second = Sync({"--mask", mask_, "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.json()["snapshot"], snap1);
  EXPECT_EQ(Column(Main(), "SELECT email FROM customers"), emails1);

  // The proof: no sampled original value anywhere in the snapshot's files.
  CliResult verify = pool_->Run({"mask", "verify", snap1, "--source", "prod", "--json"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_TRUE(verify.json()["clean"].get<bool>());
  EXPECT_GT(verify.json()["values_searched"].get<int>(), 100);

  // Another key changes every output.
  const std::string key = dir_.path() + "/other.key";
  ASSERT_TRUE(os::WriteFileAtomic(key, std::string(64, 'a') + "\n", 0600).ok());
  ASSERT_EQ(Sync({"--mask", mask_, "--key-file", key}).exit_code, 0);
  auto emails3 = Column(Main(), "SELECT email FROM customers");
  int same = 0;
  for (const auto& e : emails3) same += emails1.count(e);
  EXPECT_EQ(same, 0);
}

TEST_F(SyncTest, StrictMaskRefusesPersonalColumnsWithoutRulesAndChangesNothing) {
  Exec(Main(), "CREATE TABLE keepme AS SELECT 1 AS x");
  ASSERT_TRUE(os::WriteFileAtomic(mask_, "tables:\n  customers:\n    email: email\n").ok());
  CliResult sync = Sync({"--mask", mask_});
  EXPECT_EQ(sync.exit_code, 5) << sync.err;
  EXPECT_NE(sync.err.find("customers.phone"), std::string::npos) << sync.err;
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM keepme"), "1");
  CliResult check = pool_->Run({"mask", "check", mask_, "--source", "prod"});
  EXPECT_EQ(check.exit_code, 5);
  EXPECT_NE(check.out.find("first_name"), std::string::npos) << check.out;
  // Without --mask or --no-mask a source with personal data is refused too.
  EXPECT_EQ(Sync({}).exit_code, 5);
}

TEST_F(SyncTest, UnmaskedSyncIsCaughtByVerify) {
  CliResult sync = Sync({"--no-mask", "--json"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  CliResult verify =
      pool_->Run({"mask", "verify", sync.json()["snapshot"], "--source", "prod", "--json"});
  EXPECT_EQ(verify.exit_code, 9) << verify.out;
  EXPECT_FALSE(verify.json()["clean"].get<bool>());
}

TEST_F(SyncTest, InterruptedSyncLeavesTheBranchAsItWas) {
  Exec(Main(), "CREATE TABLE before_sync AS SELECT 42 AS x");
  for (const char* point : {"sync.after_load", "sync.before_swap"}) {
    CliResult crashed =
        pool_->Run({"sync", "prod", "--mask", mask_}, {{"SPUR_CRASH_POINT", point}});
    EXPECT_EQ(crashed.exit_code, 99) << point << crashed.err;
    CliResult status = pool_->Run({"branch", "list"});  // reconciles
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_EQ(QueryValue(Main(), "SELECT x FROM before_sync"), "42") << point;
    EXPECT_FALSE(os::PathExists(pool_->pool() + "/data/branches/1.sync")) << point;
  }
  CliResult list = pool_->Run({"sync", "--list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  // Held in a variable: a range-for over json()["runs"] would iterate a
  // destroyed temporary.
  const nlohmann::json runs = list.json()["runs"];
  ASSERT_FALSE(runs.empty());
  for (const auto& run : runs) EXPECT_EQ(run["state"], "failed") << run.dump();
  ASSERT_EQ(Sync({"--mask", mask_}).exit_code, 0);
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM customers"), "300");
}

// Issue 11, item 6 for sync's swap: killed once the synced data is complete,
// the branch never loses both copies: before the swap intent is recorded it
// keeps its data; after, reconcile finishes the swap forward.
TEST_F(SyncTest, KillDuringSyncSwapKeepsBranch) {
  struct Case {
    const char* point;
    bool synced;  // the branch holds the synced data afterwards
  };
  for (const Case& c : {Case{"sync.before_swap", false}, Case{"sync.after_staging_rename", true},
                        Case{"branch.swap.after_move_away", true},
                        Case{"branch.swap.after_rename_in", true}, Case{"sync.after_swap", true}}) {
    Exec(Main(), "DROP TABLE IF EXISTS before_sync; CREATE TABLE before_sync AS SELECT 42 AS x");
    CliResult crashed =
        pool_->Run({"sync", "prod", "--mask", mask_}, {{"SPUR_CRASH_POINT", c.point}});
    EXPECT_EQ(crashed.exit_code, 99) << c.point << crashed.err;
    CliResult status = pool_->Run({"branch", "list"});  // reconciles
    EXPECT_EQ(status.exit_code, 0) << c.point << status.err;
    auto names = os::ListDir(pool_->pool() + "/data/branches");
    ASSERT_TRUE(names.ok());
    for (const auto& n : *names) EXPECT_EQ(n.find('.'), std::string::npos) << c.point << ": " << n;
    ASSERT_EQ(pool_->Run({"branch", "start", "main"}).exit_code, 0) << c.point;
    EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM pg_tables WHERE tablename = 'before_sync'"),
              c.synced ? "0" : "1")
        << c.point;
    if (c.synced) {
      EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM customers"), "300") << c.point;
    }
  }
}

TEST_F(SyncTest, PhysicalSourceIsFollowedAndItsSnapshotsMakeWritableBranches) {
  ASSERT_EQ(
      pool_->Run({"source", "add", "replica", "--mode", "physical", "--url", source_->Url("shop")})
          .exit_code,
      0);
  CliResult masked = pool_->Run({"sync", "replica", "--mask", mask_});
  EXPECT_EQ(masked.exit_code, 5);
  EXPECT_NE(masked.err.find("cannot be masked"), std::string::npos) << masked.err;
  ASSERT_EQ(pool_->Run({"branch", "create", "stage"}).exit_code, 0);
  CliResult first = pool_->Run({"sync", "replica", "--into", "stage", "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // A standby: the source's new rows stream in.
  Exec(source_->Url("shop"), "INSERT INTO employees VALUES (500, 'Streamed In', 1)");
  const std::string standby = pool_->SuperuserConninfo("stage", "shop");
  std::string seen;
  for (int i = 0; i < 100 && seen != "1"; ++i) {
    seen = QueryValue(standby, "SELECT count(*) FROM employees WHERE id = 500");
    if (seen != "1") usleep(100 * 1000);
  }
  EXPECT_EQ(seen, "1");
  EXPECT_EQ(QueryValue(standby, "SELECT pg_is_in_recovery()"), "t");
  // Later runs only take a snapshot of the standby.
  CliResult second = pool_->Run({"sync", "replica", "--into", "stage", "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.json()["snapshot"], first.json()["snapshot"]);
  CliResult child = pool_->Run({"branch", "create", "qa", "--from", "stage"});
  ASSERT_EQ(child.exit_code, 0) << child.err;
  const std::string qa = pool_->Uri("qa");
  EXPECT_EQ(QueryValue(qa, "SELECT pg_is_in_recovery()"), "f");
  Exec(qa, "INSERT INTO employees VALUES (501, 'Only In QA', 1)");
  EXPECT_EQ(QueryValue(qa, "SELECT count(*) FROM employees"), "52");
}

TEST_F(SyncTest, SubsetKeepsEveryForeignKeyValid) {
  const std::string subset = dir_.path() + "/subset.yaml";
  ASSERT_TRUE(
      os::WriteFileAtomic(subset, "roots:\n  orders: { where: \"id <= 30\" }\nothers: none\n")
          .ok());
  CliResult sync = Sync({"--mask", mask_, "--subset", subset, "--json"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_EQ(QueryValue(Main(), "SELECT count(*) FROM orders"), "30");
  EXPECT_EQ(QueryValue(Main(),
                       "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                       "convalidated"),
            "6");
  int customers = std::stoi(QueryValue(Main(), "SELECT count(*) FROM customers"));
  EXPECT_GT(customers, 0);
  EXPECT_LE(customers, 30);
}

TEST_F(SyncTest, SourcesRejectBadInputAndHidePasswords) {
  EXPECT_EQ(pool_->Run({"source", "add", "Bad Name", "--url", "postgres://x"}).exit_code, 2);
  EXPECT_EQ(pool_->Run({"source", "add", "x", "--url", "host=/nonexistent port=1", "--no-check"})
                .exit_code,
            0);
  EXPECT_EQ(pool_->Run({"source", "add", "x", "--url", "postgres://a@b/c", "--no-check"}).exit_code,
            4);
  EXPECT_EQ(pool_->Run({"source", "add", "y", "--url", "postgres://u:pw@127.0.0.1:1/db"}).exit_code,
            6);
  ASSERT_EQ(pool_->Run({"source", "add", "z", "--url", "postgres://u:sekret@h/db", "--no-check"})
                .exit_code,
            0);
  CliResult list = pool_->Run({"source", "list"});
  EXPECT_EQ(list.out.find("sekret"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("***"), std::string::npos) << list.out;
  EXPECT_EQ(Sync({"--mask", dir_.path() + "/missing.yaml"}).exit_code, 3);
  EXPECT_EQ(pool_->Run({"sync", "nosuch", "--no-mask"}).exit_code, 3);
}

}  // namespace
}  // namespace spur::testing
