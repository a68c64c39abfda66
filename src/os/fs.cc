#include "os/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "os/errno_status.h"

namespace spur::os {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return os::ErrnoStatus(errno, what + " " + path);
}

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("no such file " + path);
    return Errno("cannot open", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Errno("cannot read", path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Errno("cannot create", tmp);
  Status st = WriteAll(fd, data, tmp);
  if (st.ok() && ::fchmod(fd, mode) != 0) st = Errno("cannot chmod", tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("cannot fsync", tmp);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = Errno("cannot rename to", path);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Status AppendFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  Status st = WriteAll(fd, data, path);
  ::close(fd);
  return st;
}

Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return InvalidArgument("empty directory path");
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty() || IsDirectory(cur)) continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) return Errno("cannot create", cur);
  }
  return Status::Ok();
}

Status RemoveTree(const std::string& path) {
  if (path.empty() || path == "/") return InvalidArgument("refusing to remove \"" + path + "\"");
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Internal("cannot remove " + path + ": " + ec.message());
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return Status::Ok();
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename " + from + " to", to);
  return Status::Ok();
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return NotFound("no such directory " + dir);
    return Errno("cannot list", dir);
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Status Chown(const std::string& path, uid_t uid, gid_t gid) {
  if (::lchown(path.c_str(), uid, gid) != 0) return Errno("cannot chown", path);
  return Status::Ok();
}

Status Chmod(const std::string& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) return Errno("cannot chmod", path);
  return Status::Ok();
}

Status ChownTree(const std::string& path, uid_t uid, gid_t gid) {
  RETURN_IF_ERROR(Chown(path, uid, gid));
  if (!IsDirectory(path)) return Status::Ok();
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    RETURN_IF_ERROR(Chown(it->path().string(), uid, gid));
  }
  if (ec) return Internal("cannot walk " + path + ": " + ec.message());
  return Status::Ok();
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  if (ec) return "";
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

Result<uint64_t> FreeBytes(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return Errno("cannot statvfs", path);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

Status SyncFilesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open to flush", path);
  int rc = ::syncfs(fd);
  Status st = rc == 0 ? Status::Ok() : Errno("syncfs failed on", path);
  ::close(fd);
  return st;
}

}  // namespace spur::os
