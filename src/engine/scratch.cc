// Throw-away writable copies for `spur rehearse` (Pool::OpenScratch): a
// branch or snapshot cloned into data/snapshots/scratch-<pid>-<n> and served
// by its own postgres on a private Unix socket, so nothing but this process
// reaches it and nothing it does touches the branch it was copied from.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>

#include "common/names.h"
#include "engine/pool.h"

namespace spur::engine {

Result<DiffSide> Pool::OpenScratch(const std::string& name) {
  static std::atomic<int64_t> next_scratch{0};
  const int64_t pid = ::getpid();
  const int64_t n = next_scratch++;
  DiffSide side;
  side.name = name;
  side.driver = std::string(driver_->name());
  const std::string dst = layout_.ScratchData(pid, n);
  control_->Stop(dst).IgnoreError();  // a dead process's copy under a reused pid
  driver_->DestroyDataset(dst).IgnoreError();

  catalog::Branch settings_of;  // whose postgres settings the copy runs with
  if (auto branch = store_->GetBranch(name); branch.ok()) {
    side.kind = "branch";
    side.database = branch->database;
    settings_of = *branch;
    const std::string record =
        branch->name.substr(0, 30) + "-scratch-" + std::to_string(pid) + "-" + std::to_string(n);
    ASSIGN_OR_RETURN(catalog::Snapshot snap, TakeSnapshot(*branch, record, /*implicit=*/true, dst));
    DropImplicitSnapshotIfUnused(snap.id).IgnoreError();  // else reconcile drops it
  } else {
    auto snap = store_->GetSnapshot(name);
    if (!snap.ok()) {
      return NotFound("\"" + name +
                      "\" is neither a branch nor a snapshot; see `spur branch list` and "
                      "`spur snapshot list`");
    }
    if (!snap->ready || !snap->has_data) {
      return FailedPrecondition("snapshot \"" + name +
                                "\" keeps no data of its own (it was made for a branch); use "
                                "that branch or a named snapshot");
    }
    RETURN_IF_ERROR(CheckFreeSpace("a copy of snapshot \"" + name + "\""));
    side.kind = "snapshot";
    side.database = "postgres";
    if (snap->branch_id) {
      if (auto b = store_->GetBranchById(*snap->branch_id); b.ok()) {
        settings_of = *b;
        side.database = b->database;
      }
    }
    RETURN_IF_ERROR(driver_->CloneDataset(layout_.SnapshotData(snap->id), dst));
  }
  side.ephemeral = true;
  side.pgdata = dst;
  pg::InstanceSpec spec = SpecAt(settings_of, dst);
  spec.socket_dir = layout_.ScratchSocketDir(pid, n);
  spec.log_path = layout_.ScratchLog(pid, n);
  spec.port = 5432;  // names the socket only: the instance listens on no TCP address
  spec.listen_addresses = "";
  side.socket_dir = spec.socket_dir;
  side.port = spec.port;
  side.scratch_log = spec.log_path;  // one per copy: removed with it, or they pile up
  Status st = control_->PrepareDataDirectory(spec);
  if (st.ok()) st = control_->Start(spec);
  if (!st.ok()) {
    CloseDiffSide(side).IgnoreError();
    return st.WithContext("starting a copy of \"" + name + "\"");
  }
  spdlog::debug("scratch copy of {} at {}", name, dst);
  return side;
}

}  // namespace spur::engine
