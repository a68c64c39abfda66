#include "diff/data/copy_rows.h"

#include "pg/copy_text.h"

namespace spur::diff::data {

Result<CopyRows> CopyRows::Start(pg::Connection& conn, const std::string& select) {
  ASSIGN_OR_RETURN(pg::CopyOut copy, pg::CopyOut::Start(conn, "COPY (" + select + ") TO STDOUT"));
  return CopyRows(std::move(copy));
}

Result<bool> CopyRows::Next(const Values*& row) {
  std::string_view line;
  ASSIGN_OR_RETURN(bool more, copy_.Next(line));
  if (!more) return false;
  RETURN_IF_ERROR(pg::copy_text::SplitRow(line, fields_));
  row_.resize(fields_.size());
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (pg::copy_text::IsNull(fields_[i])) {
      row_[i].reset();
      continue;
    }
    if (!row_[i]) row_[i].emplace();
    row_[i]->clear();
    pg::copy_text::Unescape(fields_[i], *row_[i]);
  }
  row = &row_;
  return true;
}

}  // namespace spur::diff::data
