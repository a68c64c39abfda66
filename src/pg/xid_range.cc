#include "pg/xid_range.h"

#include <charconv>
#include <map>

namespace spur::pg {
namespace {

bool ParseU64(const std::string& s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Result<uint64_t> QueryXid(Connection& conn, const std::string& sql) {
  ASSIGN_OR_RETURN(std::string v, conn.QueryValue(sql));
  uint64_t x = 0;
  if (!ParseU64(v, x)) return Internal("unexpected transaction id \"" + v + "\" from the server");
  return x;
}

// status per id of [lo, hi) on one cluster, up to the ids it handed out.
Result<std::map<uint64_t, std::string>> Fates(Connection& conn, const XidRange& r) {
  ASSIGN_OR_RETURN(auto rows,
                   conn.Query("SELECT x, coalesce(pg_xact_status(x::text::xid8), 'unknown') "
                              "FROM generate_series($1::numeric, least($2::numeric, "
                              "pg_snapshot_xmax(pg_current_snapshot())::text::numeric) - 1) AS x",
                              {std::to_string(r.lo), std::to_string(r.hi)}));
  std::map<uint64_t, std::string> out;
  for (const auto& row : rows) {
    uint64_t x = 0;
    if (row.size() == 2 && row[0] && row[1] && ParseU64(*row[0], x)) out[x] = *row[1];
  }
  return out;
}

}  // namespace

std::string FormatXidRange(const std::optional<XidRange>& range) {
  if (!range || range->empty()) return "";
  return std::to_string(range->lo) + "-" + std::to_string(range->hi);
}

Result<std::optional<XidRange>> ParseXidRange(const std::string& text) {
  if (text.empty()) return std::optional<XidRange>();
  const auto dash = text.find('-');
  XidRange r;
  if (dash == std::string::npos || !ParseU64(text.substr(0, dash), r.lo) ||
      !ParseU64(text.substr(dash + 1), r.hi) || r.lo > r.hi) {
    return InvalidArgument("in-flight transaction range \"" + text + "\" is not \"lo-hi\"");
  }
  return std::optional<XidRange>(r);
}

Result<uint64_t> OldestRunningXid(Connection& conn) {
  return QueryXid(conn, "SELECT pg_snapshot_xmin(pg_current_snapshot())");
}

Result<uint64_t> NextXid(Connection& conn) {
  // A snapshot's xmax is one past the latest *completed* transaction, below
  // ids already handed out to running ones; only assigning an id (one, to
  // this statement's transaction) bounds them all. A standby cannot.
  ASSIGN_OR_RETURN(std::string recovering, conn.QueryValue("SELECT pg_is_in_recovery()"));
  if (recovering == "t") {
    return FailedPrecondition("a standby cannot tell which transaction ids were handed out");
  }
  return QueryXid(conn, "SELECT pg_current_xact_id()");
}

Result<std::vector<uint64_t>> XidsWithDifferentFate(Connection& a, Connection& b,
                                                    const std::vector<XidRange>& ranges,
                                                    uint64_t limit) {
  uint64_t total = 0;
  for (const auto& r : ranges) total += r.size();
  if (total > limit) {
    return FailedPrecondition(std::to_string(total) +
                              " transactions were in flight at the forks between the two sides");
  }
  std::vector<uint64_t> differ;
  for (const auto& r : ranges) {
    if (r.empty()) continue;
    ASSIGN_OR_RETURN(auto fa, Fates(a, r));
    ASSIGN_OR_RETURN(auto fb, Fates(b, r));
    for (const auto& [x, status] : fa) {
      auto it = fb.find(x);
      if (it != fb.end() && it->second != status) differ.push_back(x);
    }
  }
  return differ;
}

}  // namespace spur::pg
