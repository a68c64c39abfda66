// Files and directories: the small set of operations the engine needs, each
// returning a Status that names the path and the errno text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace spur::os {

bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);

Result<std::string> ReadFile(const std::string& path);
// Writes via a temporary file and rename, so readers see old or new, never half.
Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode = 0644);
Status AppendFile(const std::string& path, const std::string& data);

// mkdir -p; existing directories are fine. New directories get `mode`.
Status MakeDirs(const std::string& path, mode_t mode = 0755);
// rm -rf; a missing path is fine. Refuses "" and "/".
Status RemoveTree(const std::string& path);
Status RemoveFile(const std::string& path);  // missing is fine
Status Rename(const std::string& from, const std::string& to);

// Names (not paths) of entries in `dir`, sorted, without "." and "..".
Result<std::vector<std::string>> ListDir(const std::string& dir);

// Changes owner of `path` and everything below it (lchown; no symlink follow).
Status ChownTree(const std::string& path, uid_t uid, gid_t gid);
Status Chown(const std::string& path, uid_t uid, gid_t gid);
Status Chmod(const std::string& path, mode_t mode);

// Absolute, normalised form of `path` (need not exist); "" on failure.
std::string AbsolutePath(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

// Free bytes on the filesystem holding `path`.
Result<uint64_t> FreeBytes(const std::string& path);

// Flushes everything written to the filesystem holding `path` (syncfs(2)).
// Returns an error naming `path` if it cannot be opened or the flush fails;
// either way, what was already written stays written.
Status SyncFilesystem(const std::string& path);

}  // namespace spur::os
