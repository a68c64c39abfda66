#include "os/fiemap.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace spur::os {
namespace {

constexpr int kExtentsPerCall = 256;

}  // namespace

bool Extent::exact() const {
  constexpr uint32_t kInexact = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
                                FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
                                FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE |
                                FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_UNWRITTEN;
  return (flags & kInexact) == 0;
}

Result<std::vector<Extent>> FileExtents(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(path + " does not exist");
    return Internal("cannot open " + path + ": " + std::strerror(errno));
  }
  std::vector<Extent> out;
  std::vector<char> buf(sizeof(struct fiemap) + kExtentsPerCall * sizeof(struct fiemap_extent));
  auto* fm = reinterpret_cast<struct fiemap*>(buf.data());
  uint64_t start = 0;
  uint32_t flags = FIEMAP_FLAG_SYNC;
  for (;;) {
    std::memset(buf.data(), 0, buf.size());
    fm->fm_start = start;
    fm->fm_length = FIEMAP_MAX_OFFSET - start;
    fm->fm_flags = flags;
    fm->fm_extent_count = kExtentsPerCall;
    if (::ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
      Status s = Internal("FIEMAP failed on " + path + ": " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    flags = 0;  // flushed once is enough
    if (fm->fm_mapped_extents == 0) break;
    bool last = false;
    for (uint32_t i = 0; i < fm->fm_mapped_extents; ++i) {
      const auto& e = fm->fm_extents[i];
      out.push_back(Extent{e.fe_logical, e.fe_physical, e.fe_length, e.fe_flags});
      if (e.fe_flags & FIEMAP_EXTENT_LAST) last = true;
      start = e.fe_logical + e.fe_length;
    }
    if (last) break;
  }
  ::close(fd);
  return out;
}

namespace {

Status MeasureFile(const std::string& path, SpaceUsage* usage) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Internal("cannot stat " + path + ": " + std::strerror(errno));
  }
  auto extents = FileExtents(path);
  if (!extents.ok()) {
    return extents.status().code() == Code::kNotFound ? Status::Ok() : extents.status();
  }
  usage->logical_bytes += static_cast<uint64_t>(st.st_size);
  for (const Extent& e : *extents) {
    (e.flags & FIEMAP_EXTENT_SHARED ? usage->shared_bytes : usage->exclusive_bytes) += e.length;
  }
  return Status::Ok();
}

}  // namespace

Result<SpaceUsage> MeasureTree(const std::string& path) {
  SpaceUsage usage;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    RETURN_IF_ERROR(MeasureFile(path, &usage));
    return usage;
  }
  for (auto it = std::filesystem::recursive_directory_iterator(
           path, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_symlink(fec) || !it->is_regular_file(fec)) continue;
    RETURN_IF_ERROR(MeasureFile(it->path().string(), &usage));
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Internal("cannot walk " + path + ": " + ec.message());
  }
  return usage;
}

}  // namespace spur::os
