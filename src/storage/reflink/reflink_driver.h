// Reflink driver: per-file FICLONE on XFS (reflink=1), btrfs or bcachefs.
// Clones of a live dataset are per file, not atomic: the engine uses the
// backup protocol around them.
#pragma once

#include "storage/tree/tree_driver.h"

namespace spur::storage {

class ReflinkDriver final : public TreeDriver {
 public:
  ReflinkDriver() : TreeDriver(os::CloneMode::kReflink) {}
  std::string_view name() const override { return "reflink"; }
  bool shares_blocks() const override { return true; }
};

}  // namespace spur::storage
