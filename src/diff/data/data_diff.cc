#include "diff/data/data_diff.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "common/stopwatch.h"
#include "diff/data/copy_rows.h"
#include "diff/data/page_rows.h"
#include "diff/data/relation_pages.h"
#include "pg/conn.h"
#include "pg/schema.h"

namespace spur::diff::data {
namespace {

// Same text for the same value on both sides, whatever their settings.
constexpr const char* kSessionSettings =
    "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; "
    "SET bytea_output = 'hex'; SET extra_float_digits = 1; SET statement_timeout = 0; "
    "SET lock_timeout = 0; SET client_encoding = 'UTF8'; SET standard_conforming_strings = on";

// One side: a connection inside a REPEATABLE READ transaction (its snapshot
// taken), the schema it sees and its data directory.
struct Side {
  pg::Connection conn;
  pg::Schema schema;
  std::string pgdata;
};

Result<Side> OpenSide(const SideSpec& spec, const char* label) {
  auto conn = pg::Connection::Open(spec.conninfo);
  if (!conn.ok()) return conn.status().WithContext(std::string("connecting to ") + label);
  RETURN_IF_ERROR(conn->Exec(kSessionSettings));
  RETURN_IF_ERROR(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(*conn));  // takes the snapshot
  return Side{std::move(*conn), std::move(schema), spec.pgdata};
}

Status Checkpoint(const SideSpec& spec) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(spec.conninfo));
  return conn.Exec("CHECKPOINT");
}

// Why the fast path cannot be used for any table ("" when it can). Runs
// after both snapshots are taken and before the checkpoints.
Result<std::string> FastPathBlocker(Side& from, Side& to, const DataDiffOptions& options) {
  if (options.full) return std::string("full comparison asked for");
  if (from.pgdata.empty() || to.pgdata.empty()) {
    return std::string("a side's data directory is not readable here");
  }
  for (Side* side : {&from, &to}) {
    ASSIGN_OR_RETURN(std::string sizes,
                     side->conn.QueryValue("SELECT current_setting('block_size') || ' ' || "
                                           "current_setting('segment_size')"));
    if (sizes != std::to_string(kPageSize) + " 1GB") {
      return "a server built with block and segment sizes " + sizes + ", not 8192 and 1GB";
    }
  }
  if (!options.inflight_unknown.empty()) return options.inflight_unknown;
  auto differ = pg::XidsWithDifferentFate(from.conn, to.conn, options.inflight);
  if (!differ.ok()) {
    if (differ.status().code() == Code::kFailedPrecondition) return differ.status().message();
    return differ.status();
  }
  if (!differ->empty()) {
    return std::to_string(differ->size()) +
           " transaction(s) in flight when a side was forked ended differently on the two "
           "sides (first: " +
           std::to_string(differ->front()) + ")";
  }
  return std::string();
}

// Where a table's rows live on one side: its relpersistence and its main
// fork's path under the data directory, in one lookup.
struct Storage {
  std::string persistence, path;
};

Result<Storage> StorageOf(pg::Connection& conn, const TableSpec& spec) {
  ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT relpersistence, pg_relation_filepath(oid) "
                                         "FROM pg_class WHERE oid = $1::regclass",
                                         {spec.qualified}));
  if (rows.size() != 1 || !rows[0][0] || !rows[0][1]) {
    return Internal("no relation file for " + spec.display);
  }
  return Storage{*rows[0][0], *rows[0][1]};
}

// The fast path's plan for one table, or a reason to compare it in full.
Result<std::string> PlanPages(Side& from, Side& to, TableDiff& t, RelationPages& pages,
                              std::string& file, const DataDiffOptions& options) {
  ASSIGN_OR_RETURN(Storage a, StorageOf(from.conn, t.spec));
  ASSIGN_OR_RETURN(Storage b, StorageOf(to.conn, t.spec));
  const std::string& fa = a.path;
  const std::string& fb = b.path;
  if (fa != fb) return std::string("its relation file was rewritten on a side");
  // CHECKPOINT does not write unlogged tables' buffers: their pages on disk
  // say nothing about their rows.
  if (a.persistence != "p" || b.persistence != "p") return std::string("it is unlogged");
  file = fa;
  auto compared = CompareRelationFiles(from.pgdata + "/" + fa, to.pgdata + "/" + fb);
  if (!compared.ok()) {
    if (compared.status().code() == Code::kNotFound) return compared.status().message();
    return compared.status();
  }
  pages = std::move(*compared);
  t.pages = pages.pages;
  const uint64_t changed = CountPages(pages.changed);
  if (changed > options.max_fast_pages ||
      (changed > 64 && static_cast<double>(changed) >
                           options.max_changed_share * static_cast<double>(pages.pages))) {
    return std::to_string(changed) + " of " + std::to_string(pages.pages) + " pages are not shared";
  }
  return std::string();
}

