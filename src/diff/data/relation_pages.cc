#include "diff/data/relation_pages.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "os/fiemap.h"

namespace spur::diff::data {
namespace {

constexpr uint64_t kSegmentPages = 131072;  // RELSEG_SIZE of a default build: 1 GB

struct Segment {
  bool exists = false;
  uint64_t size = 0;
  std::vector<os::Extent> extents;
};

Result<Segment> ReadSegment(const std::string& path) {
  Segment s;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return s;
    return Internal("cannot read " + path + ": " + std::strerror(errno));
  }
  s.exists = true;
  s.size = static_cast<uint64_t>(st.st_size);
  auto extents = os::FileExtents(path);
  if (!extents.ok()) {
    if (extents.status().code() == Code::kNotFound) return Segment{};  // removed meanwhile
    return extents.status();
  }
  s.extents = std::move(*extents);
  return s;
}

std::string SegmentPath(const std::string& base, int n) {
  return n == 0 ? base : base + "." + std::to_string(n);
}

}  // namespace

void PrefetchPages(const std::string& file, const std::vector<PageRange>& ranges) {
  int open_segment = -1, fd = -1;
  for (const auto& r : ranges) {
    for (uint64_t page = r.first; page < r.end;) {
      const int segment = static_cast<int>(page / kSegmentPages);
      const uint64_t segment_end = (static_cast<uint64_t>(segment) + 1) * kSegmentPages;
      const uint64_t end = std::min(r.end, segment_end);
      if (segment != open_segment) {
        if (fd >= 0) ::close(fd);
        fd = ::open(SegmentPath(file, segment).c_str(), O_RDONLY | O_CLOEXEC);
        open_segment = segment;
      }
      if (fd >= 0) {
        const uint64_t in_segment = page - static_cast<uint64_t>(segment) * kSegmentPages;
        ::posix_fadvise(fd, static_cast<off_t>(in_segment * kPageSize),
                        static_cast<off_t>((end - page) * kPageSize), POSIX_FADV_WILLNEED);
      }
      page = end;
    }
  }
  if (fd >= 0) ::close(fd);
}

Result<RelationPages> CompareRelationFiles(const std::string& from_file,
                                           const std::string& to_file) {
  RelationPages out;
  for (int n = 0;; ++n) {
    ASSIGN_OR_RETURN(Segment a, ReadSegment(SegmentPath(from_file, n)));
    ASSIGN_OR_RETURN(Segment b, ReadSegment(SegmentPath(to_file, n)));
    if (!a.exists && !b.exists) {
      if (n == 0) return NotFound("neither side has the relation file " + to_file);
      break;
    }
    const uint64_t offset = static_cast<uint64_t>(n) * kSegmentPages;
    AppendShifted(out.changed, ChangedPages(a.extents, a.size, b.extents, b.size), offset);
    out.pages = offset + (std::max(a.size, b.size) + kPageSize - 1) / kPageSize;
  }
  return out;
}

}  // namespace spur::diff::data
