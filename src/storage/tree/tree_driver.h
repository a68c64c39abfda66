// Shared implementation for drivers whose datasets are plain directories and
// whose clones copy the tree file by file (reflink, copy).
#pragma once

#include "os/clone.h"
#include "storage/driver.h"

namespace spur::storage {

class TreeDriver : public StorageDriver {
 public:
  bool atomic_clone() const override { return false; }
  Status CreateDataset(const std::string& path) override;
  Status CloneDataset(const std::string& src, const std::string& dst) override;
  Status CloneSubtree(const std::string& src, const std::string& dst,
                      const std::string& rel) override;
  Status DestroyDataset(const std::string& path) override;
  bool DatasetExists(const std::string& path) override;
  Status RenameDataset(const std::string& from, const std::string& to) override;
  Result<std::vector<std::string>> ListDatasets(const std::string& dir) override;
  Result<os::SpaceUsage> Usage(const std::string& path) override;
  Result<uint64_t> FreeBytes(const std::string& dir) override;

 protected:
  explicit TreeDriver(os::CloneMode mode) : mode_(mode) {}

 private:
  os::CloneMode mode_;
};

}  // namespace spur::storage
