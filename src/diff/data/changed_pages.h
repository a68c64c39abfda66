// Which 8 KB pages of a relation may differ between two clones, from the
// extent maps of its files on both sides. Pure: extents in, page ranges out.
//
// Two files cloned from one another share physical blocks until either side
// writes; a byte that both files map to the same physical address, at the
// same offset, is the same byte. Every page holding a byte not known to be
// shared is "changed" (it may or may not differ): a page both sides have as
// a hole is unchanged (zeros on both), a page past one file's end is changed,
// extents that are not exact (delayed, unwritten, compressed...) are changed.
#pragma once

#include <cstdint>
#include <vector>

#include "os/fiemap.h"

namespace spur::diff::data {

inline constexpr uint64_t kPageSize = 8192;

struct PageRange {
  uint64_t first = 0, end = 0;  // pages [first, end)
  uint64_t pages() const { return end - first; }
  bool operator==(const PageRange&) const = default;
};

// One file on each side: its extents (logical order, as os::FileExtents
// returns them) and its size in bytes. Ranges are relative to the file's
// first page, sorted, disjoint and not adjacent.
std::vector<PageRange> ChangedPages(const std::vector<os::Extent>& a, uint64_t a_size,
                                    const std::vector<os::Extent>& b, uint64_t b_size);

// Adds `ranges` shifted by `offset` pages to `out`, merging with its last
// range when they touch (segment files of one relation, in order).
void AppendShifted(std::vector<PageRange>& out, const std::vector<PageRange>& ranges,
                   uint64_t offset);

uint64_t CountPages(const std::vector<PageRange>& ranges);

}  // namespace spur::diff::data
