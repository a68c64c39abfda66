// The visible rows on some pages of a table, read with TID range scans
// (`ctid >= '(first,0)' AND ctid < '(end,0)'`, PostgreSQL 14+), so the
// server touches those pages and no others.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "diff/data/changed_pages.h"
#include "diff/data/table_spec.h"
#include "pg/conn.h"

namespace spur::diff::data {

// The SQL reading `ranges` of `spec`'s table (ONLY the table: partitions
// and inheritance children are separate tables) on `side`, in any order.
std::string PageRowsSql(const TableSpec& spec, SideRole side, const std::vector<PageRange>& ranges);

// Runs it on `conn`, a few hundred ranges per statement.
[[nodiscard]] Result<std::vector<Values>> ReadPageRows(pg::Connection& conn, const TableSpec& spec,
                                                       SideRole side,
                                                       const std::vector<PageRange>& ranges);

}  // namespace spur::diff::data
