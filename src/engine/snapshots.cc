// Snapshots: immutable, consistent copies of a branch at a moment.
//
// How consistency is reached depends on the instance and the driver:
//   stopped instance         -> plain clone ("clean")
//   running, atomic driver   -> one btrfs snapshot ("atomic"; crash-consistent,
//                               postgres recovers from its WAL at start)
//   running, per-file driver -> pg_backup_start, clone, pg_backup_stop, clone
//                               pg_wal again, write backup_label ("backup")
#include <spdlog/spdlog.h>

#include "common/crash_point.h"
#include "common/names.h"
#include "common/units.h"
#include "engine/pool.h"

namespace spur::engine {

Status Pool::CloneLive(const catalog::Branch& source, const std::string& dst,
                       catalog::Snapshot& snapshot) {
  const std::string src = layout_.BranchData(source.id);
  auto lsn = control_->BackupClone(
      Spec(source), "spur snapshot " + snapshot.name, dst,
      [&] { return driver_->CloneDataset(src, dst); },
      [&] { return driver_->CloneSubtree(src, dst, "pg_wal"); });
  if (!lsn.ok()) return lsn.status();
  snapshot.lsn = *lsn;
  snapshot.consistency = "backup";
  return Status::Ok();
}

Status Pool::CheckFreeSpace(const std::string& what) {
  ASSIGN_OR_RETURN(uint64_t free, driver_->FreeBytes(layout_.data()));
  if (free >= kMinFreeBytes) return Status::Ok();
  return StorageFull("pool " + layout_.root + " has " + FormatBytes(free) + " free, under the " +
                     FormatBytes(kMinFreeBytes) +
                     " spur keeps for postgres's WAL and checkpoints; " + what +
                     " refused; delete branches or snapshots you no longer need, or grow "
                     "the pool's filesystem");
}

Result<catalog::Snapshot> Pool::TakeSnapshot(const catalog::Branch& source, const std::string& name,
                                             bool implicit, const std::string& dst_arg) {
  // A checkpoint (pg_backup_start) on a full disk takes the source down.
  RETURN_IF_ERROR(CheckFreeSpace("snapshot of branch \"" + source.name + "\""));
  catalog::Snapshot snap;
  snap.name = name;
  snap.branch_id = source.id;
  snap.branch_name = source.name;
  snap.implicit = implicit;
  snap.has_data = dst_arg.empty();
  snap.ready = false;
  snap.consistency = "pending";
  snap.created_at = clock_.NowSeconds();
  RETURN_IF_ERROR(store_->InsertSnapshot(snap));
  CrashPoint("snapshot.after_insert");
  const std::string dst = dst_arg.empty() ? layout_.SnapshotData(snap.id) : dst_arg;
  const std::string src = layout_.BranchData(source.id);
  Status st;
  if (!control_->IsRunning(src)) {
    st = driver_->CloneDataset(src, dst);
    snap.consistency = "clean";
    // A cleanly stopped primary runs no transaction; otherwise unknown.
    snap.inflight_xids = control_->MayHoldInflight(src) ? "?" : "";
  } else {
    std::unique_ptr<pg::InflightWindow> window = control_->OpenInflightWindow(Spec(source));
    if (driver_->atomic_clone()) {
      st = driver_->CloneDataset(src, dst);
      snap.consistency = "atomic";
    } else {
      st = CloneLive(source, dst, snap);
    }
    if (st.ok()) snap.inflight_xids = window->Close();
  }
  CrashPoint("snapshot.after_clone");
  if (st.ok()) st = control_->ClearRunState(dst);
  if (st.ok()) {
    snap.ready = true;
    st = store_->UpdateSnapshot(snap);
  }
  if (!st.ok()) {
    driver_->DestroyDataset(dst).IgnoreError();
    store_->DeleteSnapshot(snap.id).IgnoreError();
    return st.WithContext("snapshot of branch \"" + source.name + "\"");
  }
  spdlog::debug("snapshot {} of {} taken ({})", snap.name, source.name, snap.consistency);
  return snap;
}

Result<catalog::Snapshot> Pool::CreateSnapshot(const std::string& branch_name,
                                               const std::optional<std::string>& name) {
  RETURN_IF_ERROR(ValidateName("branch", branch_name));
  if (name) RETURN_IF_ERROR(ValidateName("snapshot", *name));
  ASSIGN_OR_RETURN(catalog::Branch branch, store_->GetBranch(branch_name));
  std::string snap_name =
      name.value_or(branch.name.substr(0, 40) + "-" + std::to_string(clock_.NowSeconds()));
  RETURN_IF_ERROR(ValidateName("snapshot", snap_name));
  if (store_->GetSnapshot(snap_name).ok()) {
    return AlreadyExists("snapshot \"" + snap_name + "\" already exists; pick another --name");
  }
  return TakeSnapshot(branch, snap_name, /*implicit=*/false, /*dst=*/"");
}

Status Pool::DestroySnapshot(const catalog::Snapshot& snapshot) {
  if (snapshot.has_data)
    RETURN_IF_ERROR(driver_->DestroyDataset(layout_.SnapshotData(snapshot.id)));
  return store_->DeleteSnapshot(snapshot.id);
}

Status Pool::DeleteSnapshot(const std::string& name) {
  RETURN_IF_ERROR(ValidateName("snapshot", name));
  ASSIGN_OR_RETURN(catalog::Snapshot snap, store_->GetSnapshot(name));
  ASSIGN_OR_RETURN(auto users, store_->BranchesFromSnapshot(snap.id));
  if (!users.empty()) {
    std::string names;
    for (const auto& b : users) names += (names.empty() ? "" : ", ") + b.name;
    return FailedPrecondition("snapshot \"" + name + "\" is the base of branch(es) " + names +
                              "; delete or reset them first");
  }
  return DestroySnapshot(snap);
}

Status Pool::DropImplicitSnapshotIfUnused(std::optional<int64_t> snapshot_id) {
  if (!snapshot_id) return Status::Ok();
  auto snap = store_->GetSnapshotById(*snapshot_id);
  if (!snap.ok() || !snap->implicit) return Status::Ok();
  ASSIGN_OR_RETURN(auto users, store_->BranchesFromSnapshot(*snapshot_id));
  if (!users.empty()) return Status::Ok();
  return DestroySnapshot(*snap);
}

Result<std::vector<catalog::Snapshot>> Pool::ListSnapshots() { return store_->ListSnapshots(); }

}  // namespace spur::engine
