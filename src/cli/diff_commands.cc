// spur diff BRANCH [--against X] [--schema|--data] [--tables ...] [--format ...]
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "cli/commands.h"
#include "common/names.h"
#include "diff/data/report.h"
#include "diff/schema/schema_diff.h"
#include "os/lock.h"

namespace spur::cli {
namespace {

struct DiffArgs {
  std::string branch, against, format = "text", database, color = "auto";
  std::string lock_timeout = "5s", statement_timeout = "15min";
  bool schema_only = false, data_only = false, full = false, exit_code = false;
  std::vector<std::string> tables;
  size_t max_rows = 20;
};

struct Sides {
  engine::DiffSide from, to;  // from: compared against; to: the branch
};

Status CheckArgs(DiffArgs& a, const GlobalOptions& g) {
  if (g.json) a.format = "json";
  if (a.format != "text" && a.format != "json" && a.format != "sql" && a.format != "sql-reverse") {
    return InvalidArgument("--format must be text, json, sql or sql-reverse");
  }
  if (a.schema_only && a.data_only) {
    return InvalidArgument("--schema and --data exclude each other; pass neither for both");
  }
  if (a.color != "auto" && a.color != "always" && a.color != "never") {
    return InvalidArgument("--color must be auto, always or never");
  }
  for (const auto* timeout : {&a.lock_timeout, &a.statement_timeout}) {
    if (!std::regex_match(*timeout, std::regex("[0-9]+(us|ms|s|min|h|d)?"))) {
      return InvalidArgument("timeout \"" + *timeout +
                             "\" is not a postgres duration; use e.g. 500ms, 5s, 15min");
    }
  }
  for (const auto& t : a.tables) {
    if (t.empty()) return InvalidArgument("--tables has an empty name; use t1,t2");
  }
  if (a.format == "sql" || a.format == "sql-reverse") a.max_rows = 0;  // a script needs them all
  return ValidateName("branch", a.branch);
}

std::vector<pg::XidRange> Inflight(const Sides& s, std::string& unknown) {
  unknown = !s.to.inflight_unknown.empty() ? s.to.inflight_unknown : s.from.inflight_unknown;
  if (s.to.driver == "copy") unknown = "the copy driver shares no blocks between branches";
  std::vector<pg::XidRange> all = s.from.inflight;
  all.insert(all.end(), s.to.inflight.begin(), s.to.inflight.end());
  return all;
}

Result<diff::schema::SchemaDiff> DiffSchema(const Sides& s, const std::string& db,
                                            const DiffArgs& a) {
  ASSIGN_OR_RETURN(pg::Connection from, pg::Connection::Open(s.from.Conninfo(db)));
  ASSIGN_OR_RETURN(pg::Connection to, pg::Connection::Open(s.to.Conninfo(db)));
  ASSIGN_OR_RETURN(auto from_catalog, diff::schema::ReadCatalog(from));
  ASSIGN_OR_RETURN(auto to_catalog, diff::schema::ReadCatalog(to));
  diff::schema::DiffOptions options;
  options.tables = a.tables;
  return diff::schema::Diff(from_catalog, to_catalog, options);
}

Status DiffRows(const Sides& s, const std::string& db, const DiffArgs& a,
                diff::data::Report& report) {
  diff::data::DataDiffOptions options;
  options.tables = a.tables;
  options.full = a.full;
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

int Print(const GlobalOptions& g, const DiffArgs& a, const Sides& s,
          const std::optional<diff::schema::SchemaDiff>& schema,
          const std::optional<diff::data::Report>& data) {
  if (a.format == "json") {
    nlohmann::json out = {{"branch", s.to.name}, {"against", s.from.name}};
    if (schema) out["schema"] = diff::schema::ToJson(*schema);
    if (data) out["data"] = data->ToJson();
    PrintJson(out);
    return 0;
  }
  if (a.format == "sql" || a.format == "sql-reverse") {
    std::string sql = "-- spur diff: turns " + s.from.kind + " " + s.from.name + " into " +
                      s.to.kind + " " + s.to.name + "\n";
    if (schema) {
      diff::schema::ScriptOptions options{a.lock_timeout, a.statement_timeout};
      sql += diff::schema::RenderSql(*schema, options);
    }
    if (data && !data->empty()) {
      auto rows = data->RenderSql(a.lock_timeout, a.statement_timeout);
      if (!rows.ok()) return Fail(g, rows.status());
      sql += *rows;
    }
    std::fwrite(sql.data(), 1, sql.size(), stdout);
    return 0;
  }
  const bool color = a.color == "always" || (a.color == "auto" && ::isatty(STDOUT_FILENO));
  std::string out = "diff of " + s.to.kind + " " + s.to.name + " against " + s.from.kind + " " +
                    s.from.name + "\n";
  if (schema) {
    out += "\nSchema\n";
    out += schema->empty() ? "  no schema changes\n" : diff::schema::RenderText(*schema, color);
  }
  if (data) out += "\nData\n" + data->RenderText(color);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

Result<Sides> OpenSides(engine::Pool& pool, const DiffArgs& a) {
  Sides s;
  std::string against = a.against;
  if (against.empty()) {
    ASSIGN_OR_RETURN(against, pool.DiffBase(a.branch));
  }
  if (against == a.branch) return InvalidArgument("a branch compared with itself has no diff");
  if (!pool.store().GetBranch(a.branch).ok()) {
    return NotFound("no branch \"" + a.branch + "\"; `spur branch list` shows the branches");
  }
  ASSIGN_OR_RETURN(s.to, pool.OpenDiffSide(a.branch));
  auto from = pool.OpenDiffSide(against);
  if (!from.ok()) return from.status();
  s.from = std::move(*from);
  return s;
}

int RunDiff(GlobalOptions& g, DiffArgs& a) {
  if (Status st = LocalOnly(g, "spur diff"); !st.ok()) return Fail(g, st);
  if (Status st = CheckArgs(a, g); !st.ok()) return Fail(g, st);
  auto pool = engine::Pool::Open(ResolvePoolDir(g), os::SystemClock(), /*hold_lock=*/false);
  if (!pool.ok()) return Fail(g, pool.status());
  const std::string lock_path = (*pool)->layout().lock();
  Result<Sides> sides = [&]() -> Result<Sides> {
    ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(lock_path));
    return OpenSides(**pool, a);
  }();
  if (!sides.ok()) return Fail(g, sides.status());
  // Read without the pool lock: other commands go on while a diff runs.
  Sides s = std::move(*sides);
  const std::string db = a.database.empty() ? s.to.database : a.database;  // the branch's
  if (a.format == "sql-reverse") std::swap(s.from, s.to);
  std::optional<diff::schema::SchemaDiff> schema;
  std::optional<diff::data::Report> data;
  Status st;
  if (!a.data_only) {
    auto r = DiffSchema(s, db, a);
    if (r.ok()) schema = std::move(*r);
    st = r.status();
  }
  if (st.ok() && !a.schema_only) {
    data.emplace(a.max_rows);
    st = DiffRows(s, db, a, *data);
  }
  int rc = st.ok() ? Print(g, a, s, schema, data) : Fail(g, st);
  // --exit-code, as git diff: 1 when there is a difference (for CI gates).
  const bool differs = (schema && !schema->empty()) || (data && !data->empty());
  if (rc == 0 && a.exit_code && differs) rc = 1;
  if (auto lock = os::FileLock::Acquire(lock_path); lock.ok()) {
    (*pool)->CloseDiffSide(s.from).IgnoreError();
    (*pool)->CloseDiffSide(s.to).IgnoreError();
  }
  return rc;
}

}  // namespace

void AddDiffCommand(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff", "What a branch changed: schema (from the catalogs) and rows, against its parent");
  cmd->add_option("branch", a->branch, "The branch to show")->required();
  cmd->add_option("--against", a->against,
                  "Branch or snapshot to compare with (default: the branch's parent)");
  cmd->add_flag("--schema", a->schema_only, "Schema only");
  cmd->add_flag("--exit-code", a->exit_code,
                "Exit 1 when there is a difference, 0 when there is none (as git diff)");
  cmd->add_flag("--data", a->data_only, "Rows only");
  cmd->add_option("--tables", a->tables, "Only these tables (schema.table or table), t1,t2")
      ->delimiter(',');
  cmd->add_option("--format", a->format,
                  "text (people), json (tools), sql (turns --against into the branch), "
                  "sql-reverse (its inverse)")
      ->capture_default_str();
  cmd->add_option("--database", a->database, "Database to compare (default: the branch's)");
  cmd->add_flag("--full", a->full,
                "Compare every table in full instead of only the pages the branches no longer "
                "share");
  cmd->add_option("--max-rows", a->max_rows, "Rows shown per table in text and json (0: all)")
      ->capture_default_str();
  cmd->add_option("--color", a->color, "auto, always or never")->capture_default_str();
  cmd->add_option("--lock-timeout", a->lock_timeout, "lock_timeout of every emitted statement")
      ->capture_default_str();
  cmd->add_option("--statement-timeout", a->statement_timeout,
                  "statement_timeout of every emitted statement")
      ->capture_default_str();
  cmd->callback([&g, a, exit_code] { *exit_code = RunDiff(g, *a); });
}

}  // namespace spur::cli
