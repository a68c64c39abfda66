#include "storage/tree/tree_driver.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "os/fs.h"

namespace spur::storage {

Status TreeDriver::CreateDataset(const std::string& path) {
  if (os::PathExists(path)) return AlreadyExists("dataset " + path + " already exists");
  if (::mkdir(path.c_str(), 0700) != 0) {
    return Internal("cannot create " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status TreeDriver::CloneDataset(const std::string& src, const std::string& dst) {
  if (!os::IsDirectory(src)) return NotFound("dataset " + src + " does not exist");
  if (os::PathExists(dst)) return AlreadyExists("dataset " + dst + " already exists");
  Status st = os::CloneTree(src, dst, mode_);
  if (!st.ok()) os::RemoveTree(dst).IgnoreError();
  return st;
}

Status TreeDriver::CloneSubtree(const std::string& src, const std::string& dst,
                                const std::string& rel) {
  return os::CloneTree(os::JoinPath(src, rel), os::JoinPath(dst, rel), mode_);
}

Status TreeDriver::DestroyDataset(const std::string& path) { return os::RemoveTree(path); }

bool TreeDriver::DatasetExists(const std::string& path) { return os::PathExists(path); }

Status TreeDriver::RenameDataset(const std::string& from, const std::string& to) {
  if (os::PathExists(to)) return AlreadyExists("dataset " + to + " already exists");
  return os::Rename(from, to);
}

Result<std::vector<std::string>> TreeDriver::ListDatasets(const std::string& dir) {
  return os::ListDir(dir);
}

Result<os::SpaceUsage> TreeDriver::Usage(const std::string& path) { return os::MeasureTree(path); }

Result<uint64_t> TreeDriver::FreeBytes(const std::string& dir) { return os::FreeBytes(dir); }

}  // namespace spur::storage