Status DiffByPages(Side& from, Side& to, TableDiff& t, const RelationPages& pages,
                   const std::string& file, const TableChangeSink& sink) {
  Stopwatch lap;
  PrefetchPages(from.pgdata + "/" + file, pages.changed);
  PrefetchPages(to.pgdata + "/" + file, pages.changed);
  // Both sides at once: each connection is used by one thread only.
  Result<std::vector<Values>> from_read = std::vector<Values>();
  std::thread reader(
      [&] { from_read = ReadPageRows(from.conn, t.spec, SideRole::kFrom, pages.changed); });
  auto to_read = ReadPageRows(to.conn, t.spec, SideRole::kTo, pages.changed);
  reader.join();
  ASSIGN_OR_RETURN(auto rows_from, std::move(from_read));
  ASSIGN_OR_RETURN(auto rows_to, std::move(to_read));
  spdlog::debug("{}: {} + {} rows read in {:.0f} ms", t.spec.display, rows_from.size(),
                rows_to.size(), lap.LapMs());
  t.pages_read = CountPages(pages.changed);
  SortedRows a(t.spec, std::move(rows_from));
  SortedRows b(t.spec, std::move(rows_to));
  spdlog::debug("{}: sorted in {:.0f} ms", t.spec.display, lap.LapMs());
  ASSIGN_OR_RETURN(t.counts,
                   MergeRows(t.spec, a, b, [&](const RowChange& c) { return sink(t, c); }));
  return Status::Ok();
}

Status DiffInFull(Side& from, Side& to, TableDiff& t, const TableChangeSink& sink) {
  if (t.pages == 0) {
    pg::Connection& c = t.spec.presence == Presence::kOnlyFrom ? from.conn : to.conn;
    ASSIGN_OR_RETURN(std::string n,
                     c.QueryValue("SELECT pg_relation_size(" + c.QuoteLiteral(t.spec.qualified) +
                                  "::regclass) / " + std::to_string(kPageSize)));
    t.pages = std::stoull(n);
  }
  t.pages_read = t.pages;
  auto sorted = [&](SideRole side) {
    const std::string order = OrderBySql(t.spec, side);
    return "SELECT " + SelectListSql(t.spec, side) + " FROM " + FromSql(t.spec) +
           (order.empty() ? std::string() : " ORDER BY " + order);
  };
  // A table on one side only is compared with nothing.
  SortedRows nothing(t.spec, {});
  std::optional<CopyRows> a, b;
  if (t.spec.presence != Presence::kOnlyTo) {
    auto started = CopyRows::Start(from.conn, sorted(SideRole::kFrom));
    if (!started.ok()) return started.status();
    a.emplace(std::move(*started));
  }
  if (t.spec.presence != Presence::kOnlyFrom) {
    auto started = CopyRows::Start(to.conn, sorted(SideRole::kTo));
    if (!started.ok()) return started.status();
    b.emplace(std::move(*started));
  }
  RowStream& from_rows = a ? static_cast<RowStream&>(*a) : nothing;
  RowStream& to_rows = b ? static_cast<RowStream&>(*b) : nothing;
  ASSIGN_OR_RETURN(t.counts, MergeRows(t.spec, from_rows, to_rows,
                                       [&](const RowChange& c) { return sink(t, c); }));
  return Status::Ok();
}

// Display names of `specs`, referenced tables before referencing ones.
std::vector<std::string> ForeignKeyOrder(const std::vector<TableSpec>& specs, const Side& from,
                                         const Side& to) {
  // An FK declared on a partitioned table binds each of its leaves, and one
  // onto a partitioned table binds to each of the referenced one's leaves.
  std::map<std::string, std::set<std::string>> leaves;  // table -> its leaves (or itself)
  for (const auto* side : {&from, &to}) {
    for (const auto& t : side->schema.tables) {
      if (!t.leaf()) continue;
      leaves[t.qualified].insert(t.qualified);
      for (auto up = t.partition_of; up;) {
        leaves[*up].insert(t.qualified);
        const pg::Table* parent = side->schema.Find(*up);
        up = parent ? parent->partition_of : std::nullopt;
      }
    }
  }
  std::map<std::string, std::set<std::string>> parents;  // leaf -> leaves it references
  for (const auto* side : {&from, &to}) {
    for (const auto& fk : side->schema.foreign_keys) {
      for (const auto& child : leaves[fk.table]) {
        for (const auto& ref : leaves[fk.ref_table]) {
          if (child != ref) parents[child].insert(ref);
        }
      }
    }
  }
  std::vector<std::string> order;
  std::set<std::string> placed, visiting;
  std::map<std::string, std::string> display;
  for (const auto& s : specs) display[s.qualified] = s.display;
  std::function<void(const std::string&)> visit = [&](const std::string& q) {
    if (placed.count(q) || visiting.count(q)) return;  // cycles: any order
    visiting.insert(q);
    for (const auto& p : parents[q]) visit(p);
    visiting.erase(q);
    placed.insert(q);
    if (display.count(q)) order.push_back(display[q]);
  };
  for (const auto& s : specs) visit(s.qualified);
  return order;
}

}  // namespace

