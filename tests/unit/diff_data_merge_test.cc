// diff/data: pairing tables and keys (table_spec), the merge of two sorted
// row streams (row_merge) and the SQL and JSON the report makes of it.
#include <gtest/gtest.h>

#include <random>

#include "diff/data/report.h"
#include "diff/data/row_merge.h"
#include "diff/data/table_spec.h"

namespace spur::diff::data {
namespace {

pg::Column Col(std::string name, std::string base, bool not_null = false, bool gen = false) {
  return pg::Column{
      .name = name, .type = base, .base_type = base, .not_null = not_null, .generated = gen};
}

pg::Table Tab(std::string name, std::vector<pg::Column> cols, std::vector<pg::Key> keys = {}) {
  pg::Table t;
  t.schema = "public";
  t.name = name;
  t.qualified = "\"public\".\"" + name + "\"";
  t.columns = std::move(cols);
  t.keys = std::move(keys);
  return t;
}

pg::Schema One(pg::Table t) {
  pg::Schema s;
  s.tables.push_back(std::move(t));
  return s;
}

TableSpec Spec(const pg::Schema& from, const pg::Schema& to) {
  std::vector<std::string> one_side;
  auto specs = PairTables(from, to, {}, one_side);
  EXPECT_TRUE(specs.ok());
  EXPECT_EQ(specs->size(), 1u);
  EXPECT_EQ(specs->front().presence, Presence::kBoth);
  return specs->front();
}

struct Collected {
  std::vector<RowChange> changes;
  ChangeSink sink() {
    return [this](const RowChange& c) {
      changes.push_back(c);
      return Status::Ok();
    };
  }
};

Value V(const char* s) { return std::string(s); }

TEST(DiffTableSpec, PrefersPrimaryKeyThenUniqueNotNullThenWholeRow) {
  auto pk = One(Tab("t", {Col("id", "int4", true), Col("email", "text", true)},
                    {{"t_pkey", true, {"id"}}, {"t_email", false, {"email"}}}));
  TableSpec s = Spec(pk, pk);
  EXPECT_EQ(s.matched_by, "primary key (id)");
  EXPECT_EQ(s.ordering, std::vector<Ordering>{Ordering::kInteger});

  auto uniq = One(
      Tab("t", {Col("id", "int4"), Col("email", "text", true)}, {{"t_email", false, {"email"}}}));
  s = Spec(uniq, uniq);
  EXPECT_EQ(s.matched_by, "unique (email)");
  EXPECT_EQ(s.ordering, std::vector<Ordering>{Ordering::kText});

  // A unique key over a nullable column cannot match rows.
  auto nullable =
      One(Tab("t", {Col("id", "int4"), Col("email", "text")}, {{"t_email", false, {"email"}}}));
  s = Spec(nullable, nullable);
  EXPECT_EQ(s.matched_by, "whole row");
  EXPECT_FALSE(s.keyed());
}

TEST(DiffTableSpec, ComparesCommonColumnsAndNamesTheRest) {
  auto from = One(Tab("t", {Col("id", "int8", true), Col("old", "text")}, {{"pk", true, {"id"}}}));
  auto to = One(Tab("t", {Col("id", "int8", true), Col("new", "text")}, {{"pk", true, {"id"}}}));
  TableSpec s = Spec(from, to);
  EXPECT_EQ(s.columns, (std::vector<std::string>{"id", "new"}));
  EXPECT_EQ(s.branch_only, (std::vector<bool>{false, true}));
  EXPECT_EQ(s.only_from, std::vector<std::string>{"old"});
  EXPECT_EQ(s.only_to, std::vector<std::string>{"new"});
  EXPECT_EQ(s.not_compared, std::vector<std::string>{"old"});
}

// Regression (issue 13, item 8): `diff --format sql` dropped the values of
// columns only the branch has. The other side now reads them as the value
// ADD COLUMN gives older rows, so changed ones are compared and scripted.
TEST(DiffTableSpec, BranchOnlyColumnsAreReadAsTheirFillOnTheOtherSide) {
  auto from = One(Tab("t", {Col("id", "int8", true)}, {{"pk", true, {"id"}}}));
  pg::Column status = Col("status", "text");
  status.missing_value = "new";
  pg::Column box = Col("area", "box");
  box.missing_unreadable = true;
  pg::Column seq = Col("n", "int8", true);
  seq.identity_always = true;  // UPDATE cannot set it
  auto to = One(Tab("t",
                    {Col("id", "int8", true), status, Col("note", "text"), box,
                     Col("total", "int8", false, /*gen=*/true), seq},
                    {{"pk", true, {"id"}}}));
  TableSpec s = Spec(from, to);
  EXPECT_EQ(s.columns, (std::vector<std::string>{"id", "status", "note"}));
  EXPECT_EQ(s.fill, (Values{std::nullopt, V("new"), std::nullopt}));
  EXPECT_EQ(s.not_compared, (std::vector<std::string>{"area", "total", "n"}));
  EXPECT_EQ(SelectListSql(s, SideRole::kFrom), "r.\"id\"::text, 'new'::text, NULL::text");
  EXPECT_EQ(SelectListSql(s, SideRole::kTo),
            "r.\"id\"::text, r.\"status\"::text, r.\"note\"::text");
  // Keyless: the fill orders nothing on the side that lacks the column.
  auto wf = One(Tab("w", {Col("a", "int4")}));
  auto wt = One(Tab("w", {Col("a", "int4"), Col("b", "text")}));
  TableSpec w = Spec(wf, wt);
  EXPECT_EQ(OrderBySql(w, SideRole::kFrom), "r.\"a\"");
  EXPECT_EQ(OrderBySql(w, SideRole::kTo), "r.\"a\", r.\"b\"::text COLLATE \"C\"");
  EXPECT_EQ(SqlLiteral(V("it's")), "'it''s'");
}

TEST(DiffTableSpec, KeyTypeChangedToTextOrdersAsText) {
  auto from = One(Tab("t", {Col("id", "int4", true)}, {{"pk", true, {"id"}}}));
  auto to = One(Tab("t", {Col("id", "text", true)}, {{"pk", true, {"id"}}}));
  EXPECT_EQ(Spec(from, to).ordering, std::vector<Ordering>{Ordering::kText});
}

TEST(DiffTableSpec, UnknownTableIsRefused) {
  auto s = One(Tab("t", {Col("id", "int4")}));
  std::vector<std::string> one_side;
  auto r = PairTables(s, s, {"nope"}, one_side);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  auto ok = PairTables(s, s, {"public.t"}, one_side);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 1u);
}

TEST(DiffTableSpec, TablesOnOneSideAreComparedWithNothing) {
  pg::Schema from = One(Tab("a", {Col("id", "int4")}));
  pg::Schema to = One(Tab("b", {Col("id", "int4")}));
  std::vector<std::string> one_side;
  auto r = PairTables(from, to, {}, one_side);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);  // compared against nothing: all rows deleted / inserted
  EXPECT_EQ((*r)[0].display, "public.a");
  EXPECT_EQ((*r)[0].presence, Presence::kOnlyFrom);
  EXPECT_EQ((*r)[1].presence, Presence::kOnlyTo);
  EXPECT_EQ(one_side.size(), 2u);
}

