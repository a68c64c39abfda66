// The pool's side of `spur diff`: resolving what is compared to a running
// postgres, its data directory, and the in-flight transactions of its
// lineage. A snapshot is served by a throw-away instance on a clone of it
// (the clone shares the snapshot's blocks, so the fast path still applies).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/names.h"
#include "engine/pool.h"
#include "os/fs.h"
#include "pg/conninfo.h"

namespace spur::engine {

std::string DiffSide::Conninfo(const std::string& db) const {
  return pg::SocketConninfo(socket_dir, port, pg::kSuperuser, db.empty() ? database : db);
}

Status Pool::AddLineage(catalog::Snapshot snap, DiffSide& side) {
  for (int depth = 0; depth < 10000; ++depth) {
    if (snap.inflight_xids == "?") {
      side.inflight_unknown =
          "snapshot \"" + snap.name + "\" predates spur's record of in-flight transactions";
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(auto range, pg::ParseXidRange(snap.inflight_xids));
    if (range) side.inflight.push_back(*range);
    if (!snap.branch_id) {
      side.inflight_unknown = "the branch snapshot \"" + snap.name + "\" was taken of is deleted";
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(catalog::Branch parent, store_->GetBranchById(*snap.branch_id));
    if (!parent.snapshot_id) return Status::Ok();
    // A base no older than `snap` means the parent was reset (or synced)
    // since, perhaps onto `snap` itself: the fork `snap` was cut from is no
    // longer on record. (So the walk only ever goes to older ids and ends.)
    if (*parent.snapshot_id >= snap.id) {
      side.inflight_unknown = "branch \"" + parent.name + "\" was reset after snapshot \"" +
                              snap.name + "\" was taken of it";
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(snap, store_->GetSnapshotById(*parent.snapshot_id));
  }
  return Internal("snapshot lineage too deep");
}

Status Pool::StartSnapshotInstance(const catalog::Snapshot& snap, DiffSide& side) {
  const int64_t pid = ::getpid();
  catalog::Branch owner;  // settings of the branch it was taken of, when it lives
  if (snap.branch_id) {
    if (auto b = store_->GetBranchById(*snap.branch_id); b.ok()) owner = std::move(*b);
  }
  pg::InstanceSpec spec = SpecAt(owner, layout_.SnapshotDiffData(snap.id, pid));
  spec.socket_dir = layout_.SnapshotDiffSocketDir(pid);
  spec.log_path = layout_.SnapshotDiffLog(snap.id);
  spec.port = 5432;  // names the socket only: the instance listens on no TCP address
  spec.listen_addresses = "";
  side.pgdata = spec.pgdata;
  side.socket_dir = spec.socket_dir;
  side.port = spec.port;
  side.ephemeral = true;
  control_->Stop(spec.pgdata).IgnoreError();
  driver_->DestroyDataset(spec.pgdata).IgnoreError();
  RETURN_IF_ERROR(driver_->CloneDataset(layout_.SnapshotData(snap.id), spec.pgdata));
  RETURN_IF_ERROR(control_->PrepareDataDirectory(spec));
  spdlog::info("starting a throw-away instance of snapshot {} to read it", snap.name);
  return control_->Start(spec);
}

Result<DiffSide> Pool::OpenDiffSide(const std::string& name) {
  DiffSide side;
  side.name = name;
  side.driver = std::string(driver_->name());
  if (auto branch = store_->GetBranch(name); branch.ok()) {
    side.kind = "branch";
    side.database = branch->database;
    if (branch->state != catalog::BranchState::kRunning ||
        !control_->IsRunning(layout_.BranchData(branch->id))) {
      spdlog::info("starting branch {} to read it", name);
      ASSIGN_OR_RETURN(*branch, StartBranch(name));
    }
    side.pgdata = layout_.BranchData(branch->id);
    side.socket_dir = layout_.BranchSocketDir(branch->id);
    side.port = branch->port;
    if (branch->snapshot_id) {
      ASSIGN_OR_RETURN(auto snap, store_->GetSnapshotById(*branch->snapshot_id));
      RETURN_IF_ERROR(AddLineage(snap, side));
    }
    return side;
  }
  auto snap = store_->GetSnapshot(name);
  if (!snap.ok()) {
    return NotFound("\"" + name + "\" is neither a branch nor a snapshot; see `spur branch list` " +
                    "and `spur snapshot list`");
  }
  if (!snap->ready || !snap->has_data) {
    return FailedPrecondition("snapshot \"" + name +
                              "\" keeps no data of its own (it was made for a branch); compare "
                              "with that branch or a named snapshot");
  }
  side.kind = "snapshot";
  side.database = "postgres";
  if (snap->branch_id) {
    if (auto b = store_->GetBranchById(*snap->branch_id); b.ok()) side.database = b->database;
  }
  RETURN_IF_ERROR(AddLineage(*snap, side));
  Status st = StartSnapshotInstance(*snap, side);
  if (!st.ok()) {
    CloseDiffSide(side).IgnoreError();
    return st.WithContext("starting an instance of snapshot \"" + name + "\"");
  }
  return side;
}

Status Pool::CloseDiffSide(DiffSide& side) {
  if (!side.ephemeral) return Status::Ok();
  control_->StopDiscarding(side.pgdata).IgnoreError();  // its data goes: no checkpoint
  Status st = driver_->DestroyDataset(side.pgdata);
  os::RemoveTree(side.socket_dir).IgnoreError();
  if (!side.scratch_log.empty()) os::RemoveFile(side.scratch_log).IgnoreError();
  side.ephemeral = false;
  return st;
}

Result<std::string> Pool::DiffBase(const std::string& name) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  if (!b.parent_id) {
    return FailedPrecondition("branch \"" + name +
                              "\" has no parent; pass --against BRANCH or SNAPSHOT");
  }
  ASSIGN_OR_RETURN(catalog::Branch parent, store_->GetBranchById(*b.parent_id));
  return parent.name;
}

}  // namespace spur::engine
