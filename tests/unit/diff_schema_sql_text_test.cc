// The pure helpers under the diff: identifier and literal quoting, object
// keys, the type-change heuristics, privileges and enum value placement.
#include <gtest/gtest.h>

#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"
#include "diff/schema/type_change.h"
#include "diff_schema_test_util.h"

namespace spur::diff::schema::testing {
namespace {

TEST(DiffSchemaSqlText, QuoteIdentMatchesPostgres) {
  EXPECT_EQ(QuoteIdent("orders"), "orders");
  EXPECT_EQ(QuoteIdent("order"), "\"order\"");
  EXPECT_EQ(QuoteIdent("user"), "\"user\"");
  EXPECT_EQ(QuoteIdent("name"), "name") << "unreserved keywords stay bare";
  EXPECT_EQ(QuoteIdent("Mixed"), "\"Mixed\"");
  EXPECT_EQ(QuoteIdent("a b"), "\"a b\"");
  EXPECT_EQ(QuoteIdent("1st"), "\"1st\"");
  EXPECT_EQ(QuoteIdent("_x1"), "_x1");
  EXPECT_EQ(QuoteIdent("say\"hi"), "\"say\"\"hi\"");
  EXPECT_EQ(Qualified("New Stuff", "t"), "\"New Stuff\".t");
}

TEST(DiffSchemaSqlText, QuoteLiteralAndDerivedNames) {
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(DerivedName("short", "_spur_new"), "short_spur_new");
  std::string long_name(70, 'x');
  EXPECT_EQ(DerivedName(long_name, "_spur_new").size(), 63u);
}

TEST(DiffSchemaSqlText, KeysQuoteLikeQuoteIdent) {
  Table t = MakeTable("Order Lines", {});
  EXPECT_EQ(KeyOf(t), "table public.\"Order Lines\"");
  EXPECT_EQ(ColumnKey("public", "t", "select"), "column public.t.\"select\"");
  Constraint c = MakeConstraint("t", "t_pkey", 'p', "PRIMARY KEY (id)");
  EXPECT_EQ(KeyOf(c), "constraint t_pkey on public.t");
  EXPECT_EQ(KeyOf(DefaultPrivilege{.role = "app", .schema = "s", .object_type = 'S'}),
            "default privileges for role app in schema s on sequences");
}

TEST(DiffSchemaSqlText, TypeChangeHeuristics) {
  EXPECT_FALSE(TypeChangeRewrites("character varying(10)", "character varying(20)"));
  EXPECT_FALSE(TypeChangeRewrites("character varying(10)", "text"));
  EXPECT_FALSE(TypeChangeRewrites("text", "character varying"));
  EXPECT_FALSE(TypeChangeRewrites("numeric(10,2)", "numeric(12,2)"));
  EXPECT_TRUE(TypeChangeRewrites("numeric(10,2)", "numeric(12,4)"));
  EXPECT_FALSE(TypeChangeMayLoseData("numeric(10,2)", "numeric(12,4)"));
  EXPECT_TRUE(TypeChangeMayLoseData("numeric(10,4)", "numeric(10,2)"));
  EXPECT_TRUE(TypeChangeRewrites("integer", "bigint"));
  EXPECT_FALSE(TypeChangeMayLoseData("integer", "bigint"));
  EXPECT_TRUE(TypeChangeMayLoseData("bigint", "integer"));
  EXPECT_FALSE(TypeChangeMayLoseData("integer", "text"));
  EXPECT_TRUE(TypeChangeMayLoseData("text", "character varying(5)"));
  EXPECT_TRUE(LooksVolatile("nextval('s'::regclass)"));
  EXPECT_TRUE(LooksVolatile("gen_random_uuid()"));
  EXPECT_FALSE(LooksVolatile("now()"));
}

TEST(DiffSchemaSqlText, AclStatementsGroupPerGranteeAndDirection) {
  Acl from = {Grant{"app", "INSERT", false}, Grant{"app", "SELECT", true},
              Grant{"", "SELECT", false}};
  Acl to = {Grant{"app", "SELECT", false}, Grant{"app", "UPDATE", false},
            Grant{"ro", "SELECT", true}};
  std::vector<std::string> sql;
  for (const Statement& s : AclStatements("TABLE public.t", from, to, "table public.t")) {
    sql.push_back(s.sql);
    EXPECT_EQ(s.hazards, std::vector<Hazard>{Hazard::kAuthorization});
  }
  EXPECT_EQ(sql,
            (std::vector<std::string>{"REVOKE SELECT ON TABLE public.t FROM PUBLIC;",
                                      "REVOKE INSERT ON TABLE public.t FROM app;",
                                      "REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM app;",
                                      "GRANT UPDATE ON TABLE public.t TO app;",
                                      "GRANT SELECT ON TABLE public.t TO ro WITH GRANT OPTION;"}));
  std::vector<Statement> column = AclStatements(
      "TABLE public.t", {}, {Grant{"app", "SELECT", false}}, "column public.t.c", "c");
  ASSERT_EQ(column.size(), 1u);
  EXPECT_EQ(column[0].sql, "GRANT SELECT (c) ON TABLE public.t TO app;");
}

TEST(DiffSchemaSqlText, CreationAclFollowsDefaultPrivileges) {
  EXPECT_EQ(CreationAcl('f', "o", "s", {}),
            (Acl{Grant{"", "EXECUTE", false}, Grant{"o", "EXECUTE", false}}));
  std::vector<DefaultPrivilege> defaults = {
      DefaultPrivilege{
          .role = "o", .schema = "", .object_type = 'f', .acl = {Grant{"o", "EXECUTE", false}}},
      DefaultPrivilege{
          .role = "o", .schema = "s", .object_type = 'f', .acl = {Grant{"app", "EXECUTE", false}}},
      DefaultPrivilege{.role = "other", .schema = "", .object_type = 'f', .acl = {}}};
  EXPECT_EQ(CreationAcl('f', "o", "s", defaults),
            (Acl{Grant{"app", "EXECUTE", false}, Grant{"o", "EXECUTE", false}}))
      << "the global entry replaces the built-in default, the schema one adds";
  EXPECT_EQ(CreationAcl('f', "o", "elsewhere", defaults), (Acl{Grant{"o", "EXECUTE", false}}));
}

TEST(DiffSchemaSqlText, DefaultPrivilegesAreAlteredInPlace) {
  Catalog from, to;
  to.default_privileges.push_back(DefaultPrivilege{
      .role = "postgres",
      .schema = "",
      .object_type = 'r',
      .acl = {Grant{"postgres", "SELECT", false}, Grant{"spur_reader", "SELECT", false}}});
  SchemaDiff d = MustDiff(from, to);
  EXPECT_EQ(Sqls(d),
            (std::vector<std::string>{
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE DELETE, INSERT, REFERENCES, "
                "TRIGGER, TRUNCATE, UPDATE ON TABLES FROM postgres;",
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT ON TABLES TO "
                "spur_reader;"}));
}

TEST(DiffSchemaSqlText, EnumValuesAreAddedInPlaceOutsideTransactions) {
  auto with = [](std::vector<std::string> labels) {
    Catalog c;
    c.types.push_back(Type{.schema = "public",
                           .name = "mood",
                           .owner = "postgres",
                           .labels = std::move(labels),
                           .acl = {Grant{"", "USAGE", false}, Grant{"postgres", "USAGE", false}}});
    return c;
  };
  SchemaDiff d = MustDiff(with({"sad", "ok"}), with({"very sad", "sad", "meh", "ok", "happy"}));
  EXPECT_EQ(Sqls(d),
            (std::vector<std::string>{"ALTER TYPE public.mood ADD VALUE 'very sad' BEFORE 'sad';",
                                      "ALTER TYPE public.mood ADD VALUE 'meh' AFTER 'sad';",
                                      "ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';"}));
  for (const Statement& s : d.statements) EXPECT_FALSE(s.transactional);
  SchemaDiff reorder = MustDiff(with({"sad", "ok"}), with({"ok", "sad"}));
  EXPECT_EQ(Find(reorder, "ALTER TYPE public.mood RENAME TO mood__spur_old;"), 0)
      << Script(reorder);
  EXPECT_EQ(Find(reorder, "CREATE TYPE public.mood AS ENUM ('ok', 'sad');"), 1);
  EXPECT_EQ(Find(reorder, "DROP TYPE public.mood__spur_old;"), 2);
}

}  // namespace
}  // namespace spur::diff::schema::testing
