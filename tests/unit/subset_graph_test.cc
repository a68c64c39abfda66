#include <gtest/gtest.h>

#include "subset/closure_sql.h"
#include "subset/graph.h"

namespace spur::subset {
namespace {

pg::Table MakeTable(const std::string& name, char kind = 'r',
                    std::optional<std::string> parent = std::nullopt) {
  pg::Table t;
  t.schema = "public";
  t.name = name;
  t.qualified = "public." + name;
  t.kind = kind;
  t.partition_of = std::move(parent);
  return t;
}

pg::ForeignKey MakeFk(const std::string& from, std::vector<std::string> cols, const std::string& to,
                      std::vector<std::string> ref_cols) {
  return pg::ForeignKey{.name = from + "_fk",
                        .table = "public." + from,
                        .columns = std::move(cols),
                        .ref_table = "public." + to,
                        .ref_columns = std::move(ref_cols)};
}

// customers <- orders <- events (partitioned: events_a, events_b) ; employees self-ref;
// settings isolated.
pg::Schema ShopSchema() {
  pg::Schema s;
  s.tables = {MakeTable("customers"),
              MakeTable("employees"),
              MakeTable("events", 'p'),
              MakeTable("events_a", 'r', "public.events"),
              MakeTable("events_b", 'p', "public.events"),
              MakeTable("events_b1", 'r', "public.events_b"),
              MakeTable("orders"),
              MakeTable("settings")};
  s.foreign_keys = {MakeFk("customers", {"id"}, "customers", {"id"}),
                    MakeFk("events", {"order_id"}, "orders", {"id"}),
                    MakeFk("employees", {"manager_id"}, "employees", {"id"}),
                    MakeFk("orders", {"customer_email", "x"}, "customers", {"email", "y"}),
                    MakeFk("orders", {"z"}, "missing", {"id"})};
  return s;
}

TEST(FkGraphTest, NodesAreTopLevelTablesAndPartitionsMapToTheirRoot) {
  pg::Schema s = ShopSchema();
  FkGraph g(s);
  ASSERT_EQ(g.nodes().size(), 5u);
  const pg::Table& b1 = *s.Find("public.events_b1");
  EXPECT_EQ(g.nodes()[g.NodeOf(b1)]->qualified, "public.events");
  EXPECT_EQ(g.Parent(b1)->qualified, "public.events_b");
  EXPECT_TRUE(g.InGraph(g.NodeOf(b1)));
  EXPECT_FALSE(g.InGraph(g.NodeOf(*s.Find("public.settings"))));
  std::vector<std::string> leaves;
  for (const pg::Table* t : g.Leaves(*s.Find("public.events"))) leaves.push_back(t->name);
  EXPECT_EQ(leaves, (std::vector<std::string>{"events_a", "events_b1"}));
  EXPECT_TRUE(g.Covers(*s.Find("public.events_b"), b1));
  EXPECT_FALSE(g.Covers(*s.Find("public.events_a"), b1));
}

TEST(FkGraphTest, EdgesToUnknownTablesAreDroppedAndReferencingTablesComeFirst) {
  pg::Schema s = ShopSchema();
  FkGraph g(s);
  ASSERT_EQ(g.edges().size(), 4u);
  auto position = [&](const std::string& child) {
    for (size_t i = 0; i < g.edges().size(); ++i) {
      if (g.edges()[i].child->name == child && g.edges()[i].parent->name != child) return i;
    }
    return g.edges().size();
  };
  EXPECT_LT(position("events"), position("orders"));
}

TEST(FkGraphTest, ResolvesPlainQuotedAndBareNames) {
  pg::Schema s = ShopSchema();
  s.tables.push_back(pg::Table{});
  s.tables.back().schema = "Sales";
  s.tables.back().name = "Big Orders";
  s.tables.back().qualified = "\"Sales\".\"Big Orders\"";
  FkGraph g(s);
  EXPECT_EQ(g.Resolve("public.orders")->name, "orders");
  EXPECT_EQ(g.Resolve("orders")->name, "orders");
  EXPECT_EQ(g.Resolve("Sales.Big Orders")->name, "Big Orders");
  EXPECT_EQ(g.Resolve("\"Sales\".\"Big Orders\"")->name, "Big Orders");
  EXPECT_EQ(g.Resolve("public.nope"), nullptr);
}

TEST(ClosureSqlTest, CompositeKeysJoinColumnByColumnAndScanPartitionedTablesWhole) {
  pg::Schema s = ShopSchema();
  FkGraph g(s);
  const Edge* orders = nullptr;
  for (const Edge& e : g.edges()) {
    if (e.child->name == "orders") orders = &e;
  }
  ASSERT_NE(orders, nullptr);
  std::string up = sql::Upward(sql::Step{.edge = orders,
                                         .child_keep = "pg_temp.k1",
                                         .parent_keep = "pg_temp.k2",
                                         .since = 3,
                                         .gen = 9,
                                         .via = 2});
  EXPECT_NE(up.find("p.\"email\" = c.\"customer_email\" AND p.\"y\" = c.\"x\""), std::string::npos)
      << up;
  EXPECT_NE(up.find("FROM ONLY public.customers p"), std::string::npos) << up;
  EXPECT_NE(up.find("k.gen > 3"), std::string::npos) << up;
  EXPECT_NE(up.find("SELECT p.tableoid, p.ctid, 9, 0"), std::string::npos) << up;
  EXPECT_NE(up.find("k.via <> 2"), std::string::npos) << up;
  EXPECT_EQ(sql::Scan(*s.Find("public.events")), "public.events");
  EXPECT_EQ(sql::Scan(*s.Find("public.events_a")), "ONLY public.events_a");
  EXPECT_EQ(sql::Ident("a\"b"), "\"a\"\"b\"");
}

TEST(ClosureSqlTest, RootsSampleRepeatablyAndKeepTheWhereApart) {
  pg::Schema s = ShopSchema();
  std::string sample = sql::SampleRoot(*s.Find("public.events_a"), "pg_temp.k", 0.5, 7);
  EXPECT_NE(sample.find("FROM ONLY public.events_a TABLESAMPLE BERNOULLI (0.5) REPEATABLE (7)"),
            std::string::npos)
      << sample;
  std::string where = sql::WhereRoot(*s.Find("public.events"), "pg_temp.k", "id < 3 -- note");
  EXPECT_NE(where.find("FROM public.events WHERE (id < 3 -- note\n)"), std::string::npos) << where;
}

}  // namespace
}  // namespace spur::subset
