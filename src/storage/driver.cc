#include "storage/driver.h"

#include "os/clone.h"
#include "os/mount.h"
#include "storage/btrfs/btrfs_driver.h"
#include "storage/copy/copy_driver.h"
#include "storage/reflink/reflink_driver.h"

namespace spur::storage {

Result<std::unique_ptr<StorageDriver>> MakeDriver(std::string_view name,
                                                  const std::string& data_dir, bool probe) {
  std::unique_ptr<StorageDriver> driver;
  if (!probe && (name == "btrfs" || name == "reflink" || name == "copy")) {
    if (name == "btrfs") driver = std::make_unique<BtrfsDriver>();
    if (name == "reflink") driver = std::make_unique<ReflinkDriver>();
    if (name == "copy") driver = std::make_unique<CopyDriver>();
    return driver;
  }
  if (name == "btrfs") {
    ASSIGN_OR_RETURN(std::string fs, os::FilesystemType(data_dir));
    if (fs != "btrfs") {
      return FailedPrecondition("driver btrfs needs a btrfs filesystem, but " + data_dir +
                                " is on " + fs + "; pick --driver reflink or copy");
    }
    driver = std::make_unique<BtrfsDriver>();
  } else if (name == "reflink") {
    if (!os::SupportsReflink(data_dir)) {
      ASSIGN_OR_RETURN(std::string fs, os::FilesystemType(data_dir));
      return FailedPrecondition(
          "driver reflink needs a filesystem that can clone files (XFS "
          "with reflink=1, btrfs, bcachefs), but " +
          data_dir + " is on " + fs + "; use --image SIZE (as root) or --driver copy");
    }
    driver = std::make_unique<ReflinkDriver>();
  } else if (name == "copy") {
    driver = std::make_unique<CopyDriver>();
  } else {
    return InvalidArgument("unknown driver \"" + std::string(name) +
                           "\"; use btrfs, reflink or copy");
  }
  return driver;
}

Result<std::string> DetectDriver(const std::string& data_dir) {
  ASSIGN_OR_RETURN(std::string fs, os::FilesystemType(data_dir));
  if (fs == "btrfs") return std::string("btrfs");
  if (os::SupportsReflink(data_dir)) return std::string("reflink");
  return std::string("copy");
}

}  // namespace spur::storage
