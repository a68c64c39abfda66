// Copying files and trees, by block sharing (FICLONE) or by bytes.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"

namespace spur::os {

enum class CloneMode {
  kReflink,  // FICLONE only; fails where the filesystem cannot share blocks
  kCopy,     // bytes (copy_file_range), sparse holes kept where the kernel can
};

// Copies `src` to `dst` (created or truncated), keeping mode. Not atomic.
Status CloneFile(const std::string& src, const std::string& dst, CloneMode mode);

// Copies the tree at `src` into `dst` (created if missing): directories,
// regular files and symlinks, keeping modes. `skip` (relative path) may
// exclude entries. Files that vanish while walking (a running postgres
// removes temp files) are skipped, as pg_basebackup does.
Status CloneTree(const std::string& src, const std::string& dst, CloneMode mode,
                 const std::function<bool(const std::string&)>& skip = nullptr);

// True when `dir`'s filesystem answers FICLONE (probed with a temp file).
bool SupportsReflink(const std::string& dir);

}  // namespace spur::os
