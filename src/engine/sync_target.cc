// The pool's side of `spur sync`: a staging cluster beside a branch's data,
// filled by the sync without the pool lock, then swapped in like a reset.
#include <spdlog/spdlog.h>

#include "common/crash_point.h"
#include "common/names.h"
#include "engine/pool.h"
#include "os/fs.h"
#include "pg/conninfo.h"

namespace spur::engine {
namespace {

// A bulk load into a cluster nobody uses yet: durability comes from the
// clean shutdown and syncfs() before the swap, not from per-commit flushes.
void UseBulkLoadSettings(pg::InstanceSpec& spec) {
  spec.initdb_no_sync = true;
  spec.listen_addresses = "";
  spec.settings["fsync"] = "off";
  spec.settings["synchronous_commit"] = "off";
  spec.settings["full_page_writes"] = "off";
  spec.settings["wal_level"] = "minimal";
  spec.settings["max_wal_senders"] = "0";
  spec.settings["archive_mode"] = "off";
  spec.settings["max_wal_size"] = "4GB";
  spec.settings["checkpoint_timeout"] = "30min";
  spec.settings["maintenance_work_mem"] = "256MB";
  spec.settings["autovacuum"] = "off";
}

}  // namespace

std::string SyncTarget::Conninfo(const std::string& db, const std::string& user) const {
  return pg::SocketConninfo(spec.socket_dir, spec.port, user, db);
}

Result<SyncTarget> Pool::ClaimSyncTarget(const std::string& name) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  SyncTarget t;
  ASSIGN_OR_RETURN(t.branch, store_->GetBranch(name));
  ASSIGN_OR_RETURN(t.guard, os::FileLock::TryAcquire(layout_.SyncLock(t.branch.id)));
  if (!t.guard) {
    return FailedPrecondition("a sync into branch \"" + name +
                              "\" is already running; wait for it to finish");
  }
  t.spec = SpecAt(t.branch, layout_.BranchSync(t.branch.id));
  t.spec.socket_dir = layout_.SyncSocketDir(t.branch.id);  // never the branch's own
  t.spec.log_path = layout_.SyncLog(t.branch.id);
  return t;
}

Result<SyncTarget> Pool::BeginSync(const std::string& name) {
  ASSIGN_OR_RETURN(SyncTarget t, ClaimSyncTarget(name));
  const std::string staging = t.spec.pgdata;
  UseBulkLoadSettings(t.spec);
  Status st = [&]() -> Status {
    control_->Stop(staging).IgnoreError();
    RETURN_IF_ERROR(driver_->DestroyDataset(staging));
    RETURN_IF_ERROR(driver_->CreateDataset(staging));
    if (run_as_) RETURN_IF_ERROR(os::Chown(staging, run_as_->uid, run_as_->gid));
    RETURN_IF_ERROR(control_->InitDb(t.spec));
    RETURN_IF_ERROR(control_->PrepareDataDirectory(t.spec));
    RETURN_IF_ERROR(control_->Start(t.spec));
    RETURN_IF_ERROR(control_->SetLoginPassword(t.spec, t.branch.role, t.branch.password));
    // Superuser while the schema is restored, so every object (extensions
    // included) is created by and owned by the branch's role.
    return control_->BeginRestore(t.spec, t.branch.role, t.branch.database);
  }();
  if (!st.ok()) {
    AbortSync(t);
    return st.WithContext("preparing the sync's staging cluster");
  }
  return t;
}

Result<SyncTarget> Pool::BeginStandbySync(const std::string& name, const std::string& url) {
  ASSIGN_OR_RETURN(SyncTarget t, ClaimSyncTarget(name));
  const std::string staging = t.spec.pgdata;
  ASSIGN_OR_RETURN(auto parts, pg::ParseConninfo(url));
  t.standby_database = "postgres";
  for (const auto& [k, v] : parts) {
    if (k == "dbname") t.standby_database = v;
  }
  t.run_as = run_as_;
  Status st = [&]() -> Status {
    RETURN_IF_ERROR(driver_->DestroyDataset(staging));
    RETURN_IF_ERROR(driver_->CreateDataset(staging));
    if (run_as_) RETURN_IF_ERROR(os::Chown(staging, run_as_->uid, run_as_->gid));
    return Status::Ok();
  }();
  if (!st.ok()) {
    AbortSync(t);
    return st;
  }
  return t;
}

