// Reconciliation: make disk and processes agree with the metadata after any
// interruption (kill -9, reboot, power loss), and say what was fixed.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <set>

#include "engine/pool.h"

namespace spur::engine {
namespace {

// `spur diff` runs a throw-away instance of a snapshot; in use while the
// process that made it lives.
bool ProcessLives(int64_t pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

Status Pool::Reconcile() {
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  ASSIGN_OR_RETURN(auto sync_runs, store_->RunningSyncRuns());
  std::set<int64_t> branch_ids, snapshot_ids;
  for (auto& b : branches) {
    const std::string live = layout_.BranchData(b.id);
    if (b.state == catalog::BranchState::kCreating && !b.parent_id) {
      // `spur init` died before main was ready: there is nothing to roll
      // back to, and removing main would leave a pool nothing can be made from.
      return FailedPrecondition("spur init of the pool at " + layout_.root +
                                " was interrupted before main was ready; run `spur init` "
                                "again with the same --pool: it removes what was left and "
                                "starts over");
    }
    if (b.state == catalog::BranchState::kCreating) {
      control_->Stop(live).IgnoreError();
      for (const std::string& ds : {live, layout_.BranchStaging(b.id), layout_.BranchOld(b.id)}) {
        RETURN_IF_ERROR(driver_->DestroyDataset(ds));
      }
      RETURN_IF_ERROR(store_->DeleteBranch(b.id));
      Repaired("removed half-created branch \"" + b.name + "\"");
      continue;
    }
    if (b.state == catalog::BranchState::kDeleting) {
      ASSIGN_OR_RETURN(auto children, store_->ChildrenOf(b.id));
      if (children.empty()) {
        RETURN_IF_ERROR(DeleteOne(b));
        Repaired("finished interrupted delete of branch \"" + b.name + "\"");
        continue;
      }
    }
    branch_ids.insert(b.id);
    RETURN_IF_ERROR(FinishSwapIntent(b));
    RETURN_IF_ERROR(ReconcileSyncStaging(b, sync_runs));
    RETURN_IF_ERROR(FinishSwap(b));
    if (!driver_->DatasetExists(live)) {
      Repaired("branch \"" + b.name + "\" has lost its data directory " + live +
               "; delete it with `spur branch delete " + b.name + "`");
      continue;
    }
    bool alive = control_->IsRunning(live);
    if (alive && !control_->TcpOpen(live)) {
      // Started, then interrupted before its own credentials were set: TCP
      // is still refused. Once it is ready (it may still be starting up), set
      // them and let clients in; one that never gets ready is stopped.
      // (Or its pg_hba.conf is an older spur's: the same steps upgrade it.)
      const bool upgrade = pg::HbaFromAnOlderSpur(live);
      Status ready = control_->Start(Spec(b));
      if (ready.ok()) ready = ApplyCredentials(b);
      if (ready.ok() && upgrade) {
        Repaired("rewrote pg_hba.conf of branch \"" + b.name +
                 "\", written by an older spur, with this version's rules");
      } else if (ready.ok()) {
        Repaired("set the credentials of branch \"" + b.name +
                 "\" (an interrupted start left them unset; TCP was refused meanwhile)");
      } else {
        control_->Stop(live).IgnoreError();
        alive = control_->IsRunning(live);
        Repaired("stopped branch \"" + b.name + "\": an interrupted start left it unready (" +
                 ready.message() + "); start it again");
      }
    }
    if (!alive && !control_->PortFree(b.port)) {
      Repaired("port " + std::to_string(b.port) + " of branch \"" + b.name +
               "\" is held by another program; the branch cannot start until it is freed");
    }
    if (b.state == catalog::BranchState::kRunning && !alive) {
      MarkStopped(b, "exited");
      RETURN_IF_ERROR(control_->ClearRunState(live));
      RETURN_IF_ERROR(store_->UpdateBranch(b));
      Repaired("branch \"" + b.name + "\" was not running (postgres exited); marked stopped");
    } else if (b.state == catalog::BranchState::kStopped && alive) {
      b.state = catalog::BranchState::kRunning;
      if (!b.running_since) b.running_since = clock_.NowSeconds();
      RETURN_IF_ERROR(store_->UpdateBranch(b));
      Repaired("branch \"" + b.name + "\" was running though marked stopped; marked running");
    }
  }
  ASSIGN_OR_RETURN(auto snapshots, store_->ListSnapshots());
  for (const auto& s : snapshots) {
    if (!s.ready) {
      RETURN_IF_ERROR(DestroySnapshot(s));
      Repaired("removed half-taken snapshot \"" + s.name + "\"");
      continue;
    }
    ASSIGN_OR_RETURN(auto users, store_->BranchesFromSnapshot(s.id));
    if (s.implicit && users.empty()) {
      RETURN_IF_ERROR(DestroySnapshot(s));
      Repaired("removed unused implicit snapshot \"" + s.name + "\"");
      continue;
    }
    snapshot_ids.insert(s.id);
  }
  return RemoveOrphanDatasets(branch_ids, snapshot_ids);
}

Status Pool::FinishSwapIntent(catalog::Branch& b) {
  ASSIGN_OR_RETURN(std::optional<catalog::SwapIntent> intent, store_->GetSwapIntent(b.id));
  if (!intent) return Status::Ok();
  const std::string live = layout_.BranchData(b.id);
  // The intent was written once <id>.new was complete; with it still there
  // the swap did not finish. Without it the new data is live already.
  if (driver_->DatasetExists(layout_.BranchStaging(b.id))) RETURN_IF_ERROR(SwapInStaging(b));
  if (!driver_->DatasetExists(live)) {
    // Not a state a swap leaves; FinishSwap and the caller deal with the data.
    return store_->DeleteSwapIntent(b.id);
  }
  RETURN_IF_ERROR(CommitSwap(b, *intent));
  Repaired("finished the interrupted " + intent->kind + " of branch \"" + b.name +
           "\": its new data is in place and its record updated; start it with `spur branch "
           "start " +
           b.name + "`");
  return Status::Ok();
}

Status Pool::FinishSwap(const catalog::Branch& b) {
  const std::string live = layout_.BranchData(b.id);
  const std::string next = layout_.BranchStaging(b.id);
  const std::string old = layout_.BranchOld(b.id);
  const std::string quoted = "\"" + b.name + "\"";
  // The live data is moved away only once the new data is complete: with no
  // live data, a staging copy is complete and goes in; else the old one returns.
  if (!driver_->DatasetExists(live) && driver_->DatasetExists(next)) {
    RETURN_IF_ERROR(driver_->RenameDataset(next, live));
    Repaired("finished the interrupted swap (reset or sync) of branch " + quoted +
             ": its new data is in place");
  } else if (!driver_->DatasetExists(live) && driver_->DatasetExists(old)) {
    RETURN_IF_ERROR(driver_->RenameDataset(old, live));
    Repaired("put back the data of branch " + quoted + " that an interrupted swap moved away");
  }
  if (!driver_->DatasetExists(live)) return Status::Ok();  // reported by the caller
  if (driver_->DatasetExists(old)) {
    control_->Stop(old).IgnoreError();
    RETURN_IF_ERROR(driver_->DestroyDataset(old));
    Repaired("removed the previous data of branch " + quoted + " left by a finished swap");
  }
  if (driver_->DatasetExists(next)) {
    control_->Stop(next).IgnoreError();
    RETURN_IF_ERROR(driver_->DestroyDataset(next));
    Repaired("removed the unfinished data of an interrupted reset of branch " + quoted +
             "; the branch kept its data");
  }
  return Status::Ok();
}

Status Pool::RemoveOrphanDatasets(const std::set<int64_t>& branch_ids,
                                  const std::set<int64_t>& snapshot_ids) {
  using K = DatasetName::Kind;
  unknown_datasets_.clear();
  for (const std::string& dir : {layout_.branches(), layout_.snapshots()}) {
    auto names = driver_->ListDatasets(dir);
    if (!names.ok()) continue;
    for (const auto& n : *names) {
      const std::string path = dir + "/" + n;
      const DatasetName ds = layout_.Classify(path);
      bool orphan = false;
      switch (ds.kind) {
        case K::kBranch:
        case K::kBranchStaging:
        case K::kBranchOld:
        case K::kBranchSync:
          orphan = branch_ids.count(ds.id) == 0;
          break;
        case K::kSnapshot:
          orphan = snapshot_ids.count(ds.id) == 0;
          break;
        case K::kSnapshotDiff:
        case K::kScratch:
          orphan = !ProcessLives(ds.pid);
          break;
        case K::kUnknown:
          // Not spur's name: maybe a newer spur's, maybe an operator's. Never destroyed.
          spdlog::warn("left alone: {} is not a dataset name spur knows", path);
          unknown_datasets_.push_back(path);
          break;
      }
      if (!orphan) continue;
      control_->Stop(path).IgnoreError();
      RETURN_IF_ERROR(driver_->DestroyDataset(path));
      Repaired("removed orphan " + std::string(dir == layout_.branches() ? "branch" : "snapshot") +
               " data " + path);
    }
  }
  return Status::Ok();
}

}  // namespace spur::engine
