// Read-only views of the pool: branch list and detail, pool status.
#include <map>

#include "common/names.h"
#include "engine/pool.h"
#include "os/fs.h"
#include "os/mount.h"

namespace spur::engine {

Result<BranchInfo> Pool::Describe(const catalog::Branch& branch, bool with_usage) {
  BranchInfo info;
  info.branch = branch;
  if (branch.parent_id) {
    auto parent = store_->GetBranchById(*branch.parent_id);
    if (parent.ok()) info.parent_name = parent->name;
  }
  if (branch.snapshot_id) {
    auto snap = store_->GetSnapshotById(*branch.snapshot_id);
    if (snap.ok()) info.snapshot_name = snap->name;
  }
  info.pid = control_->RunningPid(layout_.BranchData(branch.id));
  info.running = info.pid.has_value();
  if (with_usage && driver_->DatasetExists(layout_.BranchData(branch.id))) {
    ASSIGN_OR_RETURN(info.usage, driver_->Usage(layout_.BranchData(branch.id)));
  }
  return info;
}

Result<std::vector<BranchInfo>> Pool::ListBranches(bool with_usage) {
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  std::vector<BranchInfo> out;
  for (const auto& b : branches) {
    ASSIGN_OR_RETURN(BranchInfo info, Describe(b, with_usage));
    out.push_back(std::move(info));
  }
  return out;
}

Result<BranchInfo> Pool::ShowBranch(const std::string& name, bool with_usage) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  return Describe(b, with_usage);
}

Result<PoolStatus> Pool::GetStatus() {
  PoolStatus s;
  s.root = layout_.root;
  s.driver = config_.driver;
  s.image = config_.image;
  s.pg_bindir = installation_.bindir;
  s.pg_major = installation_.major_version;
  if (auto fs = os::FilesystemType(layout_.data()); fs.ok()) s.filesystem = *fs;
  if (auto free = os::FreeBytes(layout_.data()); free.ok()) s.free_bytes = *free;
  ASSIGN_OR_RETURN(auto branches, ListBranches(true));
  for (const auto& info : branches) {
    ++s.branches;
    if (info.running)
      ++s.running;
    else
      ++s.stopped;
    if (info.usage) {
      s.exclusive_bytes += info.usage->exclusive_bytes;
      s.shared_bytes += info.usage->shared_bytes;
      s.logical_bytes += info.usage->logical_bytes;
    }
  }
  ASSIGN_OR_RETURN(auto snaps, store_->ListSnapshots());
  s.snapshots = static_cast<int>(snaps.size());
  return s;
}

}  // namespace spur::engine
