// pg::ReadSchema over a real postgres: the catalog corner cases a sync
// meets (composite and unique-not-PK foreign keys, self-references, domains,
// generated columns, partitions on both sides of a foreign key, extension
// members).
#include "pg/schema.h"

#include <gtest/gtest.h>

#include "harness.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

constexpr const char* kSchema = R"sql(
  CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
  CREATE DOMAIN work_email AS email;
  CREATE TABLE regions (country char(2), code int, name text, PRIMARY KEY (country, code));
  CREATE TABLE stores (
    id bigint PRIMARY KEY, dropped int, sku text NOT NULL UNIQUE, country char(2), region int,
    contact work_email, total numeric(10,2),
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED,
    FOREIGN KEY (region, country) REFERENCES regions (code, country));
  ALTER TABLE stores DROP COLUMN dropped;
  CREATE TABLE items (id int PRIMARY KEY, code text, label text,
                      store_sku text REFERENCES stores (sku), parent_id int REFERENCES items (id));
  CREATE UNIQUE INDEX items_code ON items (code) INCLUDE (label);
  CREATE UNIQUE INDEX items_lower_label ON items (lower(label));
  CREATE UNIQUE INDEX items_positive ON items (label) WHERE id > 0;
  CREATE TABLE events (id int, at date, store_id bigint REFERENCES stores (id),
                       PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE event_notes (id int PRIMARY KEY, event_id int, event_at date,
                            FOREIGN KEY (event_id, event_at) REFERENCES events (id, at));
  CREATE TABLE ext_owned (id int);
  ALTER EXTENSION plpgsql ADD TABLE ext_owned;
  CREATE SCHEMA other;
  CREATE TABLE other."Mixed Case" (id int);
  INSERT INTO regions SELECT 'de', g, 'r' || g FROM generate_series(1, 40) g;
  ANALYZE regions;
)sql";

class SchemaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cluster_ = new SourceCluster(dir_->path());
    if (!cluster_->ok()) return;
    auto conn = pg::Connection::Open(cluster_->Url());
    if (!conn.ok() || !conn->Exec(kSchema).ok()) return;
    auto schema = pg::ReadSchema(*conn);
    if (schema.ok()) schema_ = new pg::Schema(*schema);
  }
  static void TearDownTestSuite() {
    delete schema_;
    delete cluster_;
    delete dir_;
    schema_ = nullptr;
    cluster_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(schema_, nullptr) << "source cluster or schema setup failed"; }

  const pg::Table& Table(const std::string& qualified) {
    const pg::Table* t = schema_->Find(qualified);
    EXPECT_NE(t, nullptr) << qualified;
    static const pg::Table kMissing;
    return t ? *t : kMissing;
  }

  static TempDir* dir_;
  static SourceCluster* cluster_;
  static pg::Schema* schema_;
};

TempDir* SchemaTest::dir_ = nullptr;
SourceCluster* SchemaTest::cluster_ = nullptr;
pg::Schema* SchemaTest::schema_ = nullptr;

using Names = std::vector<std::string>;

TEST_F(SchemaTest, ListsUserTablesBySchemaThenNameWithoutExtensionMembers) {
  Names names;
  for (const pg::Table& t : schema_->tables) names.push_back(t.qualified);
  EXPECT_EQ(names, (Names{"other.\"Mixed Case\"", "public.event_notes", "public.events",
                          "public.events_2024", "public.events_2025", "public.items",
                          "public.regions", "public.stores"}));
  EXPECT_EQ(schema_->Find("public.ext_owned"), nullptr);
  EXPECT_EQ(Table("other.\"Mixed Case\"").schema, "other");
  EXPECT_EQ(Table("other.\"Mixed Case\"").name, "Mixed Case");
}

TEST_F(SchemaTest, ColumnsResolveDomainsAndMarkGeneratedOnes) {
  const pg::Table& stores = Table("public.stores");
  ASSERT_EQ(stores.columns.size(), 7u) << "the dropped column is left out";
  Names names;
  for (const pg::Column& c : stores.columns) names.push_back(c.name);
  EXPECT_EQ(names, (Names{"id", "sku", "country", "region", "contact", "total", "doubled"}));
  EXPECT_EQ(stores.columns[0].type, "bigint");
  EXPECT_EQ(stores.columns[0].base_type, "int8");
  EXPECT_TRUE(stores.columns[0].not_null);
  EXPECT_TRUE(stores.columns[1].not_null);
  EXPECT_FALSE(stores.columns[3].not_null);
  EXPECT_EQ(stores.columns[2].type, "character(2)");
  EXPECT_EQ(stores.columns[2].base_type, "bpchar");
  EXPECT_EQ(stores.columns[4].type, "work_email");
  EXPECT_EQ(stores.columns[4].base_type, "text") << "a domain over a domain resolves to text";
  EXPECT_EQ(stores.columns[5].type, "numeric(10,2)");
  EXPECT_EQ(stores.columns[5].base_type, "numeric");
  EXPECT_FALSE(stores.columns[5].generated);
  EXPECT_TRUE(stores.columns[6].generated);
}

