#include "engine/branch_diff.h"

#include <mutex>
#include <optional>
#include <regex>

#include "common/names.h"
#include "diff/data/report.h"
#include "diff/schema/schema_diff.h"

namespace spur::engine {
namespace {

struct Sides {
  DiffSide from, to;  // from: compared against; to: the branch
};

std::vector<pg::XidRange> Inflight(const Sides& s, std::string& unknown) {
  unknown = !s.to.inflight_unknown.empty() ? s.to.inflight_unknown : s.from.inflight_unknown;
  if (s.to.driver == "copy") unknown = "the copy driver shares no blocks between branches";
  std::vector<pg::XidRange> all = s.from.inflight;
  all.insert(all.end(), s.to.inflight.begin(), s.to.inflight.end());
  return all;
}

Result<diff::schema::SchemaDiff> DiffSchema(const Sides& s, const std::string& db,
                                            const DiffRequest& r) {
  ASSIGN_OR_RETURN(pg::Connection from, pg::Connection::Open(s.from.Conninfo(db)));
  ASSIGN_OR_RETURN(pg::Connection to, pg::Connection::Open(s.to.Conninfo(db)));
  ASSIGN_OR_RETURN(auto from_catalog, diff::schema::ReadCatalog(from));
  ASSIGN_OR_RETURN(auto to_catalog, diff::schema::ReadCatalog(to));
  diff::schema::DiffOptions options;
  options.tables = r.tables;
  return diff::schema::Diff(from_catalog, to_catalog, options);
}

Status DiffRows(const Sides& s, const std::string& db, const DiffRequest& r,
                diff::data::Report& report) {
  diff::data::DataDiffOptions options;
  options.tables = r.tables;
  options.full = r.full;
  options.inflight = Inflight(s, options.inflight_unknown);
  diff::data::SideSpec from{s.from.Conninfo(db), s.from.pgdata};
  diff::data::SideSpec to{s.to.Conninfo(db), s.to.pgdata};
  ASSIGN_OR_RETURN(auto result, diff::data::DiffData(from, to, options,
                                                     [&](const diff::data::TableDiff& t,
                                                         const diff::data::RowChange& c) {
                                                       return report.Add(t, c);
                                                     }));
  report.Finish(std::move(result));
  return Status::Ok();
}

Status Render(const DiffRequest& r, const Sides& s,
              const std::optional<diff::schema::SchemaDiff>& schema,
              const std::optional<diff::data::Report>& data, DiffOutput& out) {
  if (r.format == "json") {
    out.json = {{"branch", s.to.name}, {"against", s.from.name}};
    if (schema) out.json["schema"] = diff::schema::ToJson(*schema);
    if (data) out.json["data"] = data->ToJson();
    return Status::Ok();
  }
  if (r.format == "sql" || r.format == "sql-reverse") {
    out.text = "-- spur diff: turns " + s.from.kind + " " + s.from.name + " into " + s.to.kind +
               " " + s.to.name + "\n";
    if (schema) {
      diff::schema::ScriptOptions options{r.lock_timeout, r.statement_timeout};
      out.text += diff::schema::RenderSql(*schema, options);
    }
    if (data && !data->empty()) {
      ASSIGN_OR_RETURN(std::string rows, data->RenderSql(r.lock_timeout, r.statement_timeout));
      out.text += rows;
    }
    return Status::Ok();
  }
  out.text = "diff of " + s.to.kind + " " + s.to.name + " against " + s.from.kind + " " +
             s.from.name + "\n";
  if (schema) {
    out.text += "\nSchema\n";
    out.text +=
        schema->empty() ? "  no schema changes\n" : diff::schema::RenderText(*schema, r.color);
  }
  if (data) out.text += "\nData\n" + data->RenderText(r.color);
  return Status::Ok();
}

Result<Sides> OpenSides(Pool& pool, const DiffRequest& r) {
  Sides s;
  std::string against = r.against;
  if (against.empty()) {
    ASSIGN_OR_RETURN(against, pool.DiffBase(r.branch));
  }
  if (against == r.branch) return InvalidArgument("a branch compared with itself has no diff");
  if (!pool.store().GetBranch(r.branch).ok()) {
    return NotFound("no branch \"" + r.branch + "\"; `spur branch list` shows the branches");
  }
  ASSIGN_OR_RETURN(s.to, pool.OpenDiffSide(r.branch));
  auto from = pool.OpenDiffSide(against);
  if (!from.ok()) {
    pool.CloseDiffSide(s.to).IgnoreError();
    return from.status();
  }
  s.from = std::move(*from);
  return s;
}

}  // namespace

Status CheckDiffRequest(DiffRequest& r) {
  if (r.format != "text" && r.format != "json" && r.format != "sql" && r.format != "sql-reverse") {
    return InvalidArgument("format (--format) must be text, json, sql or sql-reverse");
  }
  if (r.schema_only && r.data_only) {
    return InvalidArgument(
        "schema only and data only (--schema, --data) exclude each other; ask for neither for "
        "both");
  }
  static const std::regex kDuration("[0-9]{1,9}(us|ms|s|min|h|d)?");
  for (const auto* timeout : {&r.lock_timeout, &r.statement_timeout}) {
    if (!std::regex_match(*timeout, kDuration)) {
      return InvalidArgument("timeout \"" + *timeout +
                             "\" is not a postgres duration; use e.g. 500ms, 5s, 15min");
    }
  }
  for (const auto& t : r.tables) {
    if (t.empty()) return InvalidArgument("tables: an empty name; use t1,t2");
    if (t.size() > 200) return InvalidArgument("tables: a name longer than 200 characters");
  }
  // A postgres identifier: at most 63 bytes, no control characters (it goes
  // into a quoted conninfo value).
  bool printable = r.database.size() <= 63;
  for (unsigned char c : r.database) printable = printable && c >= 0x20 && c != 0x7f;
  if (!printable) return InvalidArgument("database: at most 63 printable bytes");
  if (!r.against.empty()) RETURN_IF_ERROR(ValidateName("against", r.against));
  if (r.format == "sql" || r.format == "sql-reverse") r.max_rows = 0;
  return ValidateName("branch", r.branch);
}

namespace {

// A snapshot side is served by a throw-away instance whose directories are
// named after the process (diff_sides.cc); in the daemon every request is the
// same process, so such diffs run one at a time.
std::mutex snapshot_diff_mu;

// Closes both sides under the pool's lock when it goes out of scope, also
// when the comparison returned early or threw.
class SidesCloser {
 public:
  SidesCloser(Sides& sides, const WithPool& with_pool) : sides_(sides), with_pool_(with_pool) {}
  ~SidesCloser() {
    Status closed = with_pool_([&](Pool& pool) -> Status {
      Status a = pool.CloseDiffSide(sides_.from);
      Status b = pool.CloseDiffSide(sides_.to);
      return a.ok() ? b : a;
    });
    closed.IgnoreError();  // a throw-away instance left behind is removed by reconcile
  }
  SidesCloser(const SidesCloser&) = delete;
  SidesCloser& operator=(const SidesCloser&) = delete;

