#include <gtest/gtest.h>

#include "rehearse/guardrails.h"
#include "rehearse/report_format.h"

namespace spur::rehearse {
namespace {

LockSpan Lock(const std::string& rel, const std::string& mode, double first, double last,
              char kind = 'r', size_t statement = 0) {
  LockSpan l;
  l.relation = rel;
  l.mode = mode;
  l.first_ms = first;
  l.last_ms = last;
  l.kind = kind;
  l.statement = statement;
  return l;
}

Report Completed() {
  Report r;
  r.completed = true;
  StatementFacts s;
  s.line = 1;
  s.text = "ALTER TABLE t ADD COLUMN c int";
  s.ran = true;
  r.statements.push_back(s);
  return r;
}

std::vector<std::string> Rules(const std::vector<Finding>& f) {
  std::vector<std::string> out;
  for (const Finding& x : f) out.push_back(x.rule);
  return out;
}

TEST(RehearseGuardrailsTest, NothingMeasuredNothingFires) {
  EXPECT_TRUE(Judge(Completed(), Guardrails{}).empty());
}

TEST(RehearseGuardrailsTest, ProbesDecideForProbedTables) {
  Report r = Completed();
  // The lock alone would say 10 s; the probe measured 1.5 s: the probe wins.
  r.locks.push_back(Lock("t", "AccessExclusiveLock", 0, 10000));
  ProbeResult p;
  p.relation = "t";
  p.write_probed = true;
  p.read_max_ms = 1500;
  p.write_max_ms = 1500;
  r.probes.push_back(p);
  EXPECT_TRUE(Judge(r, Guardrails{}).empty());
  r.probes[0].write_max_ms = 2500;
  const auto f = Judge(r, Guardrails{});
  ASSERT_EQ(Rules(f), std::vector<std::string>{"write_block"});
  EXPECT_NE(f[0].fact.find("writes to t blocked for 2.5 s"), std::string::npos) << f[0].fact;
}

TEST(RehearseGuardrailsTest, LocksDecideForTablesNotProbedAndOnlyForTables) {
  Report r = Completed();
  r.locks.push_back(Lock("u", "ShareLock", 0, 3000));  // blocks writes, not reads
  r.locks.push_back(Lock("u_idx", "AccessExclusiveLock", 0, 9000, 'i'));  // an index: no rule
  r.locks.push_back(Lock("v", "ShareUpdateExclusiveLock", 0, 60000));     // blocks neither
  const auto f = Judge(r, Guardrails{});
  ASSERT_EQ(Rules(f), std::vector<std::string>{"write_block"});
  EXPECT_NE(f[0].fact.find("ShareLock held"), std::string::npos) << f[0].fact;
  r.locks.push_back(Lock("w", "AccessExclusiveLock", 0, 6000));
  EXPECT_EQ(Rules(Judge(r, Guardrails{})),
            (std::vector<std::string>{"write_block", "write_block", "read_block"}));
}

TEST(RehearseGuardrailsTest, LockModesThatBlock) {
  for (const char* m :
       {"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}) {
    EXPECT_TRUE(BlocksWrites(m)) << m;
  }
  for (const char* m :
       {"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock"}) {
    EXPECT_FALSE(BlocksWrites(m)) << m;
  }
  EXPECT_TRUE(BlocksReads("AccessExclusiveLock"));
  EXPECT_FALSE(BlocksReads("ExclusiveLock"));
}

TEST(RehearseGuardrailsTest, RewriteSizeDroppedDataAndInvalidIndexes) {
  Report r = Completed();
  r.statements[0].rewrites.push_back(RelationChange{"t", "table", 100, int64_t{2} << 30, true});
  r.dropped.push_back(DroppedData{"t", "email", 1000});
  r.dropped.push_back(DroppedData{"old", "", -1});
  r.invalid_indexes.push_back("t_idx");
  Guardrails g;
  EXPECT_EQ(Rules(Judge(r, g)),
            (std::vector<std::string>{"rewrite", "invalid_index", "data_loss", "data_loss"}));
  g.allow_drop = {"t.email", "old"};
  g.max_rewrite_bytes = int64_t{4} << 30;
  EXPECT_EQ(Rules(Judge(r, g)), std::vector<std::string>{"invalid_index"});
}

TEST(RehearseGuardrailsTest, FailureAndTimeoutAreFindings) {
  Report r = Completed();
  r.completed = false;
  r.failure = "statement 1 (line 1) failed: boom";
  EXPECT_EQ(Rules(Judge(r, Guardrails{})), std::vector<std::string>{"failed"});
  r.timed_out = true;
  EXPECT_EQ(Rules(Judge(r, Guardrails{})), std::vector<std::string>{"timeout"});
}

TEST(RehearseReportFormatTest, MarkdownCellsCannotBreakTheTable) {
  Report r = Completed();
  r.statements[0].text = "ALTER TABLE \"a|b\" ADD COLUMN `c` int";
  r.locks.push_back(Lock("\"a|b\"", "AccessExclusiveLock", 0, 10));
  const std::string md = ReportMarkdown(RehearsalContext{"pr-1", "main"}, r, {});
  for (size_t pos = 0; (pos = md.find("a|b", pos)) != std::string::npos; ++pos) {
    ADD_FAILURE() << "unescaped | in: " << md;
  }
  EXPECT_NE(md.find("a\\|b"), std::string::npos) << md;
}

TEST(RehearseReportFormatTest, JsonCarriesEveryStatementAndFinding) {
  Report r = Completed();
  r.locks.push_back(Lock("t", "ShareLock", 5, 3005));
  const std::vector<Finding> f = Judge(r, Guardrails{});
  const nlohmann::json j = ReportJson(RehearsalContext{"pr-1", "main", 120, 30}, r, f);
  EXPECT_EQ(j["statements"].size(), 1u);
  EXPECT_EQ(j["statements"][0]["locks"][0]["held_ms"], 3000.0);
  EXPECT_EQ(j["findings"][0]["rule"], "write_block");
  EXPECT_EQ(j["verdict"], "1 guardrail fired");
  EXPECT_DOUBLE_EQ(j["seconds"]["copy_setup"].get<double>(), 0.12);
}

}  // namespace
}  // namespace spur::rehearse

namespace spur::rehearse {
namespace {

TEST(RehearsePlansTest, ReadsCostAndShapeFromExplainJson) {
  const QueryPlan p = ReadPlanJson(R"([{"Plan": {"Node Type": "Hash Join", "Join Type": "Left",
    "Total Cost": 120.5, "Plans": [
      {"Node Type": "Seq Scan", "Relation Name": "orders", "Total Cost": 50},
      {"Node Type": "Hash", "Plans": [{"Node Type": "Index Scan", "Index Name": "users_pkey",
                                       "Relation Name": "users", "Total Cost": 8.3}]}]}}])");
  EXPECT_TRUE(p.error.empty());
  EXPECT_DOUBLE_EQ(p.cost, 120.5);
  EXPECT_EQ(p.shape, (std::vector<std::string>{"Hash Join (Left)", "Seq Scan on orders",
                                               "Index Scan using users_pkey on users"}));
  for (const char* bad : {"", "[]", "{}", "[1]", "[{\"Plan\": 3}]", "not json"}) {
    EXPECT_FALSE(ReadPlanJson(bad).error.empty()) << bad;
  }
}

