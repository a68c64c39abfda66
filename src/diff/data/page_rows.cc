#include "diff/data/page_rows.h"

namespace spur::diff::data {
namespace {

constexpr size_t kRangesPerStatement = 200;

}  // namespace

std::string PageRowsSql(const TableSpec& spec, SideRole side,
                        const std::vector<PageRange>& ranges) {
  const std::string head = "SELECT " + SelectListSql(spec, side) + " FROM " + FromSql(spec);
  std::string sql;
  for (const auto& r : ranges) {
    if (!sql.empty()) sql += " UNION ALL ";
    sql += head + " WHERE r.ctid >= '(" + std::to_string(r.first) + ",0)'::tid AND r.ctid < '(" +
           std::to_string(r.end) + ",0)'::tid";
  }
  return sql;
}

Result<std::vector<Values>> ReadPageRows(pg::Connection& conn, const TableSpec& spec, SideRole side,
                                         const std::vector<PageRange>& ranges) {
  std::vector<Values> rows;
  for (size_t i = 0; i < ranges.size(); i += kRangesPerStatement) {
    const size_t n = std::min(kRangesPerStatement, ranges.size() - i);
    std::vector<PageRange> chunk(ranges.begin() + i, ranges.begin() + i + n);
    ASSIGN_OR_RETURN(auto got, conn.Query(PageRowsSql(spec, side, chunk)));
    for (auto& r : got) rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace spur::diff::data