Result<catalog::Snapshot> Pool::FinishSync(SyncTarget& t, const std::string& snapshot_name) {
  const std::string staging = layout_.BranchSync(t.branch.id);
  if (t.standby_database.empty()) {
    RETURN_IF_ERROR(control_->EndRestore(t.spec, t.branch.role));
  }
  RETURN_IF_ERROR(control_->Stop(staging));
  RETURN_IF_ERROR(os::SyncFilesystem(staging));
  CrashPoint("sync.before_swap");
  // Reload: the branch may have changed (port, state) while the sync ran.
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranchById(t.branch.id));
  const std::string next = layout_.BranchStaging(b.id);
  driver_->DestroyDataset(next).IgnoreError();
  RETURN_IF_ERROR(driver_->RenameDataset(staging, next));
  // The point of no return: <id>.new is complete; from here a crash finishes
  // the swap forward (the run is still marked failed: no snapshot was taken).
  catalog::SwapIntent intent;
  intent.branch_id = b.id;
  intent.kind = "sync";
  intent.created_at = clock_.NowSeconds();
  if (!t.standby_database.empty()) {
    intent.database = t.standby_database;
    auto settings = SettingsFromJson(b.settings_json);
    for (const auto& [k, v] : t.standby_settings) settings[k] = v;
    intent.settings_json = SettingsToJson(settings);
  }
  RETURN_IF_ERROR(store_->PutSwapIntent(intent));
  CrashPoint("sync.after_staging_rename");
  if (Status swapped = SwapInStaging(b); !swapped.ok()) {
    store_->DeleteSwapIntent(b.id).IgnoreError();
    return swapped;
  }
  CrashPoint("sync.after_swap");
  RETURN_IF_ERROR(CommitSwap(b, intent));
  RETURN_IF_ERROR(StartInstance(b));
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  os::RemoveTree(t.spec.socket_dir).IgnoreError();
  t.branch = b;
  store_->RecordEvent(clock_.NowSeconds(), "branch.sync", b.name, "snapshot " + snapshot_name)
      .IgnoreError();
  return CreateSnapshot(b.name, snapshot_name);
}

void Pool::AbortSync(SyncTarget& t) {
  const std::string staging = layout_.BranchSync(t.branch.id);
  control_->Stop(staging).IgnoreError();
  driver_->DestroyDataset(staging).IgnoreError();
  os::RemoveTree(t.spec.socket_dir).IgnoreError();
  t.guard.reset();
}

Status Pool::ReconcileSyncStaging(const catalog::Branch& b,
                                  const std::vector<catalog::SyncRun>& runs) {
  const std::string staging = layout_.BranchSync(b.id);
  bool running = false;
  for (const auto& r : runs) running = running || r.branch == b.name;
  if (!running && !driver_->DatasetExists(staging)) return Status::Ok();
  ASSIGN_OR_RETURN(auto guard, os::FileLock::TryAcquire(layout_.SyncLock(b.id)));
  if (!guard) return Status::Ok();  // a sync is filling it right now
  for (auto r : runs) {
    if (r.branch != b.name) continue;
    r.state = "failed";
    r.finished_at = clock_.NowSeconds();
    r.error = "interrupted (the sync process died) before it finished";
    RETURN_IF_ERROR(store_->UpdateSyncRun(r));
  }
  if (!driver_->DatasetExists(staging)) return Status::Ok();
  control_->Stop(staging).IgnoreError();
  RETURN_IF_ERROR(driver_->DestroyDataset(staging));
  os::RemoveTree(layout_.SyncSocketDir(b.id)).IgnoreError();
  Repaired("removed the unfinished data of an interrupted sync into branch \"" + b.name +
           "\"; the branch kept its data");
  return Status::Ok();
}

}  // namespace spur::engine
