// Ordering of the planned script on hand-built catalogs: the dependency cases
// other tools get wrong (views on views over a retyped column, a view on a
// primary key, INSTEAD OF triggers lost with their view), creation before
// use, drops in reverse dependency order, and a cycle reported as an error.
#include <gtest/gtest.h>

#include "diff_schema_test_util.h"

namespace spur::diff::schema::testing {
namespace {

// accounts(id, balance numeric) <- v1 <- v2; v1 has an INSTEAD OF trigger and a grant.
Catalog ViewsOverColumn(const std::string& balance_type) {
  Catalog c;
  c.tables.push_back(
      MakeTable("accounts", {Col("id", "integer", true), Col("balance", balance_type)}));
  c.views.push_back(MakeView("v1", "SELECT id, balance FROM public.accounts",
                             {Col("id", "integer"), Col("balance", balance_type)}));
  c.views.back().acl.push_back(Grant{"spur_reader", "SELECT", false});
  c.views.push_back(MakeView("v2", "SELECT id FROM public.v1", {Col("id", "integer")}));
  c.functions.push_back(MakeFunction("v1_ins", "", "trigger", "BEGIN RETURN NEW; END"));
  c.triggers.push_back(Trigger{"public", "v1", "v1_ins",
                               "CREATE TRIGGER v1_ins INSTEAD OF INSERT ON public.v1 FOR EACH ROW "
                               "EXECUTE FUNCTION public.v1_ins()",
                               'O', std::nullopt});
  c.dependencies = {
      {"view public.v1", "column public.accounts.balance", 'n'},
      {"view public.v1", "column public.accounts.id", 'n'},
      {"view public.v2", "view public.v1", 'n'},
      {"trigger v1_ins on public.v1", "view public.v1", 'a'},
      {"trigger v1_ins on public.v1", "function public.v1_ins()", 'n'},
  };
  return c;
}

TEST(DiffSchemaOrdering, ViewsOnViewsComeDownBeforeTheColumnTypeChangesAndBackAfter) {
  SchemaDiff d = MustDiff(ViewsOverColumn("numeric(10,2)"), ViewsOverColumn("numeric(14,4)"));
  int drop_v2 = Find(d, "DROP VIEW public.v2"), drop_v1 = Find(d, "DROP VIEW public.v1");
  int alter = Find(d, "ALTER TABLE public.accounts ALTER COLUMN balance TYPE numeric(14,4)");
  int create_v1 = Find(d, "CREATE VIEW public.v1"), create_v2 = Find(d, "CREATE VIEW public.v2");
  int trigger = Find(d, "CREATE TRIGGER v1_ins"),
      grant = Find(d, "GRANT SELECT ON TABLE public.v1");
  ASSERT_GE(drop_v2, 0) << Script(d);
  EXPECT_LT(drop_v2, drop_v1);
  EXPECT_LT(drop_v1, alter);
  EXPECT_LT(alter, create_v1);
  EXPECT_LT(create_v1, create_v2);
  EXPECT_GT(trigger, create_v1) << "the INSTEAD OF trigger comes back with its view";
  EXPECT_GT(grant, create_v1) << "and so does the grant";
  EXPECT_EQ(Find(d, "DROP TRIGGER"), -1) << "the trigger goes with its view";
  EXPECT_EQ(Find(d, "CREATE OR REPLACE FUNCTION"), -1) << "the trigger function is unchanged";
}

TEST(DiffSchemaOrdering, ViewOnAPrimaryKeyIsRecreatedAroundTheNewKey) {
  auto make = [](const std::string& pk) {
    Catalog c;
    c.tables.push_back(MakeTable("customers", {Col("id", "integer", true), Col("name", "text")}));
    c.constraints.push_back(MakeConstraint("customers", pk, 'p', "PRIMARY KEY (id)"));
    c.constraints.back().index_definition =
        "CREATE UNIQUE INDEX " + pk + " ON public.customers USING btree (id)";
    c.views.push_back(MakeView("totals", "SELECT id, name FROM public.customers GROUP BY id",
                               {Col("id", "integer"), Col("name", "text")}));
    c.dependencies = {{"view public.totals", "constraint " + pk + " on public.customers", 'n'},
                      {"view public.totals", "column public.customers.id", 'n'}};
    return c;
  };
  SchemaDiff d = MustDiff(make("customers_pkey"), make("customers_pk"));
  int build = Find(d, "CREATE UNIQUE INDEX CONCURRENTLY customers_pk ON public.customers");
  int drop_view = Find(d, "DROP VIEW public.totals");
  int drop_pk = Find(d, "ALTER TABLE public.customers DROP CONSTRAINT customers_pkey");
  int add_pk = Find(d,
                    "ALTER TABLE public.customers ADD CONSTRAINT customers_pk PRIMARY KEY USING "
                    "INDEX customers_pk");
  int create_view = Find(d, "CREATE VIEW public.totals");
  ASSERT_GE(build, 0) << Script(d);
  EXPECT_LT(build, drop_view) << "the new key's index is built before anything is dropped";
  EXPECT_LT(drop_view, drop_pk);
  EXPECT_LT(drop_pk, add_pk);
  EXPECT_LT(add_pk, create_view);
  EXPECT_FALSE(d.statements[build].transactional);
}

TEST(DiffSchemaOrdering, FunctionsComeBeforeTheViewsDefaultsAndChecksThatUseThem) {
  Catalog from;
  from.tables.push_back(MakeTable("t", {Col("id", "integer"), Col("code", "text")}));
  Catalog to = from;
  to.functions.push_back(MakeFunction("make_code", "", "text", "SELECT 'x'"));
  to.functions.push_back(MakeFunction("ok", "v text", "boolean", "SELECT true"));
  to.tables[0].columns[1].default_expr = "public.make_code()";
  to.constraints.push_back(MakeConstraint("t", "t_code_ok", 'c', "CHECK (public.ok(code))"));
  to.views.push_back(MakeView("v", "SELECT public.make_code() AS c", {Col("c", "text")}));
  to.dependencies = {{"default public.t.code", "function public.make_code()", 'n'},
                     {"constraint t_code_ok on public.t", "function public.ok(v text)", 'n'},
                     {"view public.v", "function public.make_code()", 'n'}};
  SchemaDiff d = MustDiff(from, to);
  int fn = Find(d, "CREATE OR REPLACE FUNCTION public.make_code()");
  int ok = Find(d, "CREATE OR REPLACE FUNCTION public.ok(v text)");
  ASSERT_GE(fn, 0) << Script(d);
  EXPECT_LT(fn, Find(d, "ALTER TABLE public.t ALTER COLUMN code SET DEFAULT public.make_code()"));
  EXPECT_LT(fn, Find(d, "CREATE VIEW public.v"));
  EXPECT_LT(
      ok,
      Find(d, "ALTER TABLE public.t ADD CONSTRAINT t_code_ok CHECK (public.ok(code)) NOT VALID"));
}

TEST(DiffSchemaOrdering, DropsRunInReverseDependencyOrder) {
  Catalog from;
  from.tables.push_back(MakeTable("parent", {Col("id", "integer", true)}));
  from.tables.push_back(MakeTable("child", {Col("id", "integer"), Col("parent_id", "integer")}));
  from.constraints.push_back(MakeConstraint("parent", "parent_pkey", 'p', "PRIMARY KEY (id)"));
  from.constraints.push_back(MakeConstraint(
      "child", "child_parent_fkey", 'f', "FOREIGN KEY (parent_id) REFERENCES public.parent(id)"));
  from.views.push_back(MakeView("pv", "SELECT id FROM public.parent", {Col("id", "integer")}));
  from.dependencies = {
      {"constraint child_parent_fkey on public.child", "constraint parent_pkey on public.parent",
       'n'},
      {"constraint child_parent_fkey on public.child", "column public.parent.id", 'n'},
      {"constraint child_parent_fkey on public.child", "column public.child.parent_id", 'a'},
      {"constraint parent_pkey on public.parent", "column public.parent.id", 'a'},
      {"view public.pv", "column public.parent.id", 'n'}};
  Catalog to;
  to.tables.push_back(MakeTable("child", {Col("id", "integer"), Col("parent_id", "integer")}));
  SchemaDiff d = MustDiff(from, to);
  int fk = Find(d, "ALTER TABLE public.child DROP CONSTRAINT child_parent_fkey");
  int view = Find(d, "DROP VIEW public.pv"), table = Find(d, "DROP TABLE public.parent");
  ASSERT_GE(table, 0) << Script(d);
  EXPECT_LT(fk, table);
  EXPECT_LT(view, table);
  EXPECT_EQ(Find(d, "ALTER TABLE public.parent DROP CONSTRAINT"), -1)
      << "the primary key goes with its table";
  EXPECT_TRUE(HasHazard(&d.statements[table], Hazard::kDeletesData));
}

TEST(DiffSchemaOrdering, ARecreatedFunctionTakesItsUsersDownAndBackUp) {
  auto make = [](const std::string& result) {
    Catalog c;
    c.tables.push_back(MakeTable("items", {Col("id", "integer"), Col("price", "numeric")}));
    c.functions.push_back(MakeFunction("tax", "p numeric", result, "SELECT p"));
    c.views.push_back(
        MakeView("taxed", "SELECT public.tax(price) AS t FROM public.items", {Col("t", result)}));
    c.dependencies = {{"view public.taxed", "function public.tax(p numeric)", 'n'},
                      {"view public.taxed", "column public.items.price", 'n'}};
    return c;
  };
  SchemaDiff d = MustDiff(make("numeric"), make("double precision"));
  std::vector<std::string> want = {"DROP VIEW public.taxed;",
                                   "DROP FUNCTION public.tax(p numeric);"};
  ASSERT_GE(d.statements.size(), 4u) << Script(d);
  EXPECT_EQ(d.statements[0].sql, want[0]);
  EXPECT_EQ(d.statements[1].sql, want[1]);
  EXPECT_EQ(Find(d, "CREATE OR REPLACE FUNCTION public.tax"), 2);
  EXPECT_EQ(Find(d, "CREATE VIEW public.taxed"), 3);
  EXPECT_TRUE(HasHazard(&d.statements[1], Hazard::kBreaksDependents));
}

TEST(DiffSchemaOrdering, ACycleIsReportedNotEmitted) {
  Catalog to;
  to.views.push_back(MakeView("a", "SELECT 1", {Col("x", "integer")}));
  to.views.push_back(MakeView("b", "SELECT 1", {Col("x", "integer")}));
  to.dependencies = {{"view public.a", "view public.b", 'n'},
                     {"view public.b", "view public.a", 'n'}};
  SortCatalog(to);
  auto d = Diff(Catalog{}, to);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("view public.a"), std::string::npos) << d.status().message();
}

TEST(DiffSchemaOrdering, EqualCatalogsGiveAnEmptyDiff) {
  Catalog c = ViewsOverColumn("numeric");
  SchemaDiff d = MustDiff(c, c);
  EXPECT_TRUE(d.empty()) << Script(d);
}

}  // namespace
}  // namespace spur::diff::schema::testing