Result<DataDiff> DiffData(const SideSpec& from_spec, const SideSpec& to_spec,
                          const DataDiffOptions& options, const TableChangeSink& sink) {
  Stopwatch total, phase;
  DataDiff out;
  ASSIGN_OR_RETURN(Side from, OpenSide(from_spec, "the side compared against"));
  ASSIGN_OR_RETURN(Side to, OpenSide(to_spec, "the branch"));
  ASSIGN_OR_RETURN(auto specs, PairTables(from.schema, to.schema, options.tables, out.one_side));
  out.fk_order = ForeignKeyOrder(specs, from, to);
  {
    ASSIGN_OR_RETURN(auto from_sequences, ReadSequences(from.conn));
    ASSIGN_OR_RETURN(auto to_sequences, ReadSequences(to.conn));
    std::vector<std::string> owners;
    if (!options.tables.empty()) {
      for (const auto& s : specs) owners.push_back(s.qualified);
    }
    out.sequences = DiffSequences(from_sequences, to_sequences, owners);
  }
  spdlog::debug("data diff: snapshots and schemas of both sides in {:.0f} ms", phase.LapMs());
  ASSIGN_OR_RETURN(out.fast_path_off, FastPathBlocker(from, to, options));
  spdlog::debug("data diff: in-flight transactions checked in {:.0f} ms", phase.LapMs());
  if (out.fast_path_off.empty()) {
    // After both snapshots: every row they see is in a page written before
    // the checkpoints start, hence on disk (and unshared) once they end.
    RETURN_IF_ERROR(Checkpoint(from_spec));
    RETURN_IF_ERROR(Checkpoint(to_spec));
    spdlog::debug("data diff: both sides checkpointed in {:.0f} ms", phase.LapMs());
  } else {
    spdlog::info("data diff: comparing every table in full: {}", out.fast_path_off);
  }
  for (auto& spec : specs) {
    Stopwatch watch, lap;
    TableDiff t;
    t.spec = std::move(spec);
    RelationPages pages;
    std::string file;
    std::string reason = out.fast_path_off;
    if (t.spec.presence != Presence::kBoth) {
      reason = t.spec.presence == Presence::kOnlyTo ? "only on the branch"
                                                    : "only on the side compared against";
    } else if (reason.empty()) {
      ASSIGN_OR_RETURN(reason, PlanPages(from, to, t, pages, file, options));
      spdlog::debug("{}: {} of {} pages not shared (extent maps read in {:.0f} ms)", t.spec.display,
                    CountPages(pages.changed), t.pages, lap.LapMs());
    }
    if (reason.empty()) {
      t.method = "pages";
      RETURN_IF_ERROR(DiffByPages(from, to, t, pages, file, sink));
    } else {
      t.method = "full";
      t.reason = reason;
      if (out.fast_path_off.empty() && t.spec.presence == Presence::kBoth) {
        spdlog::info("{}: comparing in full: {}", t.spec.display, reason);
      }
      RETURN_IF_ERROR(DiffInFull(from, to, t, sink).WithContext("comparing " + t.spec.display));
      if (watch.ElapsedMs() > 2000) {
        spdlog::info("{}: {} and {} rows compared in full in {:.1f} s", t.spec.display,
                     t.counts.rows_from, t.counts.rows_to, watch.ElapsedMs() / 1000.0);
      }
    }
    spdlog::debug("{}: {} by {} in {:.0f} ms", t.spec.display,
                  t.counts.inserted + t.counts.deleted + t.counts.updated, t.method, lap.LapMs());
    t.seconds = watch.ElapsedMs() / 1000.0;
    out.tables.push_back(std::move(t));
  }
  from.conn.Exec("COMMIT").IgnoreError();
  to.conn.Exec("COMMIT").IgnoreError();
  out.seconds = total.ElapsedMs() / 1000.0;
  return out;
}

}  // namespace spur::diff::data
