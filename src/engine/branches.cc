// Branch lifecycle: create, reset, start, stop, delete.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/crash_point.h"
#include "common/names.h"
#include "common/stopwatch.h"
#include "common/units.h"
#include "engine/credentials.h"
#include "engine/pg_settings_policy.h"
#include "engine/pool.h"

namespace spur::engine {
namespace {

bool IsMain(const catalog::Branch& b) { return !b.parent_id.has_value(); }

}  // namespace

Status Pool::CheckForkable(const catalog::Snapshot& snap) {
  if (!snap.has_data) {
    return FailedPrecondition("snapshot \"" + snap.name +
                              "\" is an implicit lineage record "
                              "without data of its own; take a named one with `spur snapshot "
                              "create BRANCH --name N`");
  }
  if (!snap.branch_id) {
    return FailedPrecondition("snapshot \"" + snap.name + "\" belongs to a deleted branch");
  }
  return Status::Ok();
}

Result<catalog::Branch> Pool::CreateBranch(const CreateBranchOptions& o) {
  RETURN_IF_ERROR(ValidateName("branch", o.name));
  if (store_->GetBranch(o.name).ok()) {
    return AlreadyExists("branch \"" + o.name +
                         "\" already exists; pick another name or "
                         "`spur branch reset " +
                         o.name + "`");
  }
  if (o.from && o.snapshot) return InvalidArgument("pass --from or --snapshot, not both");
  // The API checked the caller's role; this is the floor for every path in
  // (pull requests, ci): known settings, canonical values, never a forbidden one.
  ASSIGN_OR_RETURN(auto pg_settings, CheckSettings(o.pg_settings, SettingsCaller::kOperator, {}));
  if (o.ttl_seconds) RETURN_IF_ERROR(CheckDuration("ttl", *o.ttl_seconds).status());
  if (o.idle_expiry_seconds) {
    RETURN_IF_ERROR(CheckDuration("idle expiry", *o.idle_expiry_seconds).status());
  }
  RETURN_IF_ERROR(CheckQuotas(o.owner));
  RETURN_IF_ERROR(CheckFreeSpace("branch create"));
  Stopwatch timer;
  catalog::Snapshot snap;
  catalog::Branch parent;
  if (o.snapshot) {
    RETURN_IF_ERROR(ValidateName("snapshot", *o.snapshot));
    ASSIGN_OR_RETURN(snap, store_->GetSnapshot(*o.snapshot));
    RETURN_IF_ERROR(CheckForkable(snap));
    ASSIGN_OR_RETURN(parent, store_->GetBranchById(*snap.branch_id));
  } else {
    RETURN_IF_ERROR(ValidateName("branch", o.from.value_or("main")));
    ASSIGN_OR_RETURN(parent, store_->GetBranch(o.from.value_or("main")));
  }
  catalog::Branch b;
  b.name = o.name;
  b.parent_id = parent.id;
  b.state = catalog::BranchState::kCreating;
  ASSIGN_OR_RETURN(b.port, AllocatePort());
  b.role = parent.role;
  b.password = RandomPassword();
  b.database = parent.database;
  b.owner = o.owner;
  b.settings_json = SettingsToJson(pg_settings);
  b.labels_json = SettingsToJson(o.labels);
  b.created_at = b.last_used_at = clock_.NowSeconds();
  b.ttl_seconds = o.ttl_seconds;
  if (o.ttl_seconds) {
    ASSIGN_OR_RETURN(b.expires_at, ExpiryAfter(b.created_at, *o.ttl_seconds));
  }
  b.is_protected = o.is_protected;
  b.idle_expiry_seconds = o.idle_expiry_seconds;
  RETURN_IF_ERROR(store_->InsertBranch(b));
  CrashPoint("branch.create.after_insert");
  const std::string data = layout_.BranchData(b.id);
  Status st;
  if (o.snapshot) {
    st = driver_->CloneDataset(layout_.SnapshotData(snap.id), data);
  } else {
    // Branch from a branch now: the implicit snapshot is cloned straight
    // into the new branch (one clone, not two).
    auto taken = TakeSnapshot(parent, ImplicitSnapshotName(parent.name), true, data);
    if (taken.ok()) snap = *taken;
    st = taken.status();
  }
  spdlog::debug("create {}: data of {} cloned in {:.1f} ms", o.name, parent.name, timer.LapMs());
  CrashPoint("branch.create.after_clone");
  b.snapshot_id = snap.id;
  if (st.ok()) st = control_->PrepareDataDirectory(Spec(b));
  if (st.ok()) st = StartInstance(b);
  spdlog::debug("create {}: postgres started, role set in {:.1f} ms", o.name, timer.LapMs());
  CrashPoint("branch.create.after_start");
  if (st.ok()) st = store_->UpdateBranch(b);
  if (!st.ok()) {
    control_->Stop(data).IgnoreError();
    driver_->DestroyDataset(data).IgnoreError();
    store_->DeleteBranch(b.id).IgnoreError();
    if (snap.id != 0 && snap.implicit) DropImplicitSnapshotIfUnused(snap.id).IgnoreError();
    return st.WithContext("create branch \"" + o.name + "\"");
  }
  store_->RecordEvent(b.created_at, "branch.create", b.name, "from " + parent.name).IgnoreError();
  return b;
}

Result<catalog::Branch> Pool::StartBranch(const std::string& name) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  RETURN_IF_ERROR(StartInstance(b));
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  return b;
}

