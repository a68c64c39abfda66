// Filesystems and loop images: what a directory lives on, and the sparse XFS
// image that gives block-level copy-on-write on hosts that cannot clone.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace spur::os {

// "xfs", "btrfs", "ext4", ... for the filesystem holding `path`.
Result<std::string> FilesystemType(const std::string& path);

// True when `path` is the root of a mounted filesystem.
bool IsMountPoint(const std::string& path);

// Creates a sparse file of `size` bytes and formats it XFS with reflink=1.
// Needs mkfs.xfs (xfsprogs).
Status CreateXfsImage(const std::string& image, uint64_t size);

// Loop-mounts `image` at `mountpoint` (root only).
Status MountImage(const std::string& image, const std::string& mountpoint);
Status Unmount(const std::string& mountpoint);

}  // namespace spur::os
