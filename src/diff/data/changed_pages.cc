#include "diff/data/changed_pages.h"

#include <algorithm>

namespace spur::diff::data {
namespace {

// The extent of `v` covering byte `x`, or nullptr (a hole). `i` walks forward.
const os::Extent* Covering(const std::vector<os::Extent>& v, size_t& i, uint64_t x) {
  while (i < v.size() && v[i].logical + v[i].length <= x) ++i;
  if (i < v.size() && v[i].logical <= x) return &v[i];
  return nullptr;
}

// The next extent boundary in `v` after `x` (or UINT64_MAX).
uint64_t NextBoundary(const std::vector<os::Extent>& v, size_t i, uint64_t x) {
  for (; i < v.size(); ++i) {
    if (v[i].logical > x) return v[i].logical;
    if (v[i].logical + v[i].length > x) return v[i].logical + v[i].length;
  }
  return UINT64_MAX;
}

// Bytes [x, y) are the same on both sides when both are holes inside both
// files, or both sides map them to the same physical address.
bool Same(const os::Extent* ea, const os::Extent* eb, uint64_t x, uint64_t y, uint64_t a_size,
          uint64_t b_size) {
  if (y > a_size || y > b_size) return false;
  if (!ea && !eb) return true;
  if (!ea || !eb || !ea->exact() || !eb->exact()) return false;
  return ea->physical + (x - ea->logical) == eb->physical + (x - eb->logical);
}

void AddBytes(std::vector<PageRange>& out, uint64_t x, uint64_t y) {
  PageRange r{x / kPageSize, (y + kPageSize - 1) / kPageSize};
  if (!out.empty() && out.back().end >= r.first) {
    out.back().end = std::max(out.back().end, r.end);
  } else {
    out.push_back(r);
  }
}

}  // namespace

std::vector<PageRange> ChangedPages(const std::vector<os::Extent>& a, uint64_t a_size,
                                    const std::vector<os::Extent>& b, uint64_t b_size) {
  std::vector<PageRange> out;
  const uint64_t size = std::max(a_size, b_size);
  size_t ia = 0, ib = 0;
  uint64_t x = 0;
  while (x < size) {
    const os::Extent* ea = Covering(a, ia, x);
    const os::Extent* eb = Covering(b, ib, x);
    uint64_t y = std::min({NextBoundary(a, ia, x), NextBoundary(b, ib, x), size});
    if (x < a_size && y > a_size) y = a_size;
    if (x < b_size && y > b_size) y = b_size;
    if (!Same(ea, eb, x, y, a_size, b_size)) AddBytes(out, x, y);
    x = y;
  }
  return out;
}

void AppendShifted(std::vector<PageRange>& out, const std::vector<PageRange>& ranges,
                   uint64_t offset) {
  for (const auto& r : ranges) {
    PageRange s{r.first + offset, r.end + offset};
    if (!out.empty() && out.back().end >= s.first) {
      out.back().end = std::max(out.back().end, s.end);
    } else {
      out.push_back(s);
    }
  }
}

uint64_t CountPages(const std::vector<PageRange>& ranges) {
  uint64_t n = 0;
  for (const auto& r : ranges) n += r.pages();
  return n;
}

}  // namespace spur::diff::data
