// What the data diff found, for output: exact counts always, the changed
// rows themselves up to a limit per table. Renders text for people (grouped
// by table, cell by cell for updates), JSON for tools, and SQL that turns
// the side compared against into the branch.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "diff/data/data_diff.h"

namespace spur::diff::data {

class Report {
 public:
  // Keeps up to `max_rows` changes per table (0: all of them; SQL needs all)
  // and `max_total` in all, holding at most `max_bytes` of values (0: no limit).
  explicit Report(size_t max_rows, size_t max_total = 0, size_t max_bytes = 0)
      : max_rows_(max_rows), max_total_(max_total), max_bytes_(max_bytes) {}

  // The sink to pass to DiffData. ResourceExhausted (which stops the diff)
  // once more than max_total rows or max_bytes would be kept.
  Status Add(const TableDiff& table, const RowChange& change);
  // The diff's summary, once DiffData returns.
  void Finish(DataDiff diff) { diff_ = std::move(diff); }

  const DataDiff& diff() const { return diff_; }
  bool empty() const;
  nlohmann::json ToJson() const;
  std::string RenderText(bool color) const;
  // DELETEs (referencing tables first), then UPDATEs and INSERTs
  // (referenced tables first), in one transaction under the timeouts.
  // FailedPrecondition when rows were left out (max_rows was not 0).
  [[nodiscard]] Result<std::string> RenderSql(const std::string& lock_timeout,
                                              const std::string& statement_timeout) const;

 private:
  struct Kept {
    std::vector<RowChange> rows;
    bool truncated = false;
  };
  const TableDiff* Find(const std::string& display) const;

  size_t max_rows_, max_total_, max_bytes_;
  size_t total_ = 0, bytes_ = 0;
  std::map<std::string, Kept> kept_;  // by display name
  DataDiff diff_;
};

}  // namespace spur::diff::data
