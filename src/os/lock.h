// An exclusive advisory lock on a file (flock), held for the object's life.
// Serializes mutations on one pool across processes.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace spur::os {

class FileLock {
 public:
  // Blocks until the lock on `path` (created if missing) is held.
  [[nodiscard]] static Result<FileLock> Acquire(const std::string& path);
  // Takes the lock if nobody holds it; nullopt when another holder has it.
  [[nodiscard]] static Result<std::optional<FileLock>> TryAcquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace spur::os