TEST(RehearsePlansTest, ShapesCompareAsMultisets) {
  PlanComparison c;
  c.before.shape = {"Index Scan using t_pkey on t", "Seq Scan on u", "Seq Scan on u"};
  c.after.shape = {"Seq Scan on t", "Seq Scan on u"};
  CompareShapes(c);
  EXPECT_EQ(c.lost, (std::vector<std::string>{"Index Scan using t_pkey on t", "Seq Scan on u"}));
  EXPECT_EQ(c.gained, std::vector<std::string>{"Seq Scan on t"});
}

TEST(RehearsePlansTest, RegressionAndBrokenQueriesFire) {
  Report r;
  r.completed = true;
  PlanComparison slower;
  slower.line = 1;
  slower.before.cost = 8.4;
  slower.after.cost = 9000;
  slower.gained = {"Seq Scan on t"};
  PlanComparison broken;
  broken.index = 1;
  broken.line = 2;
  broken.before.cost = 10;
  broken.after.error = "column \"n\" does not exist";
  PlanComparison fine;
  fine.index = 2;
  fine.before.cost = 10;
  fine.after.cost = 99;
  r.plans = {slower, broken, fine};
  const auto f = Judge(r, Guardrails{});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].rule, "plan_regression");
  EXPECT_NE(f[0].fact.find("now Seq Scan on t"), std::string::npos) << f[0].fact;
  EXPECT_EQ(f[1].rule, "query_broken");
  Guardrails lax;
  lax.max_plan_regression = 5000;
  EXPECT_EQ(Judge(r, lax).size(), 1u);
}

}  // namespace
}  // namespace spur::rehearse
