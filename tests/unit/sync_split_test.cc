// sync/copier's SplitByBlocks: a large masked table copied as block ranges.
#include <gtest/gtest.h>

#include "sync/copier.h"

namespace spur::sync {
namespace {

CopyTask Whole() {
  CopyTask t;
  t.table = "public.big";
  t.columns = "(\"a\")";
  t.source_sql = "COPY public.big (\"a\") TO STDOUT";
  t.bytes_estimate = 1000;
  t.after_load = {"ALTER TABLE ONLY public.big ADD PRIMARY KEY (a)"};
  return t;
}

TEST(SyncSplit, RangesCoverEveryBlockOnceAndTheLastIsOpen) {
  const auto parts = SplitByBlocks(Whole(), "SELECT \"a\" FROM ONLY public.big", 10, 4);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].source_sql,
            "COPY (SELECT \"a\" FROM ONLY public.big WHERE ctid >= '(0,0)'::tid AND ctid < "
            "'(3,0)'::tid) TO STDOUT");
  EXPECT_NE(parts[1].source_sql.find(">= '(3,0)'::tid AND ctid < '(6,0)'"), std::string::npos);
  EXPECT_NE(parts[2].source_sql.find(">= '(6,0)'::tid AND ctid < '(9,0)'"), std::string::npos);
  EXPECT_NE(parts[3].source_sql.find(">= '(9,0)'::tid) TO STDOUT"), std::string::npos);
  // One shared record: keys are built once, by the last part to finish.
  for (const CopyTask& p : parts) {
    EXPECT_EQ(p.split, parts[0].split);
    EXPECT_TRUE(p.after_load.empty());
    EXPECT_EQ(p.table, "public.big");
  }
  EXPECT_EQ(parts[0].split->parts_left.load(), 4);
  EXPECT_EQ(parts[0].split->after_load.size(), 1u);
}

TEST(SyncSplit, SmallTablesAndOnePartStayWhole) {
  for (auto [blocks, n] : {std::pair<int64_t, int>{10, 1}, {3, 4}, {0, 2}}) {
    const auto parts = SplitByBlocks(Whole(), "SELECT 1", blocks, n);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].source_sql, "COPY public.big (\"a\") TO STDOUT");
    EXPECT_EQ(parts[0].split, nullptr);
    EXPECT_EQ(parts[0].after_load.size(), 1u);
  }
}

}  // namespace
}  // namespace spur::sync