Result<catalog::Branch> Pool::StopBranch(const std::string& name, const std::string& reason) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  RETURN_IF_ERROR(control_->Stop(layout_.BranchData(b.id)));
  MarkStopped(b, reason);
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  return b;
}

void Pool::MarkStopped(catalog::Branch& b, const std::string& reason) {
  int64_t now = clock_.NowSeconds();
  if (b.running_since) b.running_seconds += std::max<int64_t>(0, now - *b.running_since);
  b.running_since.reset();
  b.state = catalog::BranchState::kStopped;
  b.stop_reason = reason;
}

namespace {
Status RefuseProtected(const catalog::Branch& b, const char* verb) {
  return FailedPrecondition("branch \"" + b.name + "\" is protected; " + verb +
                            " it with --force (admins only), or unprotect it first with "
                            "`spur branch unprotect " +
                            b.name + "`");
}
}  // namespace

Result<catalog::Branch> Pool::ResetBranch(const std::string& name,
                                          const std::optional<std::string>& to, bool force,
                                          const std::optional<std::string>& keep_backup) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  if (keep_backup) RETURN_IF_ERROR(ValidateName("snapshot", *keep_backup));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  if (b.is_protected && !force) return RefuseProtected(b, "reset");
  catalog::Snapshot snap;
  if (to) {
    RETURN_IF_ERROR(ValidateName("snapshot", *to));
    ASSIGN_OR_RETURN(snap, store_->GetSnapshot(*to));
    RETURN_IF_ERROR(CheckForkable(snap));
  } else if (IsMain(b)) {
    return FailedPrecondition("branch \"" + name +
                              "\" has no parent to reset to; pass "
                              "--to SNAPSHOT");
  }
  RETURN_IF_ERROR(CheckFreeSpace("reset of branch \"" + name + "\""));
  if (keep_backup) {
    // Taken once every check passed, before anything changes: killed after
    // it, the backup and the untouched branch are both complete.
    if (store_->GetSnapshot(*keep_backup).ok()) {
      return AlreadyExists("snapshot \"" + *keep_backup +
                           "\" exists; pick another name for --keep-backup");
    }
    RETURN_IF_ERROR(CreateSnapshot(name, *keep_backup).status());
    CrashPoint("branch.reset.after_backup");
  }
  const std::string staging = layout_.BranchStaging(b.id);
  driver_->DestroyDataset(staging).IgnoreError();
  Status st;
  if (to) {
    st = driver_->CloneDataset(layout_.SnapshotData(snap.id), staging);
  } else {
    ASSIGN_OR_RETURN(catalog::Branch parent, store_->GetBranchById(*b.parent_id));
    auto taken = TakeSnapshot(parent, ImplicitSnapshotName(parent.name), true, staging);
    if (taken.ok()) snap = *taken;
    st = taken.status();
  }
  if (st.ok()) st = control_->PrepareDataDirectory(SpecAt(b, staging));
  if (!st.ok()) {
    driver_->DestroyDataset(staging).IgnoreError();
    if (snap.id != 0 && snap.implicit) DropImplicitSnapshotIfUnused(snap.id).IgnoreError();
    return st.WithContext("reset branch \"" + name + "\"");
  }
  CrashPoint("branch.reset.after_stage");
  // The point of no return: from here a crash finishes the reset forward.
  catalog::SwapIntent intent;
  intent.branch_id = b.id;
  intent.kind = "reset";
  intent.snapshot_id = snap.id;
  intent.created_at = clock_.NowSeconds();
  Status swapped = store_->PutSwapIntent(intent);
  CrashPoint("branch.reset.after_intent");
  if (swapped.ok()) swapped = SwapInStaging(b);
  if (!swapped.ok()) {
    store_->DeleteSwapIntent(b.id).IgnoreError();
    driver_->DestroyDataset(staging).IgnoreError();
    if (snap.id != 0 && snap.implicit) DropImplicitSnapshotIfUnused(snap.id).IgnoreError();
    return swapped.WithContext("reset branch \"" + name + "\"");
  }
  CrashPoint("branch.reset.after_swap");
  std::optional<int64_t> old_snapshot = b.snapshot_id;
  RETURN_IF_ERROR(CommitSwap(b, intent));
  RETURN_IF_ERROR(StartInstance(b));
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  if (old_snapshot != snap.id) DropImplicitSnapshotIfUnused(old_snapshot).IgnoreError();
  store_->RecordEvent(clock_.NowSeconds(), "branch.reset", b.name, "to " + snap.name).IgnoreError();
  return b;
}

