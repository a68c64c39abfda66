#include "os/clone.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/errno_status.h"
#include "os/fs.h"

namespace spur::os {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return os::ErrnoStatus(errno, what + " " + path);
}

Status CopyBytes(int in, int out, off_t size, const std::string& src) {
  off_t done = 0;
  while (done < size) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(size - done), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot copy", src);
    }
    if (n == 0) break;  // file shrank while copying
    done += n;
  }
  return Status::Ok();
}

// Copies one file; a source that vanished is reported as NotFound.
Status CopyOne(const std::string& src, const std::string& dst, CloneMode mode) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return NotFound("vanished " + src);
    return Errno("cannot open", src);
  }
  struct stat st;
  if (::fstat(in, &st) != 0) {
    Status s = Errno("cannot stat", src);
    ::close(in);
    return s;
  }
  int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
  if (out < 0) {
    Status s = Errno("cannot create", dst);
    ::close(in);
    return s;
  }
  Status s;
  if (mode == CloneMode::kReflink) {
    if (::ioctl(out, FICLONE, in) != 0) s = Errno("cannot reflink (FICLONE)", src);
  } else {
    s = CopyBytes(in, out, st.st_size, src);
  }
  if (s.ok() && ::fchmod(out, st.st_mode & 07777) != 0) s = Errno("cannot chmod", dst);
  ::close(in);
  ::close(out);
  return s;
}

Status CloneDir(const std::string& src, const std::string& dst, const std::string& rel,
                CloneMode mode, const std::function<bool(const std::string&)>& skip) {
  struct stat st;
  if (::stat(src.c_str(), &st) != 0) return Errno("cannot stat", src);
  if (::mkdir(dst.c_str(), st.st_mode & 07777) != 0 && errno != EEXIST) {
    return Errno("cannot create", dst);
  }
  auto names = ListDir(src);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    if (skip && skip(child_rel)) continue;
    std::string s = JoinPath(src, name), d = JoinPath(dst, name);
    struct stat cst;
    if (::lstat(s.c_str(), &cst) != 0) {
      if (errno == ENOENT) continue;
      return Errno("cannot stat", s);
    }
    if (S_ISDIR(cst.st_mode)) {
      RETURN_IF_ERROR(CloneDir(s, d, child_rel, mode, skip));
    } else if (S_ISLNK(cst.st_mode)) {
      char target[4096];
      ssize_t n = ::readlink(s.c_str(), target, sizeof target - 1);
      if (n < 0) return Errno("cannot readlink", s);
      target[n] = '\0';
      ::unlink(d.c_str());
      if (::symlink(target, d.c_str()) != 0) return Errno("cannot symlink", d);
    } else if (S_ISREG(cst.st_mode)) {
      Status c = CopyOne(s, d, mode);
      if (c.code() == Code::kNotFound) continue;
      RETURN_IF_ERROR(c);
    }
  }
  return Status::Ok();
}

}  // namespace

Status CloneFile(const std::string& src, const std::string& dst, CloneMode mode) {
  return CopyOne(src, dst, mode);
}

Status CloneTree(const std::string& src, const std::string& dst, CloneMode mode,
                 const std::function<bool(const std::string&)>& skip) {
  return CloneDir(src, dst, "", mode, skip);
}

bool SupportsReflink(const std::string& dir) {
  std::string a = JoinPath(dir, ".spur-reflink-probe-a");
  std::string b = JoinPath(dir, ".spur-reflink-probe-b");
  bool ok = false;
  int fa = ::open(a.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fa >= 0) {
    const char data[4096] = {1};
    if (::write(fa, data, sizeof data) == static_cast<ssize_t>(sizeof data)) {
      int fb = ::open(b.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fb >= 0) {
        ok = ::ioctl(fb, FICLONE, fa) == 0;
        ::close(fb);
      }
    }
    ::close(fa);
  }
  ::unlink(a.c_str());
  ::unlink(b.c_str());
  return ok;
}

}  // namespace spur::os
