// RenderSql, ToJson and RenderText on small diffs built by hand: transaction
// blocks around transactional runs only, the session timeouts, hazard
// comments, the empty diff, JSON fields, and the text report for people.
#include <gtest/gtest.h>

#include "diff_schema_test_util.h"

namespace spur::diff::schema::testing {
namespace {

SchemaDiff Sample() {
  SchemaDiff d;
  d.changes = {Change{"index", "public.t_v", "added", {}},
               Change{"column", "public.t.v", "changed", {"type integer -> bigint"}},
               Change{"table", "public.old", "removed", {}}};
  d.statements = {Statement{"CREATE INDEX CONCURRENTLY t_v ON public.t USING btree (v);",
                            false,
                            {Hazard::kBuildsIndex},
                            "index public.t_v"},
                  Statement{"ALTER TABLE public.t ALTER COLUMN v TYPE bigint USING v::bigint;",
                            true,
                            {Hazard::kAccessExclusive, Hazard::kRewritesTable},
                            "column public.t.v"},
                  Statement{"DROP TABLE public.old;",
                            true,
                            {Hazard::kAccessExclusive, Hazard::kDeletesData},
                            "table public.old"},
                  Statement{"ALTER TABLE public.t VALIDATE CONSTRAINT c;",
                            false,
                            {Hazard::kValidates},
                            "constraint c on public.t"},
                  Statement{"COMMENT ON TABLE public.t IS 'x';", true, {}, "table public.t"}};
  return d;
}

TEST(DiffSchemaRender, SqlPutsTransactionalRunsInBlocksAndTheRestBetween) {
  std::string sql =
      RenderSql(Sample(), ScriptOptions{.lock_timeout = "2s", .statement_timeout = "1h"});
  EXPECT_NE(sql.find("SET lock_timeout = '2s';\n"), std::string::npos) << sql;
  EXPECT_NE(sql.find("SET statement_timeout = '1h';\n"), std::string::npos);
  size_t build = sql.find("CREATE INDEX CONCURRENTLY");
  size_t begin = sql.find("BEGIN;");
  size_t alter = sql.find("ALTER TABLE public.t ALTER COLUMN v");
  size_t drop = sql.find("DROP TABLE public.old;");
  size_t commit = sql.find("COMMIT;");
  size_t validate = sql.find("VALIDATE CONSTRAINT");
  size_t begin2 = sql.find("BEGIN;", begin + 1);
  size_t comment = sql.find("COMMENT ON TABLE");
  size_t commit2 = sql.find("COMMIT;", commit + 1);
  EXPECT_LT(sql.find("SET statement_timeout"), build);
  EXPECT_LT(build, begin) << "the concurrent build runs outside any block";
  EXPECT_LT(begin, alter);
  EXPECT_LT(drop, commit);
  EXPECT_LT(commit, validate);
  EXPECT_LT(validate, begin2);
  EXPECT_LT(begin2, comment);
  EXPECT_LT(comment, commit2);
  EXPECT_EQ(sql.find("BEGIN;", begin2 + 1), std::string::npos);
  EXPECT_NE(
      sql.find("-- hazards: access-exclusive, rewrites-table\nALTER TABLE public.t ALTER COLUMN v"),
      std::string::npos);
  EXPECT_NE(sql.find("\nCOMMENT ON TABLE public.t IS 'x';"), std::string::npos);
  EXPECT_EQ(sql.find("-- hazards:\n"), std::string::npos);
}

TEST(DiffSchemaRender, EmptyDiffSaysSo) {
  SchemaDiff empty;
  EXPECT_TRUE(empty.empty());
  std::string sql = RenderSql(empty);
  EXPECT_EQ(sql.rfind("--", 0), 0u);
  EXPECT_NE(sql.find("no changes"), std::string::npos);
  EXPECT_EQ(RenderText(empty, false), "No schema changes.\n");
  nlohmann::json j = ToJson(empty);
  EXPECT_TRUE(j["changes"].empty());
  EXPECT_TRUE(j["statements"].empty());
}

TEST(DiffSchemaRender, JsonHasChangesAndStatements) {
  nlohmann::json j = ToJson(Sample());
  ASSERT_EQ(j["changes"].size(), 3u);
  EXPECT_EQ(j["changes"][1]["kind"], "column");
  EXPECT_EQ(j["changes"][1]["action"], "changed");
  EXPECT_EQ(j["changes"][1]["details"][0], "type integer -> bigint");
  ASSERT_EQ(j["statements"].size(), 5u);
  EXPECT_EQ(j["statements"][0]["transactional"], false);
  EXPECT_EQ(j["statements"][0]["hazards"][0], "builds-index");
  EXPECT_EQ(j["statements"][2]["object"], "table public.old");
  EXPECT_EQ(j["statements"][2]["hazards"], (nlohmann::json{"access-exclusive", "deletes-data"}));
}

TEST(DiffSchemaRender, TextGroupsByKindWithMarkersHazardsAndCounts) {
  std::string text = RenderText(Sample(), false);
  EXPECT_NE(text.find("Indexes\n  + public.t_v\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Columns\n  ~ public.t.v\n      type integer -> bigint\n"),
            std::string::npos);
  EXPECT_NE(text.find("Tables\n  - public.old\n"), std::string::npos);
  EXPECT_NE(text.find("deletes-data: 1 statement (table public.old)"), std::string::npos);
  EXPECT_NE(text.find("access-exclusive: 2 statements"), std::string::npos);
  EXPECT_NE(
      text.find("Recreated because what they depend on changes\n  * constraint c on public.t\n"),
      std::string::npos)
      << "statements on objects no change names are listed as recreated";
  EXPECT_NE(
      text.find(
          "3 changes (1 added, 1 removed, 1 changed), 5 statements (2 outside transactions)\n"),
      std::string::npos);
  EXPECT_EQ(text.find('\033'), std::string::npos);
  std::string color = RenderText(Sample(), true);
  EXPECT_NE(color.find("\033[32m+\033[0m public.t_v"), std::string::npos) << color;
  EXPECT_NE(color.find("\033[31m-\033[0m public.old"), std::string::npos);
}

TEST(DiffSchemaRender, HazardNamesAreStable) {
  EXPECT_EQ(HazardName(Hazard::kAccessExclusive), "access-exclusive");
  EXPECT_EQ(HazardName(Hazard::kRewritesTable), "rewrites-table");
  EXPECT_EQ(HazardName(Hazard::kDeletesData), "deletes-data");
  EXPECT_EQ(HazardName(Hazard::kBuildsIndex), "builds-index");
  EXPECT_EQ(HazardName(Hazard::kValidates), "validates");
  EXPECT_EQ(HazardName(Hazard::kAuthorization), "authorization");
  EXPECT_EQ(HazardName(Hazard::kBreaksDependents), "breaks-dependents");
  EXPECT_EQ(HazardName(Hazard::kBlocksWrites), "blocks-writes");
}

TEST(DiffSchemaRender, PlannedChangesNameWhatDiffers) {
  Catalog from, to;
  from.tables.push_back(MakeTable("t", {Col("v", "integer")}));
  to.tables.push_back(MakeTable("t", {Col("v", "bigint", true)}));
  to.tables.back().comment = "things";
  to.tables.back().acl.push_back(Grant{"spur_reader", "SELECT", false});
  SchemaDiff d = MustDiff(from, to);
  ASSERT_EQ(d.changes.size(), 3u) << RenderText(d, false);
  EXPECT_EQ(d.changes[0].kind, "grant");
  EXPECT_EQ(d.changes[0].name, "table public.t");
  EXPECT_EQ(d.changes[0].details, std::vector<std::string>{"+ SELECT to spur_reader"});
  EXPECT_EQ(d.changes[1].kind, "comment");
  EXPECT_EQ(d.changes[1].details, std::vector<std::string>{"comment NULL -> 'things'"});
  EXPECT_EQ(d.changes[2].kind, "column");
  EXPECT_EQ(d.changes[2].name, "public.t.v");
  EXPECT_EQ(d.changes[2].details,
            (std::vector<std::string>{"type integer -> bigint", "not null no -> yes"}));
}

}  // namespace
}  // namespace spur::diff::schema::testing
