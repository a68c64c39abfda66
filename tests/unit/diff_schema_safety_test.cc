// What the script does to a live database: online forms on tables that hold
// rows (CONCURRENTLY, NOT VALID + VALIDATE, USING INDEX, a checked SET NOT
// NULL), plain forms on new tables, and the hazards every statement carries.
#include <gtest/gtest.h>

#include "diff_schema_test_util.h"

namespace spur::diff::schema::testing {
namespace {

Catalog Orders() {
  Catalog c;
  c.tables.push_back(MakeTable(
      "orders", {Col("id", "integer"), Col("customer_id", "integer"), Col("note", "text")}));
  c.tables.push_back(MakeTable("customers", {Col("id", "integer", true)}));
  c.constraints.push_back(MakeConstraint("customers", "customers_pkey", 'p', "PRIMARY KEY (id)"));
  c.constraints.back().index_definition =
      "CREATE UNIQUE INDEX customers_pkey ON public.customers USING btree (id)";
  return c;
}

TEST(DiffSchemaSafety, IndexOnAnExistingTableIsBuiltConcurrentlyOutsideATransaction) {
  Catalog to = Orders();
  to.indexes.push_back(MakeIndex("orders_customer", "orders", "customer_id"));
  SchemaDiff d = MustDiff(Orders(), to);
  ASSERT_EQ(d.statements.size(), 1u) << Script(d);
  EXPECT_EQ(
      d.statements[0].sql,
      "CREATE INDEX CONCURRENTLY orders_customer ON public.orders USING btree (customer_id);");
  EXPECT_FALSE(d.statements[0].transactional);
  EXPECT_TRUE(HasHazard(&d.statements[0], Hazard::kBuildsIndex));
  EXPECT_EQ(d.statements[0].object, "index public.orders_customer");

  SchemaDiff back = MustDiff(to, Orders());
  ASSERT_EQ(back.statements.size(), 1u) << Script(back);
  EXPECT_EQ(back.statements[0].sql, "DROP INDEX CONCURRENTLY public.orders_customer;");
  EXPECT_FALSE(back.statements[0].transactional);
}

TEST(DiffSchemaSafety, IndexOnANewTableIsPlainAndInTheTransaction) {
  Catalog to = Orders();
  to.tables.push_back(MakeTable("lines", {Col("order_id", "integer")}));
  to.indexes.push_back(MakeIndex("lines_order", "lines", "order_id"));
  SchemaDiff d = MustDiff(Orders(), to);
  const Statement* s = FindStatement(d, "CREATE INDEX lines_order ON public.lines");
  ASSERT_NE(s, nullptr) << Script(d);
  EXPECT_TRUE(s->transactional);
  EXPECT_TRUE(s->hazards.empty());
  EXPECT_LT(Find(d, "CREATE TABLE public.lines"), Find(d, "CREATE INDEX lines_order"));
}

TEST(DiffSchemaSafety, ChangedIndexIsBuiltAnewAndSwappedIn) {
  Catalog from = Orders(), to = Orders();
  from.indexes.push_back(MakeIndex("orders_note", "orders", "note"));
  to.indexes.push_back(MakeIndex("orders_note", "orders", "note, id"));
  SchemaDiff d = MustDiff(from, to);
  EXPECT_EQ(Sqls(d), (std::vector<std::string>{
                         "CREATE INDEX CONCURRENTLY orders_note_spur_new ON public.orders USING "
                         "btree (note, id);",
                         "DROP INDEX CONCURRENTLY public.orders_note;",
                         "ALTER INDEX public.orders_note_spur_new RENAME TO orders_note;"}));
}

TEST(DiffSchemaSafety, CheckAndForeignKeyAreAddedNotValidThenValidatedOnTheirOwn) {
  Catalog to = Orders();
  to.constraints.push_back(
      MakeConstraint("orders", "orders_note_check", 'c', "CHECK ((note <> ''::text))"));
  to.constraints.push_back(
      MakeConstraint("orders", "orders_customer_fkey", 'f',
                     "FOREIGN KEY (customer_id) REFERENCES public.customers(id)"));
  to.dependencies = {{"constraint orders_customer_fkey on public.orders",
                      "constraint customers_pkey on public.customers", 'n'}};
  SchemaDiff d = MustDiff(Orders(), to);
  const Statement* check =
      FindStatement(d, "ALTER TABLE public.orders ADD CONSTRAINT orders_note_check");
  const Statement* fk =
      FindStatement(d, "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_fkey");
  const Statement* vcheck =
      FindStatement(d, "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_note_check;");
  const Statement* vfk =
      FindStatement(d, "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_fkey;");
  ASSERT_TRUE(check && fk && vcheck && vfk) << Script(d);
  EXPECT_NE(check->sql.find(" NOT VALID;"), std::string::npos);
  EXPECT_NE(fk->sql.find(" NOT VALID;"), std::string::npos);
  EXPECT_TRUE(HasHazard(fk, Hazard::kBlocksWrites));
  EXPECT_TRUE(HasHazard(vcheck, Hazard::kValidates));
  EXPECT_FALSE(vcheck->transactional) << "validated in a transaction of its own";
  EXPECT_LT(Find(d, "ALTER TABLE public.orders ADD CONSTRAINT orders_note_check"),
            Find(d, "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_note_check"));
}

TEST(DiffSchemaSafety, ConstraintNotValidInTheTargetStaysUnvalidated) {
  Catalog to = Orders();
  to.constraints.push_back(
      MakeConstraint("orders", "orders_note_check", 'c', "CHECK ((note <> ''::text))"));
  to.constraints.back().validated = false;
  SchemaDiff d = MustDiff(Orders(), to);
  ASSERT_EQ(d.statements.size(), 1u) << Script(d);
  EXPECT_EQ(d.statements[0].sql,
            "ALTER TABLE public.orders ADD CONSTRAINT orders_note_check CHECK ((note <> ''::text)) "
            "NOT VALID;");
  // And validating it later is a step of its own.
  SchemaDiff later = MustDiff(to, [&] {
    Catalog c = to;
    c.constraints.back().validated = true;
    return c;
  }());
  EXPECT_EQ(Sqls(later), std::vector<std::string>{
                             "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_note_check;"});
}

TEST(DiffSchemaSafety, PrimaryKeyOnATableWithRowsIsBuiltConcurrentlyThenAttached) {
  Catalog from = Orders(), to = Orders();
  for (Table& t : to.tables) {
    if (t.name == "orders") t.columns[0].not_null = true;
  }
  to.constraints.push_back(MakeConstraint("orders", "orders_pkey", 'p', "PRIMARY KEY (id)"));
  to.constraints.back().index_definition =
      "CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)";
  to.dependencies = {{"constraint orders_pkey on public.orders", "column public.orders.id", 'a'}};
  SchemaDiff d = MustDiff(from, to);
  int build =
      Find(d, "CREATE UNIQUE INDEX CONCURRENTLY orders_pkey ON public.orders USING btree (id);");
  int attach = Find(
      d,
      "ALTER TABLE public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;");
  int not_null = Find(d, "ALTER TABLE public.orders ALTER COLUMN id SET NOT NULL;");
  ASSERT_GE(build, 0) << Script(d);
  EXPECT_LT(build, attach);
  EXPECT_LT(not_null, attach) << "the key's column is NOT NULL before the key";
}

TEST(DiffSchemaSafety, SetNotNullIsCheckedByAValidatedConstraintFirst) {
  Catalog to = Orders();
  for (Table& t : to.tables) {
    if (t.name == "orders") t.columns[2].not_null = true;
  }
  SchemaDiff d = MustDiff(Orders(), to);
  EXPECT_EQ(Sqls(d), (std::vector<std::string>{
                         "ALTER TABLE public.orders ADD CONSTRAINT note_spur_not_null CHECK (note "
                         "IS NOT NULL) NOT VALID;",
                         "ALTER TABLE public.orders VALIDATE CONSTRAINT note_spur_not_null;",
                         "ALTER TABLE public.orders ALTER COLUMN note SET NOT NULL;",
                         "ALTER TABLE public.orders DROP CONSTRAINT note_spur_not_null;"}));
  EXPECT_FALSE(d.statements[1].transactional);
}

TEST(DiffSchemaSafety, ColumnTypeChangesSayWhetherTheyRewriteOrLoseData) {
  auto with = [](const std::string& type) {
    Catalog c;
    c.tables.push_back(MakeTable("t", {Col("v", type)}));
    return c;
  };
  auto statement = [&](const std::string& from, const std::string& to) {
    SchemaDiff d = MustDiff(with(from), with(to));
    EXPECT_EQ(d.statements.size(), 1u) << Script(d);
    return d.statements.empty() ? Statement{} : d.statements[0];
  };
  Statement widen = statement("character varying(10)", "character varying(20)");
  EXPECT_EQ(widen.sql,
            "ALTER TABLE public.t ALTER COLUMN v TYPE character varying(20) USING v::character "
            "varying(20);");
  EXPECT_FALSE(HasHazard(&widen, Hazard::kRewritesTable));
  EXPECT_TRUE(HasHazard(&widen, Hazard::kAccessExclusive));
  Statement bigger = statement("integer", "bigint");
  EXPECT_TRUE(HasHazard(&bigger, Hazard::kRewritesTable));
  EXPECT_FALSE(HasHazard(&bigger, Hazard::kDeletesData));
  Statement narrow = statement("text", "character varying(5)");
  EXPECT_TRUE(HasHazard(&narrow, Hazard::kRewritesTable));
  EXPECT_TRUE(HasHazard(&narrow, Hazard::kDeletesData));
}

TEST(DiffSchemaSafety, DropsGrantsAndSecurityDefinerCarryTheirHazards) {
  Catalog from = Orders(), to = Orders();
  from.tables.push_back(MakeTable("old", {Col("id", "integer")}));
  for (Table& t : to.tables) {
    if (t.name == "orders") t.acl.push_back(Grant{"spur_reader", "SELECT", false});
  }
  to.functions.push_back(MakeFunction("f", "", "integer", "SELECT 1"));
  to.functions.back().security_definer = true;
  SchemaDiff d = MustDiff(from, to);
  const Statement* drop = FindStatement(d, "DROP TABLE public.old;");
  EXPECT_TRUE(HasHazard(drop, Hazard::kDeletesData));
  EXPECT_TRUE(HasHazard(drop, Hazard::kAccessExclusive));
  EXPECT_TRUE(HasHazard(FindStatement(d, "GRANT SELECT ON TABLE public.orders TO spur_reader;"),
                        Hazard::kAuthorization));
  EXPECT_TRUE(
      HasHazard(FindStatement(d, "CREATE OR REPLACE FUNCTION public.f()"), Hazard::kAuthorization));
}

TEST(DiffSchemaSafety, AddedColumnWithAVolatileDefaultRewritesTheTable) {
  Catalog to = Orders();
  for (Table& t : to.tables) {
    if (t.name != "orders") continue;
    t.columns.push_back(Col("created", "timestamp with time zone"));
    t.columns.back().default_expr = "now()";
    t.columns.push_back(Col("token", "uuid"));
    t.columns.back().default_expr = "gen_random_uuid()";
  }
  SchemaDiff d = MustDiff(Orders(), to);
  const Statement* stable = FindStatement(d, "ALTER TABLE public.orders ADD COLUMN created");
  const Statement* volatile_ = FindStatement(d, "ALTER TABLE public.orders ADD COLUMN token");
  ASSERT_TRUE(stable && volatile_) << Script(d);
  EXPECT_FALSE(HasHazard(stable, Hazard::kRewritesTable));
  EXPECT_TRUE(HasHazard(volatile_, Hazard::kRewritesTable));
}

}  // namespace
}  // namespace spur::diff::schema::testing
