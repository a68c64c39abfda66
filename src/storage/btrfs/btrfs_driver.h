// btrfs driver: each dataset is a subvolume; a clone is a writable subvolume
// snapshot, atomic across the whole data directory (crash-consistent).
#pragma once

#include "storage/driver.h"

namespace spur::storage {

class BtrfsDriver final : public StorageDriver {
 public:
  std::string_view name() const override { return "btrfs"; }
  bool atomic_clone() const override { return true; }
  bool shares_blocks() const override { return true; }
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
};

}  // namespace spur::storage
