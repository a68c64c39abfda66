#include "storage/btrfs/btrfs_driver.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/clone.h"
#include "os/fs.h"

namespace spur::storage {
namespace {

struct Parts {
  std::string parent;
  std::string name;
};

Result<Parts> Split(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 == path.size()) {
    return InvalidArgument("bad dataset path " + path);
  }
  Parts p{slash == 0 ? std::string(1, '/') : path.substr(0, slash), path.substr(slash + 1)};
  if (p.name.size() > BTRFS_PATH_NAME_MAX) return InvalidArgument("name too long: " + path);
  return p;
}

Status Errno(const std::string& what, const std::string& path) {
  return Internal(what + " " + path + ": " + std::strerror(errno));
}

bool IsSubvolume(const std::string& path) {
  struct stat st;
  // Subvolume roots have inode number 256 (BTRFS_FIRST_FREE_OBJECTID).
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == 256;
}

}  // namespace

Status BtrfsDriver::CreateDataset(const std::string& path) {
  if (os::PathExists(path)) return AlreadyExists("dataset " + path + " already exists");
  ASSIGN_OR_RETURN(Parts p, Split(path));
  int dir = ::open(p.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("cannot open", p.parent);
  struct btrfs_ioctl_vol_args args {};
  p.name.copy(args.name, p.name.size());
  int rc = ::ioctl(dir, BTRFS_IOC_SUBVOL_CREATE, &args);
  Status st = rc == 0 ? Status::Ok() : Errno("cannot create subvolume", path);
  ::close(dir);
  if (st.ok()) st = os::Chmod(path, 0700);
  return st;
}

Status BtrfsDriver::CloneDataset(const std::string& src, const std::string& dst) {
  if (!IsSubvolume(src)) return NotFound("dataset " + src + " is not a btrfs subvolume");
  if (os::PathExists(dst)) return AlreadyExists("dataset " + dst + " already exists");
  ASSIGN_OR_RETURN(Parts p, Split(dst));
  int from = ::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (from < 0) return Errno("cannot open", src);
  int dir = ::open(p.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    Status st = Errno("cannot open", p.parent);
    ::close(from);
    return st;
  }
  struct btrfs_ioctl_vol_args_v2 args {};
  args.fd = from;
  p.name.copy(args.name, p.name.size());
  int rc = ::ioctl(dir, BTRFS_IOC_SNAP_CREATE_V2, &args);
  Status st = rc == 0 ? Status::Ok() : Errno("cannot snapshot " + src + " to", dst);
  ::close(dir);
  ::close(from);
  return st;
}

Status BtrfsDriver::CloneSubtree(const std::string& src, const std::string& dst,
                                 const std::string& rel) {
  return os::CloneTree(os::JoinPath(src, rel), os::JoinPath(dst, rel), os::CloneMode::kReflink);
}

Status BtrfsDriver::DestroyDataset(const std::string& path) {
  if (!os::PathExists(path)) return Status::Ok();
  if (!IsSubvolume(path)) return os::RemoveTree(path);
  ASSIGN_OR_RETURN(Parts p, Split(path));
  int dir = ::open(p.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("cannot open", p.parent);
  struct btrfs_ioctl_vol_args args {};
  p.name.copy(args.name, p.name.size());
  int rc = ::ioctl(dir, BTRFS_IOC_SNAP_DESTROY, &args);
  int e = errno;
  ::close(dir);
  if (rc == 0) return Status::Ok();
  if (e == EPERM) {
    // Unprivileged users may delete subvolumes only by emptying and rmdir.
    RETURN_IF_ERROR(os::RemoveTree(path));
    return Status::Ok();
  }
  errno = e;
  return Errno("cannot delete subvolume", path);
}

bool BtrfsDriver::DatasetExists(const std::string& path) { return os::PathExists(path); }

Status BtrfsDriver::RenameDataset(const std::string& from, const std::string& to) {
  // rename(2) moves subvolumes within one filesystem like directories.
  if (os::PathExists(to)) return AlreadyExists("dataset " + to + " already exists");
  return os::Rename(from, to);
}

Result<std::vector<std::string>> BtrfsDriver::ListDatasets(const std::string& dir) {
  return os::ListDir(dir);
}

Result<os::SpaceUsage> BtrfsDriver::Usage(const std::string& path) { return os::MeasureTree(path); }

Result<uint64_t> BtrfsDriver::FreeBytes(const std::string& dir) { return os::FreeBytes(dir); }

}  // namespace spur::storage
