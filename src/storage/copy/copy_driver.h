// Copy driver: full byte copies. Works everywhere, costs time and space in
// proportion to the database; `spur status` says so loudly.
#pragma once

#include "storage/tree/tree_driver.h"

namespace spur::storage {

class CopyDriver final : public TreeDriver {
 public:
  CopyDriver() : TreeDriver(os::CloneMode::kCopy) {}
  std::string_view name() const override { return "copy"; }
  bool shares_blocks() const override { return false; }
};

}  // namespace spur::storage