 private:
  Sides& sides_;
  const WithPool& with_pool_;
};

}  // namespace

Result<DiffOutput> RunDiff(const DiffRequest& r, const WithPool& with_pool) {
  bool snapshot_side = false;
  RETURN_IF_ERROR(with_pool([&](Pool& pool) -> Status {
    std::string against = r.against;
    if (against.empty()) {
      ASSIGN_OR_RETURN(against, pool.DiffBase(r.branch));
    }
    snapshot_side = !pool.store().GetBranch(against).ok();
    return Status::Ok();
  }));
  // Taken outside the pool's lock: closing sides takes that lock.
  std::unique_lock<std::mutex> one_snapshot_at_a_time(snapshot_diff_mu, std::defer_lock);
  if (snapshot_side) one_snapshot_at_a_time.lock();
  Sides s;
  RETURN_IF_ERROR(with_pool([&](Pool& pool) -> Status {
    ASSIGN_OR_RETURN(s, OpenSides(pool, r));
    return Status::Ok();
  }));
  SidesCloser closer(s, with_pool);
  // Compared without the pool lock: other commands go on while a diff runs.
  const std::string db = r.database.empty() ? s.to.database : r.database;  // the branch's
  Sides shown = s;
  if (r.format == "sql-reverse") std::swap(shown.from, shown.to);
  std::optional<diff::schema::SchemaDiff> schema;
  std::optional<diff::data::Report> data;
  if (!r.data_only) {
    ASSIGN_OR_RETURN(schema, DiffSchema(shown, db, r));
  }
  if (!r.schema_only) {
    data.emplace(r.max_rows, r.max_total_rows, r.max_kept_bytes);
    RETURN_IF_ERROR(DiffRows(shown, db, r, *data));
  }
  DiffOutput out;
  out.kind_to = shown.to.kind;
  out.to = shown.to.name;
  out.kind_from = shown.from.kind;
  out.from = shown.from.name;
  out.differs = (schema && !schema->empty()) || (data && !data->empty());
  RETURN_IF_ERROR(Render(r, shown, schema, data, out));
  return out;
}

}  // namespace spur::engine