TEST(DiffTableSpec, IntegersOrderNumericallyTextBytewiseNullsLast) {
  auto t = One(Tab("t", {Col("id", "int4", true)}, {{"pk", true, {"id"}}}));
  TableSpec s = Spec(t, t);
  EXPECT_TRUE(Less(s, {V("9")}, {V("10")}));
  EXPECT_TRUE(Less(s, {V("-5")}, {V("3")}));
  auto w = One(Tab("w", {Col("a", "text"), Col("b", "text")}));
  TableSpec ws = Spec(w, w);
  EXPECT_TRUE(Less(ws, {V("10"), V("x")}, {V("9"), V("x")}));
  EXPECT_TRUE(Less(ws, {V("a"), V("x")}, {V("a"), std::nullopt}));
  EXPECT_FALSE(Less(ws, {std::nullopt, V("x")}, {V("a"), V("x")}));
  EXPECT_EQ(OrderBySql(ws, SideRole::kTo),
            "r.\"a\"::text COLLATE \"C\", r.\"b\"::text COLLATE \"C\"");
  // Qualified: a bare "id" would sort by the text output column of that name.
  EXPECT_EQ(OrderBySql(s, SideRole::kFrom), "r.\"id\"");
}

TEST(DiffRowMerge, KeyedInsertsDeletesAndCellUpdates) {
  auto t = One(Tab("t", {Col("id", "int4", true), Col("name", "text"), Col("n", "int4")},
                   {{"pk", true, {"id"}}}));
  TableSpec s = Spec(t, t);
  SortedRows from(s,
                  {{V("1"), V("a"), V("1")}, {V("2"), V("b"), V("2")}, {V("3"), V("c"), V("3")}});
  SortedRows to(
      s, {{V("3"), V("c"), std::nullopt}, {V("1"), V("a"), V("1")}, {V("10"), V("d"), V("4")}});
  Collected got;
  auto counts = MergeRows(s, from, to, got.sink());
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 1);
  EXPECT_EQ(counts->deleted, 1);
  EXPECT_EQ(counts->updated, 1);
  ASSERT_EQ(got.changes.size(), 3u);
  EXPECT_EQ(got.changes[0].kind, RowChange::Kind::kDelete);  // 2
  EXPECT_EQ(got.changes[1].kind, RowChange::Kind::kUpdate);  // 3: n 3 -> NULL
  EXPECT_EQ(got.changes[1].changed, std::vector<size_t>{2});
  EXPECT_EQ(got.changes[2].kind, RowChange::Kind::kInsert);  // 10, after 3 numerically
  EXPECT_EQ(got.changes[2].after[0], V("10"));
}

