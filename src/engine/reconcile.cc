// Reconciliation: make disk and processes agree with the metadata after any
// interruption (kill -9, reboot, power loss), and say what was fixed.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <set>

#include "engine/pool.h"

namespace spur::engine {
namespace {

// Dataset directory names are ids; anything else in the folder is foreign.
std::optional<int64_t> IdOf(const std::string& name) {
  if (name.empty() || name.size() > 18) return std::nullopt;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stoll(name);
}

// "<snapshot id>.diff-<pid>": a throw-away instance `spur diff` runs on a
// clone of a snapshot (engine/diff_sides.cc). In use while that process lives.
bool DiffInstanceInUse(const std::string& name) {
  const auto at = name.find(".diff-");
  if (at == std::string::npos) return false;
  const std::string pid = name.substr(at + 6);
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return false;
  return ::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno == EPERM;
}

}  // namespace

Status Pool::Reconcile() {
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  ASSIGN_OR_RETURN(auto sync_runs, store_->RunningSyncRuns());
  std::set<int64_t> branch_ids, snapshot_ids;
  for (auto& b : branches) {
    const std::string live = layout_.BranchData(b.id);
    const std::string staging = layout_.BranchStaging(b.id);
    if (b.state == catalog::BranchState::kCreating) {
      control_->Stop(live).IgnoreError();
      RETURN_IF_ERROR(driver_->DestroyDataset(live));
      RETURN_IF_ERROR(driver_->DestroyDataset(staging));
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
    RETURN_IF_ERROR(ReconcileSyncStaging(b, sync_runs));
    if (!driver_->DatasetExists(live) && driver_->DatasetExists(staging)) {
      RETURN_IF_ERROR(driver_->RenameDataset(staging, live));
      Repaired("finished interrupted reset of branch \"" + b.name + "\"");
    } else if (driver_->DatasetExists(staging)) {
      RETURN_IF_ERROR(driver_->DestroyDataset(staging));
      Repaired("removed leftovers of an interrupted reset of branch \"" + b.name + "\"");
    }
    if (!driver_->DatasetExists(live)) {
      Repaired("branch \"" + b.name + "\" has lost its data directory " + live +
               "; delete it with `spur branch delete " + b.name + "`");
      continue;
    }
    bool alive = control_->IsRunning(live);
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
  // Orphan datasets: on disk with no row (a command died between steps).
  struct Folder {
    std::string dir;
    const std::set<int64_t>* ids;
    const char* what;
  };
  for (const Folder& f : {Folder{layout_.branches(), &branch_ids, "branch"},
                          Folder{layout_.snapshots(), &snapshot_ids, "snapshot"}}) {
    auto names = driver_->ListDatasets(f.dir);
    if (!names.ok()) continue;
    for (const auto& n : *names) {
      auto id = IdOf(n);
      bool staging = false;
      for (const std::string suffix : {".new", ".sync"}) {
        if (n.size() <= suffix.size() || n.substr(n.size() - suffix.size()) != suffix) continue;
        auto owner = IdOf(n.substr(0, n.size() - suffix.size()));
        staging = staging || (owner && f.ids->count(*owner));
      }
      if ((id && f.ids->count(*id)) || staging || DiffInstanceInUse(n)) continue;
      const std::string path = f.dir + "/" + n;
      control_->Stop(path).IgnoreError();
      RETURN_IF_ERROR(driver_->DestroyDataset(path));
      Repaired(std::string("removed orphan ") + f.what + " data " + path);
    }
  }
  return Status::Ok();
}

}  // namespace spur::engine
