// DiffOptions::tables: only changes on the named tables and what is attached
// to them, by qualified or bare name; dependents that must be recreated for
// those changes still are.
#include <gtest/gtest.h>

#include <algorithm>

#include "diff_schema_test_util.h"

namespace spur::diff::schema::testing {
namespace {

Catalog Two(const std::string& a_type, const std::string& b_type, bool a_index) {
  Catalog c;
  c.schemas.push_back(Schema{.name = "app", .owner = "postgres"});
  c.tables.push_back(MakeTable("a", {Col("id", "integer"), Col("v", a_type)}, "app"));
  c.tables.push_back(MakeTable("b", {Col("id", "integer"), Col("v", b_type)}, "app"));
  if (a_index) {
    c.indexes.push_back(Index{.schema = "app",
                              .name = "a_v",
                              .table = "a",
                              .definition = "CREATE INDEX a_v ON app.a USING btree (v)"});
  }
  c.views.push_back(View{.schema = "app",
                         .name = "av",
                         .owner = "postgres",
                         .definition = "SELECT v FROM app.a",
                         .columns = {Col("v", a_type)},
                         .acl = TableAcl()});
  c.dependencies = {{"view app.av", "column app.a.v", 'n'}};
  return c;
}

std::vector<std::string> Objects(const SchemaDiff& d) {
  std::vector<std::string> out;
  for (const Statement& s : d.statements) out.push_back(s.object);
  return out;
}

TEST(DiffSchemaFilter, OnlyTheNamedTableAndWhatHangsOffIt) {
  Catalog from = Two("integer", "integer", false), to = Two("bigint", "bigint", true);
  for (const char* name : {"app.a", "a"}) {
    SchemaDiff d = MustDiff(from, to, DiffOptions{.tables = {name}});
    std::vector<std::string> objects = Objects(d);
    EXPECT_NE(std::find(objects.begin(), objects.end(), "column app.a.v"), objects.end()) << name;
    EXPECT_NE(std::find(objects.begin(), objects.end(), "index app.a_v"), objects.end()) << name;
    EXPECT_EQ(std::find(objects.begin(), objects.end(), "column app.b.v"), objects.end()) << name;
    EXPECT_NE(std::find(objects.begin(), objects.end(), "view app.av"), objects.end())
        << "the view on a.v is recreated, or the type change cannot run";
    for (const Change& c : d.changes) EXPECT_NE(c.name, "app.b.v");
  }
}

TEST(DiffSchemaFilter, AnUnknownTableGivesAnEmptyDiff) {
  SchemaDiff d = MustDiff(Two("integer", "integer", false), Two("bigint", "bigint", true),
                          DiffOptions{.tables = {"app.nope"}});
  EXPECT_TRUE(d.empty()) << Script(d);
}

}  // namespace
}  // namespace spur::diff::schema::testing