TEST(DiffRowMerge, WholeRowsCountDuplicates) {
  auto t = One(Tab("t", {Col("a", "text"), Col("b", "text")}));
  TableSpec s = Spec(t, t);
  SortedRows from(s,
                  {{V("x"), V("1")}, {V("x"), V("1")}, {V("x"), V("1")}, {V("y"), std::nullopt}});
  SortedRows to(s, {{V("x"), V("1")}, {V("y"), std::nullopt}, {V("y"), std::nullopt}});
  Collected got;
  auto counts = MergeRows(s, from, to, got.sink());
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->deleted, 2);
  EXPECT_EQ(counts->inserted, 1);
  EXPECT_EQ(counts->updated, 0);
}

// A stream that returns its rows as given, sorted or not.
class Unsorted : public RowStream {
 public:
  explicit Unsorted(std::vector<Values> rows) : rows_(std::move(rows)) {}
  Result<bool> Next(const Values*& row) override {
    if (i_ >= rows_.size()) return false;
    row = &rows_[i_++];
    return true;
  }

 private:
  std::vector<Values> rows_;
  size_t i_ = 0;
};

TEST(DiffRowMerge, OutOfOrderStreamIsAnError) {
  auto t = One(Tab("t", {Col("id", "int4", true)}, {{"pk", true, {"id"}}}));
  TableSpec s = Spec(t, t);
  Unsorted from({{V("2")}, {V("1")}});
  Unsorted to({});
  Collected got;
  auto r = MergeRows(s, from, to, got.sink());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(DiffRowMerge, RandomMultisetsMatchANaiveCount) {
  std::mt19937 rng(7);
  auto t = One(Tab("t", {Col("a", "int4"), Col("b", "text")}));
  TableSpec s = Spec(t, t);
  for (int round = 0; round < 50; ++round) {
    std::vector<Values> a, b;
    std::map<Values, int64_t> balance;
    for (int i = 0; i < 40; ++i) {
      Values r = {std::to_string(rng() % 5), rng() % 4 == 0 ? Value() : V(rng() % 2 ? "p" : "q")};
      (rng() % 2 ? a : b).push_back(r);
    }
    for (const auto& r : a) ++balance[r];
    for (const auto& r : b) --balance[r];
    int64_t want_del = 0, want_ins = 0;
    for (const auto& [r, n] : balance) (n > 0 ? want_del : want_ins) += std::abs(n);
    SortedRows from(s, a), to(s, b);
    Collected got;
    auto counts = MergeRows(s, from, to, got.sink());
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->deleted, want_del);
    EXPECT_EQ(counts->inserted, want_ins);
  }
}

