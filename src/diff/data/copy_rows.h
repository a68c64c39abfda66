// A RowStream over `COPY (SELECT ...) TO STDOUT`: rows parsed from the COPY
// text format as they arrive, one at a time (the full comparison's input).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diff/data/row_merge.h"
#include "pg/conn.h"
#include "pg/copy_stream.h"

namespace spur::diff::data {

class CopyRows : public RowStream {
 public:
  // Starts `COPY (select) TO STDOUT` on `conn`, which must outlive this.
  [[nodiscard]] static Result<CopyRows> Start(pg::Connection& conn, const std::string& select);
  [[nodiscard]] Result<bool> Next(const Values*& row) override;

 private:
  explicit CopyRows(pg::CopyOut copy) : copy_(std::move(copy)) {}
  pg::CopyOut copy_;
  Values row_;
  std::vector<std::string_view> fields_;
};

}  // namespace spur::diff::data
