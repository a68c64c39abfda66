// cli::Table: cells cut to the maximum width so one huge value cannot widen
// every row (issue 11, item 3: `spur audit` printed 8.7 GB of padding).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "cli/table.h"

namespace spur::cli {
namespace {

std::string Printed(const Table& t) {
  std::FILE* f = std::tmpfile();
  t.Print(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  std::fclose(f);
  return out;
}

TEST(CliTable, CliTableTruncatesCells) {
  Table t({"SEQ", "TARGET", "RESULT"});
  t.AddRow({"1", std::string(1 << 20, 'x'), "ok"});
  t.AddRow({"2", "short", "ok"});
  t.AddRow({"3", "\xc3\xa9" + std::string(100, 'y'), "ok"});  // é: cut by characters
  const std::string out = Printed(t);
  EXPECT_LT(out.size(), 400u) << out.size();
  // 59 characters and "…"; the other rows padded to that, not to 1 MiB.
  EXPECT_NE(out.find("1    " + std::string(59, 'x') + "\xe2\x80\xa6  ok\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("2    short" + std::string(57, ' ') + "ok\n"), std::string::npos) << out;
  EXPECT_NE(out.find("3    \xc3\xa9" + std::string(58, 'y') + "\xe2\x80\xa6  ok\n"),
            std::string::npos)
      << out;

  Table::SetMaxCellWidth(0);  // --wide
  EXPECT_GT(Printed(t).size(), size_t{1} << 20);
  Table::SetMaxCellWidth(Table::kDefaultMaxCellWidth);
}

}  // namespace
}  // namespace spur::cli