TEST(DiffReport, SqlDeletesChildrenFirstAndQuotesValues) {
  auto t =
      One(Tab("t", {Col("id", "int4", true), Col("name", "text"), Col("g", "int4", false, true)},
              {{"pk", true, {"id"}}}));
  TableSpec s = Spec(t, t);
  TableDiff td;
  td.spec = s;
  Report report(0);
  ASSERT_TRUE(
      report.Add(td, RowChange{RowChange::Kind::kInsert, {}, {V("5"), V("O'Brien"), V("1")}, {}})
          .ok());
  ASSERT_TRUE(
      report.Add(td, RowChange{RowChange::Kind::kDelete, {V("1"), V("x"), V("1")}, {}, {}}).ok());
  ASSERT_TRUE(report
                  .Add(td, RowChange{RowChange::Kind::kUpdate,
                                     {V("2"), V("a"), V("1")},
                                     {V("2"), std::nullopt, V("9")},
                                     {1, 2}})
                  .ok());
  DataDiff d;
  d.tables.push_back(td);
  d.fk_order = {"public.t"};
  report.Finish(d);
  auto sql = report.RenderSql("5s", "1min");
  ASSERT_TRUE(sql.ok());
  const std::string& q = *sql;
  EXPECT_NE(q.find("SET LOCAL lock_timeout = '5s'"), std::string::npos);
  EXPECT_NE(q.find("DELETE FROM ONLY \"public\".\"t\" WHERE \"id\" = '1';"), std::string::npos);
  EXPECT_NE(q.find("INSERT INTO \"public\".\"t\" (\"id\", \"name\") OVERRIDING SYSTEM VALUE VALUES "
                   "('5', 'O''Brien');"),
            std::string::npos);
  // Generated columns are never set.
  EXPECT_NE(q.find("UPDATE ONLY \"public\".\"t\" SET \"name\" = NULL WHERE \"id\" = '2';"),
            std::string::npos);
  EXPECT_LT(q.find("DELETE"), q.find("INSERT"));
}

TEST(DiffReport, KeepsAtMostMaxRowsAndRefusesPartialSql) {
  auto t = One(Tab("t", {Col("id", "int4", true)}, {{"pk", true, {"id"}}}));
  TableDiff td;
  td.spec = Spec(t, t);
  Report report(1);
  for (const char* id : {"1", "2", "3"}) {
    ASSERT_TRUE(report.Add(td, RowChange{RowChange::Kind::kInsert, {}, {V(id)}, {}}).ok());
  }
  td.counts.inserted = 3;
  DataDiff d;
  d.tables.push_back(td);
  report.Finish(d);
  auto json = report.ToJson();
  EXPECT_EQ(json["tables"][0]["inserted"], 3);
  EXPECT_EQ(json["tables"][0]["rows"].size(), 1u);
  EXPECT_TRUE(json["tables"][0]["rows_truncated"].get<bool>());
  EXPECT_EQ(report.RenderSql("5s", "1min").status().code(), Code::kFailedPrecondition);
  EXPECT_NE(report.RenderText(false).find("+3"), std::string::npos);
}

}  // namespace
}  // namespace spur::diff::data