Status Pool::SwapInStaging(catalog::Branch& b) {
  // From here the new data is complete. Renames within one folder are atomic
  // on every driver (a btrfs subvolume is renamed like a directory), so at
  // each crash point one complete copy sits under a name FinishSwap knows.
  const std::string live = layout_.BranchData(b.id);
  const std::string old = layout_.BranchOld(b.id);
  RETURN_IF_ERROR(control_->Stop(live));
  RETURN_IF_ERROR(driver_->DestroyDataset(old));  // a finished swap's leftover
  const bool had_data = driver_->DatasetExists(live);
  if (had_data) RETURN_IF_ERROR(driver_->RenameDataset(live, old));
  CrashPoint("branch.swap.after_move_away");
  Status in = driver_->RenameDataset(layout_.BranchStaging(b.id), live);
  if (!in.ok()) {
    if (had_data) driver_->RenameDataset(old, live).IgnoreError();
    return in.WithContext("swapping in the new data of branch \"" + b.name + "\"");
  }
  CrashPoint("branch.swap.after_rename_in");
  Status gone = driver_->DestroyDataset(old);
  if (!gone.ok()) {
    // The swap is done; the next reconcile removes the old copy.
    spdlog::warn("branch {}: the previous data stays at {} for now: {}", b.name, old,
                 gone.message());
  }
  return Status::Ok();
}

Status Pool::CommitSwap(catalog::Branch& b, const catalog::SwapIntent& intent) {
  if (intent.snapshot_id) b.snapshot_id = intent.snapshot_id;
  if (!intent.database.empty()) b.database = intent.database;
  if (!intent.settings_json.empty()) b.settings_json = intent.settings_json;
  if (intent.kind == "reset") {
    if (b.ttl_seconds) b.expires_at = SaturatingAdd(clock_.NowSeconds(), *b.ttl_seconds);
    b.warned_at.reset();
  }
  b.state = catalog::BranchState::kStopped;
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  return store_->DeleteSwapIntent(b.id);
}

Status Pool::DeleteOne(const catalog::Branch& branch) {
  catalog::Branch b = branch;
  b.state = catalog::BranchState::kDeleting;
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  RETURN_IF_ERROR(control_->Stop(layout_.BranchData(b.id)));
  CrashPoint("branch.delete.after_stop");
  RETURN_IF_ERROR(driver_->DestroyDataset(layout_.BranchData(b.id)));
  CrashPoint("branch.delete.after_destroy");
  driver_->DestroyDataset(layout_.BranchStaging(b.id)).IgnoreError();
  driver_->DestroyDataset(layout_.BranchOld(b.id)).IgnoreError();
  control_->Forget(Spec(b)).IgnoreError();
  // Snapshots taken of this branch: implicit ones nobody uses go; the rest
  // stay (named snapshots outlive their branch) but lose the link.
  ASSIGN_OR_RETURN(auto snaps, store_->ListSnapshots());
  RETURN_IF_ERROR(store_->DeleteBranch(b.id));
  for (auto& s : snaps) {
    if (s.branch_id != b.id) continue;
    s.branch_id.reset();
    RETURN_IF_ERROR(store_->UpdateSnapshot(s));
    RETURN_IF_ERROR(DropImplicitSnapshotIfUnused(s.id));
  }
  RETURN_IF_ERROR(DropImplicitSnapshotIfUnused(b.snapshot_id));
  return store_->RecordEvent(clock_.NowSeconds(), "branch.delete", b.name, "");
}

Result<std::vector<std::string>> Pool::DeleteBranch(const std::string& name, bool recursive,
                                                    bool force) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  if (IsMain(b)) {
    return FailedPrecondition("branch \"" + name + "\" is the pool's root and cannot be deleted");
  }
  if (b.is_protected && !force) return RefuseProtected(b, "delete");
  if (recursive && !force) {
    // Refuse before deleting anything: a protected descendant must not
    // leave the tree half deleted.
    ASSIGN_OR_RETURN(auto below, store_->DescendantsOf(b.id));
    for (const auto& d : below) {
      if (d.is_protected) return RefuseProtected(d, "delete");
    }
  }
  ASSIGN_OR_RETURN(auto children, store_->ChildrenOf(b.id));
  if (!children.empty() && !recursive) {
    return FailedPrecondition("branch \"" + name + "\" has " + std::to_string(children.size()) +
                              (children.size() == 1 ? " child" : " children") +
                              "; delete them first or pass --recursive");
  }
  std::vector<std::string> deleted;
  for (const auto& child : children) {
    ASSIGN_OR_RETURN(auto below, DeleteBranch(child.name, true, force));
    deleted.insert(deleted.end(), below.begin(), below.end());
  }
  RETURN_IF_ERROR(DeleteOne(b));
  deleted.push_back(b.name);
  return deleted;
}

}  // namespace spur::engine
