// In-memory storage driver for unit tests of code that takes a StorageDriver.
// It touches no disk: a dataset is a map from relative file path to contents.
//
// Clones share contents the way a reflink filesystem shares extents: a cloned
// file points at the same bytes as its source until one of them is rewritten
// through WriteFile. Usage() reports bytes referenced by one file as exclusive
// and bytes referenced by more than one (in any dataset) as shared; sizes are
// exact, not rounded to blocks.
//
// Directories are not modelled: a dataset holds files only, parents of a
// dataset are not checked, and a subtree with no files is simply empty.
//
// Every method, including the test API, is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/driver.h"

namespace spur::storage {

class FakeDriver final : public StorageDriver {
 public:
  // The driver operations a failure can be injected into.
  enum class Op { kCreateDataset, kCloneDataset, kCloneSubtree, kDestroyDataset, kUsage };

  // `atomic_clone` is what atomic_clone() reports, so engine code can be tested
  // on both the btrfs path (true) and the backup-protocol path (false).
  explicit FakeDriver(bool atomic_clone = false) : atomic_clone_(atomic_clone) {}

  std::string_view name() const override { return "fake"; }
  bool atomic_clone() const override { return atomic_clone_; }
  bool shares_blocks() const override { return true; }

  // The StorageDriver contract, with these codes: InvalidArgument for a
  // relative dataset path or a `rel` that is absolute or has an empty, "." or
  // ".." component; NotFound for a missing source (or, for CloneSubtree, a
  // missing dst); AlreadyExists for a dataset that is already there. Once the
  // arguments are valid, an injected failure is returned as Internal and
  // leaves every dataset unchanged.
  Status CreateDataset(const std::string& path) override;
  Status CloneDataset(const std::string& src, const std::string& dst) override;
  // Shares every file of `src` under `rel` into `dst`, replacing files of the
  // same name; files of `dst` that `src` lacks are kept. An empty `rel` means
  // the whole dataset.
  Status CloneSubtree(const std::string& src, const std::string& dst,
                      const std::string& rel) override;
  Status DestroyDataset(const std::string& path) override;
  bool DatasetExists(const std::string& path) override;
  // NotFound for a missing `from`, AlreadyExists for an existing `to`.
  Status RenameDataset(const std::string& from, const std::string& to) override;
  // Datasets whose parent folder is `dir` (folders themselves are implicit:
  // an empty list, not NotFound, when there are none).
  Result<std::vector<std::string>> ListDatasets(const std::string& dir) override;
  Result<os::SpaceUsage> Usage(const std::string& path) override;
  // What SetFreeBytes set (1 TiB until then).
  Result<uint64_t> FreeBytes(const std::string& dir) override;
  void SetFreeBytes(uint64_t bytes);

  // Makes the next call of `op` fail with Internal without changing anything.
  // Calls add up: FailNext twice fails the next two calls.
  void FailNext(Op op);

  // Test API. Creates or replaces file `rel` of `dataset` with `data`; the
  // file's bytes become its own (no longer shared). NotFound when the dataset
  // does not exist; InvalidArgument for a bad `rel`.
  Status WriteFile(const std::string& dataset, const std::string& rel, std::string data);
  // Contents of file `rel`; NotFound when the dataset or the file is missing.
  Result<std::string> ReadFile(const std::string& dataset, const std::string& rel) const;
  // Relative paths of the files in `dataset`, sorted; NotFound when missing.
  Result<std::vector<std::string>> ListFiles(const std::string& dataset) const;
  // True when `dataset` exists.
  bool Exists(const std::string& dataset) const;

 private:
  // File contents; several files share one Blob after a clone.
  using Blob = std::shared_ptr<const std::string>;
  using Dataset = std::map<std::string, Blob>;  // relative path -> contents

  // Both need mu_ held. TakeInjectedFailure consumes one armed failure of
  // `op` and returns it; Find returns NotFound for a missing dataset.
  Status TakeInjectedFailure(Op op, const std::string& subject);
  Result<const Dataset*> Find(const std::string& path) const;

  const bool atomic_clone_;
  mutable std::mutex mu_;
  std::map<std::string, Dataset> datasets_;  // absolute path -> files; guarded by mu_
  std::map<Op, int> armed_failures_;         // guarded by mu_
  uint64_t free_bytes_ = uint64_t{1} << 40;  // guarded by mu_
};

}  // namespace spur::storage
