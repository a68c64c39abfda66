// The Status of a failed system call, in one place: a full disk is
// StorageFull with what to do, everything else Internal.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "common/status.h"

namespace spur::os {

// "<what>: <strerror(err)>"; StorageFull (exit code 11, HTTP 507) for ENOSPC and
// EDQUOT, saying to free space; Internal otherwise.
inline Status ErrnoStatus(int err, const std::string& what) {
  std::string m = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) {
    return StorageFull(m +
                       "; the disk is full: delete branches or snapshots, or grow the filesystem");
  }
  return Internal(std::move(m));
}

}  // namespace spur::os
