#include "os/mount.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/fs.h"
#include "os/process.h"
#include "os/user.h"

namespace spur::os {

Result<std::string> FilesystemType(const std::string& path) {
  struct statfs st;
  if (::statfs(path.c_str(), &st) != 0) {
    return Internal("cannot statfs " + path + ": " + std::strerror(errno));
  }
  switch (static_cast<unsigned long>(st.f_type)) {
    case XFS_SUPER_MAGIC:
      return std::string("xfs");
    case BTRFS_SUPER_MAGIC:
      return std::string("btrfs");
    case EXT4_SUPER_MAGIC:
      return std::string("ext4");
    case TMPFS_MAGIC:
      return std::string("tmpfs");
    case 0xca451a4e:
      return std::string("bcachefs");
    case OVERLAYFS_SUPER_MAGIC:
      return std::string("overlayfs");
    default:
      return std::string("unknown");
  }
}

bool IsMountPoint(const std::string& path) {
  struct stat self, parent;
  if (::stat(path.c_str(), &self) != 0) return false;
  if (::stat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

Status CreateXfsImage(const std::string& image, uint64_t size) {
  if (size < (300ull << 20)) {
    return InvalidArgument("image size must be at least 300M (XFS needs room for its log)");
  }
  int fd = ::open(image.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create image " + image + ": " + std::strerror(errno));
  int rc = ::ftruncate(fd, static_cast<off_t>(size));
  int e = errno;
  ::close(fd);
  if (rc != 0) {
    ::unlink(image.c_str());
    return Internal("cannot size image " + image + ": " + std::strerror(e));
  }
  auto r = RunChecked({"mkfs.xfs", "-q", "-m", "reflink=1", image});
  if (!r.ok()) {
    ::unlink(image.c_str());
    if (r.status().code() == Code::kNotFound) {
      return FailedPrecondition("mkfs.xfs not found; install xfsprogs (apt-get install xfsprogs)");
    }
    return r.status();
  }
  return Status::Ok();
}

Status MountImage(const std::string& image, const std::string& mountpoint) {
  if (!IsRoot()) {
    return FailedPrecondition("the pool image " + image + " is not mounted at " + mountpoint +
                              "; run spur as root once to mount it");
  }
  RETURN_IF_ERROR(MakeDirs(mountpoint, 0755));
  auto r = RunChecked({"mount", "-o", "loop,noatime", image, mountpoint});
  if (!r.ok()) return r.status().WithContext("cannot mount " + image);
  return Status::Ok();
}

Status Unmount(const std::string& mountpoint) {
  auto r = RunChecked({"umount", mountpoint});
  if (!r.ok()) return r.status();
  return Status::Ok();
}

}  // namespace spur::os
