// The storage driver interface: how a pool makes, clones and destroys
// datasets (a dataset is one directory holding one postgres data directory).
//
// Drivers: btrfs (subvolume snapshots, atomic), reflink (FICLONE per file:
// XFS reflink=1, btrfs, bcachefs), copy (bytes; slow, for hosts that can do
// nothing else), fake (in memory, unit tests only).
//
// Paths are absolute. Methods are not thread-safe for the same dataset; the
// engine serializes mutations with the pool lock.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "os/fiemap.h"

namespace spur::storage {

class StorageDriver {
 public:
  virtual ~StorageDriver() = default;

  // "btrfs", "reflink", "copy" or "fake"; recorded in the pool.
  virtual std::string_view name() const = 0;

  // True when CloneDataset of a dataset being written is one atomic,
  // crash-consistent point in time (btrfs). False means per-file clones: the
  // engine must wrap them in postgres's backup protocol.
  virtual bool atomic_clone() const = 0;

  // True when clones share blocks with their source (everything but copy).
  virtual bool shares_blocks() const = 0;

  // Creates an empty dataset at `path` (its parent must exist). AlreadyExists
  // when `path` exists.
  virtual Status CreateDataset(const std::string& path) = 0;

  // Makes `dst` (must not exist) a writable copy of dataset `src`.
  virtual Status CloneDataset(const std::string& src, const std::string& dst) = 0;

  // Replaces the files under `rel` in dataset `dst` with those of `src`
  // (used to take pg_wal again after pg_backup_stop). Extra files are kept.
  virtual Status CloneSubtree(const std::string& src, const std::string& dst,
                              const std::string& rel) = 0;

  // Removes the dataset; a missing one is fine.
  virtual Status DestroyDataset(const std::string& path) = 0;

  // True when a dataset (or anything) exists at `path`.
  virtual bool DatasetExists(const std::string& path) = 0;

  // Moves dataset `from` to `to` (same parent folder; `to` must not exist).
  virtual Status RenameDataset(const std::string& from, const std::string& to) = 0;

  // Names of the datasets in folder `dir`, sorted ("" entries never; NotFound
  // when the folder does not exist).
  virtual Result<std::vector<std::string>> ListDatasets(const std::string& dir) = 0;

  // Bytes exclusive to the dataset and shared with other datasets.
  virtual Result<os::SpaceUsage> Usage(const std::string& path) = 0;

  // Bytes free for new data in folder `dir` (its filesystem's, for an
  // unprivileged writer).
  virtual Result<uint64_t> FreeBytes(const std::string& dir) = 0;
};

// Creates the driver called `name` for a pool whose datasets live under
// `data_dir`. With `probe`, first checks that the filesystem there supports
// it (init does; opening a pool that init checked need not).
Result<std::unique_ptr<StorageDriver>> MakeDriver(std::string_view name,
                                                  const std::string& data_dir, bool probe = true);

// Picks the best driver for `data_dir`: btrfs on btrfs, reflink where FICLONE
// works, else copy.
Result<std::string> DetectDriver(const std::string& data_dir);

}  // namespace spur::storage
