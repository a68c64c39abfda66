// Store: sources, sync runs and sync schedules.
#include <sqlite3.h>

#include "catalog/statement.h"
#include "catalog/store.h"

namespace spur::catalog {
namespace {

constexpr const char* kRunColumns =
    "id, source, branch, mode, state, started_at, finished_at, snapshot, masked, mask, report, "
    "error";

std::string RunQuery(const std::string& tail) {
  return std::string("SELECT ") + kRunColumns + " FROM sync_runs " + tail;
}

SyncRun ReadRun(const Statement& s) {
  SyncRun r;
  r.id = s.Int(0);
  r.source = s.Text(1);
  r.branch = s.Text(2);
  r.mode = s.Text(3);
  r.state = s.Text(4);
  r.started_at = s.Int(5);
  r.finished_at = s.OptInt(6);
  r.snapshot = s.Text(7);
  r.masked = s.Int(8) != 0;
  r.mask = s.Text(9);
  r.report = s.Text(10);
  r.error = s.Text(11);
  return r;
}

}  // namespace

Status Store::InsertSource(const Source& x) {
  Statement s(db_, "INSERT INTO sources(name, url, mode, created_at) VALUES(?, ?, ?, ?)");
  s.Bind(1, x.name).Bind(2, x.url).Bind(3, x.mode).Bind(4, x.created_at);
  Status st = s.Run();
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("source \"" + x.name +
                         "\" already exists; remove it first with `spur source remove " + x.name +
                         "`");
  }
  return st;
}

Status Store::DeleteSource(const std::string& name) {
  return RunOne("DELETE FROM sources WHERE name = ?", name,
                "no source \"" + name + "\"; `spur source list` shows them");
}

Result<Source> Store::GetSource(const std::string& name) {
  Statement s(db_, "SELECT name, url, mode, created_at FROM sources WHERE name = ?");
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return NotFound("no source \"" + name + "\"; add one with `spur source add " + name +
                    " --url postgres://...`");
  }
  return Source{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
}

Result<std::vector<Source>> Store::ListSources() {
  Statement s(db_, "SELECT name, url, mode, created_at FROM sources ORDER BY name");
  return ReadAll<Source>(s, [](const Statement& r) {
    return Source{r.Text(0), r.Text(1), r.Text(2), r.Int(3)};
  });
}

Status Store::InsertSyncRun(SyncRun& r) {
  Statement s(db_,
              "INSERT INTO sync_runs(source, branch, mode, state, started_at, masked) "
              "VALUES(?, ?, ?, ?, ?, ?)");
  s.Bind(1, r.source).Bind(2, r.branch).Bind(3, r.mode).Bind(4, r.state).Bind(5, r.started_at);
  s.Bind(6, static_cast<int64_t>(r.masked ? 1 : 0));
  RETURN_IF_ERROR(s.Run());
  r.id = sqlite3_last_insert_rowid(db_);
  return Status::Ok();
}

Status Store::UpdateSyncRun(const SyncRun& r) {
  Statement s(db_,
              "UPDATE sync_runs SET state = ?, finished_at = ?, snapshot = ?, masked = ?, "
              "mask = ?, report = ?, error = ? WHERE id = ?");
  s.Bind(1, r.state).Bind(2, r.finished_at).Bind(3, r.snapshot);
  s.Bind(4, static_cast<int64_t>(r.masked ? 1 : 0)).Bind(5, r.mask).Bind(6, r.report);
  s.Bind(7, r.error).Bind(8, r.id);
  return s.Run();
}

Result<std::vector<SyncRun>> Store::ListSyncRuns(int limit) {
  Statement s(db_, RunQuery("ORDER BY id DESC LIMIT ?").c_str());
  s.Bind(1, static_cast<int64_t>(limit));
  return ReadAll<SyncRun>(s, ReadRun);
}

Result<std::vector<SyncRun>> Store::RunningSyncRuns() {
  Statement s(db_, RunQuery("WHERE state = 'running'").c_str());
  return ReadAll<SyncRun>(s, ReadRun);
}

Result<std::optional<SyncRun>> Store::LastDoneSyncRun(const std::string& branch) {
  Statement s(db_,
              RunQuery("WHERE branch = ? AND state = 'done' ORDER BY id DESC LIMIT 1").c_str());
  s.Bind(1, branch);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<SyncRun>();
  return std::optional<SyncRun>(ReadRun(s));
}

Result<SyncRun> Store::SyncRunForSnapshot(const std::string& snapshot) {
  Statement s(db_, RunQuery("WHERE snapshot = ? ORDER BY id DESC LIMIT 1").c_str());
  s.Bind(1, snapshot);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return NotFound("snapshot \"" + snapshot +
                    "\" was not made by `spur sync`; `spur sync --list` shows sync snapshots");
  }
  return ReadRun(s);
}

Status Store::PutSyncSchedule(const SyncSchedule& x) {
  Statement s(db_,
              "INSERT INTO sync_schedules(source, branch, every_seconds, cron, options, "
              "next_run_at, last_run_id, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT(source, branch) DO UPDATE SET every_seconds = excluded.every_seconds, "
              "cron = excluded.cron, options = excluded.options, "
              "next_run_at = excluded.next_run_at, last_run_id = excluded.last_run_id");
  s.Bind(1, x.source).Bind(2, x.branch).Bind(3, x.every_seconds).Bind(4, x.cron);
  s.Bind(5, x.options).Bind(6, x.next_run_at).Bind(7, x.last_run_id).Bind(8, x.created_at);
  return s.Run();
}

Status Store::DeleteSyncSchedule(const std::string& source, const std::string& branch) {
  Statement s(db_, "DELETE FROM sync_schedules WHERE source = ? AND branch = ?");
  s.Bind(1, source).Bind(2, branch);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) == 0) {
    return NotFound("no scheduled sync of \"" + source + "\" into \"" + branch +
                    "\"; `spur sync --list` shows them");
  }
  return Status::Ok();
}

Result<std::vector<SyncSchedule>> Store::ListSyncSchedules() {
  Statement s(db_,
              "SELECT source, branch, every_seconds, cron, options, next_run_at, last_run_id, "
              "created_at FROM sync_schedules ORDER BY source, branch");
  return ReadAll<SyncSchedule>(s, [](const Statement& r) {
    return SyncSchedule{r.Text(0), r.Text(1), r.OptInt(2), r.Text(3),
                        r.Text(4), r.Int(5),  r.OptInt(6), r.Int(7)};
  });
}

}  // namespace spur::catalog