TEST_F(SchemaTest, KeysPutThePrimaryKeyFirstAndSkipPartialAndExpressionIndexes) {
  const pg::Table& stores = Table("public.stores");
  ASSERT_EQ(stores.keys.size(), 2u);
  EXPECT_TRUE(stores.keys[0].primary);
  EXPECT_EQ(stores.keys[0].columns, Names{"id"});
  EXPECT_FALSE(stores.keys[1].primary);
  EXPECT_EQ(stores.keys[1].columns, Names{"sku"});

  const pg::Table& items = Table("public.items");
  ASSERT_EQ(items.keys.size(), 2u);
  EXPECT_EQ(items.keys[0].name, "items_pkey");
  EXPECT_EQ(items.keys[1].name, "items_code");
  EXPECT_EQ(items.keys[1].columns, Names{"code"}) << "INCLUDE columns are not key columns";

  const pg::Table& regions = Table("public.regions");
  ASSERT_EQ(regions.keys.size(), 1u);
  EXPECT_EQ(regions.keys[0].columns, (Names{"country", "code"}));
}

TEST_F(SchemaTest, ForeignKeysKeepColumnOrderAndAppearOncePerPartitionedTable) {
  ASSERT_EQ(schema_->foreign_keys.size(), 5u);
  std::vector<const pg::ForeignKey*> fks;
  for (const pg::ForeignKey& fk : schema_->foreign_keys) fks.push_back(&fk);
  // Ordered by referencing table, then constraint name.
  EXPECT_EQ(fks[0]->table, "public.event_notes");
  EXPECT_EQ(fks[0]->ref_table, "public.events");
  EXPECT_EQ(fks[0]->columns, (Names{"event_id", "event_at"}));
  EXPECT_EQ(fks[0]->ref_columns, (Names{"id", "at"}));
  EXPECT_EQ(fks[1]->table, "public.events");
  EXPECT_EQ(fks[1]->ref_table, "public.stores");
  EXPECT_EQ(fks[2]->table, "public.items");
  EXPECT_EQ(fks[2]->ref_table, "public.items");
  EXPECT_EQ(fks[2]->columns, Names{"parent_id"});
  EXPECT_EQ(fks[3]->table, "public.items");
  EXPECT_EQ(fks[3]->ref_table, "public.stores");
  EXPECT_EQ(fks[3]->ref_columns, Names{"sku"}) << "a unique column that is not the primary key";
  EXPECT_EQ(fks[4]->table, "public.stores");
  EXPECT_EQ(fks[4]->columns, (Names{"region", "country"}));
  EXPECT_EQ(fks[4]->ref_columns, (Names{"code", "country"}));
}

TEST_F(SchemaTest, PartitionsKnowTheirParentAndPartitionedTablesHoldNoRows) {
  const pg::Table& events = Table("public.events");
  EXPECT_EQ(events.kind, 'p');
  EXPECT_FALSE(events.leaf());
  EXPECT_EQ(events.bytes, 0);
  EXPECT_FALSE(events.partition_of.has_value());
  const pg::Table& part = Table("public.events_2024");
  EXPECT_EQ(part.kind, 'r');
  EXPECT_TRUE(part.leaf());
  EXPECT_EQ(part.partition_of.value_or(""), "public.events");
  EXPECT_GE(part.bytes, 0);
  ASSERT_FALSE(part.keys.empty());
  EXPECT_TRUE(part.keys[0].primary);
}

TEST_F(SchemaTest, SizesAndEstimatesComeFromTheCatalog) {
  EXPECT_EQ(Table("public.regions").estimated_rows, 40);
  EXPECT_GT(Table("public.regions").bytes, 0);
  EXPECT_EQ(Table("public.stores").estimated_rows, 0) << "never analysed reads as 0";
}

TEST_F(SchemaTest, KeyColumnsIncludeKeysAndReferencingColumnsAlsoThroughPartitions) {
  EXPECT_TRUE(schema_->IsKeyColumn("public.stores", "id"));
  EXPECT_TRUE(schema_->IsKeyColumn("public.stores", "sku"));
  EXPECT_TRUE(schema_->IsKeyColumn("public.stores", "region"));
  EXPECT_FALSE(schema_->IsKeyColumn("public.stores", "total"));
  EXPECT_TRUE(schema_->IsKeyColumn("public.items", "parent_id"));
  EXPECT_FALSE(schema_->IsKeyColumn("public.items", "label"));
  EXPECT_TRUE(schema_->IsKeyColumn("public.events_2025", "store_id"));
  EXPECT_FALSE(schema_->IsKeyColumn("public.nope", "id"));
}

TEST_F(SchemaTest, ReadsTheSchemaInsideARepeatableReadSnapshot) {
  auto conn = pg::Connection::Open(cluster_->Url());
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  ASSERT_TRUE(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  ASSERT_TRUE(conn->QueryValue("SELECT 1").ok());
  Exec(cluster_->Url(), "CREATE TABLE later (id int)");
  auto schema = pg::ReadSchema(*conn);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(schema->Find("public.later"), nullptr) << "made after the snapshot";
  ASSERT_TRUE(conn->Exec("COMMIT").ok());
  Exec(cluster_->Url(), "DROP TABLE later");
}

}  // namespace
}  // namespace spur::testing
