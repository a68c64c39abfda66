// Transactions that were in flight while a snapshot was taken, and how to
// tell whether two clusters forked there still agree on their fate.
//
// A page shared by two clusters (a branch and its parent, say) holds the same
// tuples on both, but whether a tuple is visible depends on each cluster's
// commit log. Only a transaction that was running while the snapshot was
// taken can have a different fate on the two sides: the branch recovers it as
// aborted, the parent may commit it later. spur records, for every snapshot,
// the half-open range of full transaction ids [xmin before, next id after) that
// covers them all (subtransactions included: their ids are above their
// parent's), and the data diff compares pg_xact_status of each on both sides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::pg {

struct XidRange {
  uint64_t lo = 0, hi = 0;  // full xids, [lo, hi)
  bool empty() const { return hi <= lo; }
  uint64_t size() const { return empty() ? 0 : hi - lo; }
};

// The record kept with a snapshot: "lo-hi", or "" for none.
std::string FormatXidRange(const std::optional<XidRange>& range);
// Parses FormatXidRange's output. nullopt for "" (nothing in flight);
// InvalidArgument for anything else that is not "lo-hi" with lo <= hi
// (including "?", which stands for "not recorded").
[[nodiscard]] Result<std::optional<XidRange>> ParseXidRange(const std::string& text);

// The oldest transaction `conn`'s cluster still considers running
// (pg_snapshot_xmin of the current snapshot), and an id above every one it
// has handed out (it assigns one: pg_current_xact_id(); FailedPrecondition
// on a standby, which cannot). Run the first before a snapshot and the
// second after it to get the range of every transaction that was in flight.
[[nodiscard]] Result<uint64_t> OldestRunningXid(Connection& conn);
[[nodiscard]] Result<uint64_t> NextXid(Connection& conn);

// Transaction ids in `ranges` whose status (committed, aborted, in
// progress) differs between the clusters behind `a` and `b`. Ids a cluster
// never handed out are skipped on both. FailedPrecondition when the ranges
// hold more than `limit` ids together.
[[nodiscard]] Result<std::vector<uint64_t>> XidsWithDifferentFate(
    Connection& a, Connection& b, const std::vector<XidRange>& ranges, uint64_t limit = 1000000);

}  // namespace spur::pg
