// Disk usage by extent sharing: asks the filesystem (FIEMAP) which extents of
// each file are shared with another file (a clone) and which are the file's
// own. Works on XFS, btrfs and any filesystem with FIEMAP; where nothing is
// shared (ext4, the copy driver) every allocated byte is exclusive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace spur::os {

struct SpaceUsage {
  uint64_t exclusive_bytes = 0;  // allocated to this tree alone
  uint64_t shared_bytes = 0;     // allocated, but shared with some other file
  uint64_t logical_bytes = 0;    // sum of file sizes
};

// One mapped extent of a file: bytes [logical, logical + length) of the file
// live at [physical, physical + length) on the device.
struct Extent {
  uint64_t logical = 0, physical = 0, length = 0;
  uint32_t flags = 0;  // FIEMAP_EXTENT_*
  // True when `physical` names real, final blocks holding exactly these
  // bytes: not delayed, not unwritten, not inline, not compressed/encoded.
  // Two files whose exact extents map a byte to the same physical address
  // hold the same data there (that is what a clone shares).
  bool exact() const;
};

// The extents of the regular file at `path`, in logical order, after
// flushing its delayed allocations (FIEMAP_FLAG_SYNC). Holes are absent.
// NotFound when the file does not exist; Internal when FIEMAP fails.
[[nodiscard]] Result<std::vector<Extent>> FileExtents(const std::string& path);

// Sums extents of every regular file under `path`. Files that vanish while
// walking are skipped.
Result<SpaceUsage> MeasureTree(const std::string& path);

}  // namespace spur::os
