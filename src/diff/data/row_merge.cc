#include "diff/data/row_merge.h"

#include <algorithm>

namespace spur::diff::data {
namespace {

// One side of the merge: the current row and a check that rows come sorted.
class Cursor {
 public:
  Cursor(const TableSpec& spec, RowStream& stream, const char* side)
      : spec_(spec), stream_(stream), side_(side) {}

  Status Advance() {
    if (row_) previous_ = *row_;
    ASSIGN_OR_RETURN(bool more, stream_.Next(row_));
    if (!more) {
      row_ = nullptr;
      return Status::Ok();
    }
    ++count_;
    if (previous_ && Less(spec_, *row_, *previous_)) {
      return Internal("rows of " + spec_.display + " came out of order on the " + side_ +
                      " side; the data diff cannot merge them");
    }
    return Status::Ok();
  }
  const Values* row() const { return row_; }
  int64_t count() const { return count_; }

 private:
  const TableSpec& spec_;
  RowStream& stream_;
  const char* side_;
  const Values* row_ = nullptr;
  std::optional<Values> previous_;
  int64_t count_ = 0;
};

std::vector<size_t> ChangedColumns(const Values& a, const Values& b) {
  std::vector<size_t> changed;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) changed.push_back(i);
  }
  return changed;
}

}  // namespace

SortedRows::SortedRows(const TableSpec& spec, std::vector<Values> rows) : rows_(std::move(rows)) {
  std::stable_sort(rows_.begin(), rows_.end(),
                   [&](const Values& a, const Values& b) { return Less(spec, a, b); });
}

Result<bool> SortedRows::Next(const Values*& row) {
  if (next_ >= rows_.size()) return false;
  row = &rows_[next_++];
  return true;
}

Result<ChangeCounts> MergeRows(const TableSpec& spec, RowStream& from, RowStream& to,
                               const ChangeSink& sink) {
  Cursor a(spec, from, "compared-against");
  Cursor b(spec, to, "branch");
  RETURN_IF_ERROR(a.Advance());
  RETURN_IF_ERROR(b.Advance());
  ChangeCounts counts;
  RowChange change;
  while (a.row() || b.row()) {
    if (a.row() && (!b.row() || Less(spec, *a.row(), *b.row()))) {
      change = RowChange{RowChange::Kind::kDelete, *a.row(), {}, {}};
      ++counts.deleted;
      RETURN_IF_ERROR(sink(change));
      RETURN_IF_ERROR(a.Advance());
    } else if (!a.row() || Less(spec, *b.row(), *a.row())) {
      change = RowChange{RowChange::Kind::kInsert, {}, *b.row(), {}};
      ++counts.inserted;
      RETURN_IF_ERROR(sink(change));
      RETURN_IF_ERROR(b.Advance());
    } else {
      auto changed = ChangedColumns(*a.row(), *b.row());
      if (!changed.empty()) {
        change = RowChange{RowChange::Kind::kUpdate, *a.row(), *b.row(), std::move(changed)};
        ++counts.updated;
        RETURN_IF_ERROR(sink(change));
      }
      RETURN_IF_ERROR(a.Advance());
      RETURN_IF_ERROR(b.Advance());
    }
  }
  counts.rows_from = a.count();
  counts.rows_to = b.count();
  return counts;
}

}  // namespace spur::diff::data
