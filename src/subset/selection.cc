#include "subset/selection.h"

#include <utility>

namespace spur::subset {

const char* ReachName(Reach r) {
  switch (r) {
    case Reach::kRoot:
      return "root";
    case Reach::kClosure:
      return "closure";
    case Reach::kAll:
      return "all";
    case Reach::kNone:
      return "none";
  }
  return "none";
}

std::optional<std::string> Selection::SelectSql(const pg::Table& leaf,
                                                const std::string& column_list) const {
  auto it = plans_.find(leaf.qualified);
  if (it == plans_.end()) return std::nullopt;
  const Plan& plan = it->second;
  const TableReport& r = report_[plan.report_index];
  const std::string from = "SELECT " + column_list + " FROM ONLY " + leaf.qualified;
  switch (r.reach) {
    case Reach::kAll:
      return from;
    case Reach::kNone:
      return std::nullopt;
    case Reach::kRoot:
    case Reach::kClosure:
      if (r.actual_rows == 0) return std::nullopt;
      // A semi-join on ctid: the planner picks TID scans for few rows or a
      // hash semi-join for many.
      return from + " WHERE ctid IN (SELECT row_tid FROM " + plan.keep_table +
             " WHERE rel_oid = " + std::to_string(plan.oid) + "::oid)";
  }
  return std::nullopt;
}

const TableReport* Selection::Find(const std::string& qualified) const {
  auto it = plans_.find(qualified);
  return it == plans_.end() ? nullptr : &report_[it->second.report_index];
}

void Selection::Add(const pg::Table& leaf, TableReport report, std::string keep_table) {
  plans_[leaf.qualified] =
      Plan{.report_index = report_.size(), .keep_table = std::move(keep_table), .oid = leaf.oid};
  report_.push_back(std::move(report));
}

}  // namespace spur::subset
