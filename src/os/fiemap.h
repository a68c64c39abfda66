// Disk usage by extent sharing: asks the filesystem (FIEMAP) which extents of
// each file are shared with another file (a clone) and which are the file's
// own. Works on XFS, btrfs and any filesystem with FIEMAP; where nothing is
// shared (ext4, the copy driver) every allocated byte is exclusive.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace spur::os {

struct SpaceUsage {
  uint64_t exclusive_bytes = 0;  // allocated to this tree alone
  uint64_t shared_bytes = 0;     // allocated, but shared with some other file
  uint64_t logical_bytes = 0;    // sum of file sizes
};

// Sums extents of every regular file under `path`. Files that vanish while
// walking are skipped.
Result<SpaceUsage> MeasureTree(const std::string& path);

}  // namespace spur::os
