// diff/data/changed_pages: which pages two extent maps leave unshared, and
// pg/xid_range's record format. Extents are built by hand.
#include <gtest/gtest.h>
#include <linux/fiemap.h>

#include "diff/data/changed_pages.h"
#include "pg/xid_range.h"

namespace spur::diff::data {
namespace {

constexpr uint64_t P = kPageSize;

os::Extent Ext(uint64_t logical_page, uint64_t physical_byte, uint64_t pages, uint32_t flags = 0) {
  return os::Extent{logical_page * P, physical_byte, pages * P, flags};
}

TEST(DiffChangedPages, IdenticalClonesShareEverything) {
  std::vector<os::Extent> a = {Ext(0, 1 << 20, 10)};
  EXPECT_TRUE(ChangedPages(a, 10 * P, a, 10 * P).empty());
}

TEST(DiffChangedPages, CopyOnWriteBlockIsChanged) {
  // b rewrote page 3: its extent map is split around a new block.
  std::vector<os::Extent> a = {Ext(0, 1 << 20, 10)};
  std::vector<os::Extent> b = {Ext(0, 1 << 20, 3), Ext(3, 9 << 20, 1),
                               Ext(4, (1 << 20) + 4 * P, 6)};
  EXPECT_EQ(ChangedPages(a, 10 * P, b, 10 * P), (std::vector<PageRange>{{3, 4}}));
}

TEST(DiffChangedPages, PagesPastTheShorterFileAreChanged) {
  std::vector<os::Extent> a = {Ext(0, 1 << 20, 4)};
  std::vector<os::Extent> b = {Ext(0, 1 << 20, 4), Ext(4, 7 << 20, 2)};
  EXPECT_EQ(ChangedPages(a, 4 * P, b, 6 * P), (std::vector<PageRange>{{4, 6}}));
  EXPECT_EQ(ChangedPages(b, 6 * P, a, 4 * P), (std::vector<PageRange>{{4, 6}}));
}

TEST(DiffChangedPages, HolesOnBothSidesAreShared) {
  std::vector<os::Extent> a = {Ext(0, 1 << 20, 2), Ext(5, 2 << 20, 1)};
  EXPECT_TRUE(ChangedPages(a, 6 * P, a, 6 * P).empty());
  std::vector<os::Extent> b = {Ext(0, 1 << 20, 2), Ext(3, 3 << 20, 1), Ext(5, 2 << 20, 1)};
  EXPECT_EQ(ChangedPages(a, 6 * P, b, 6 * P), (std::vector<PageRange>{{3, 4}}));
}

TEST(DiffChangedPages, SameLogicalDataAtDifferentBlocksIsChanged) {
  // A full copy (the copy driver): nothing is shared.
  std::vector<os::Extent> a = {Ext(0, 1 << 20, 8)};
  std::vector<os::Extent> b = {Ext(0, 5 << 20, 8)};
  EXPECT_EQ(ChangedPages(a, 8 * P, b, 8 * P), (std::vector<PageRange>{{0, 8}}));
}

TEST(DiffChangedPages, InexactExtentsAreChanged) {
  for (uint32_t flag : {FIEMAP_EXTENT_DELALLOC, FIEMAP_EXTENT_UNWRITTEN, FIEMAP_EXTENT_ENCODED,
                        FIEMAP_EXTENT_UNKNOWN, FIEMAP_EXTENT_DATA_INLINE}) {
    std::vector<os::Extent> a = {Ext(0, 1 << 20, 4, flag)};
    EXPECT_EQ(ChangedPages(a, 4 * P, a, 4 * P), (std::vector<PageRange>{{0, 4}})) << flag;
  }
  std::vector<os::Extent> shared = {Ext(0, 1 << 20, 4, FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_LAST)};
  EXPECT_TRUE(ChangedPages(shared, 4 * P, shared, 4 * P).empty());
}

TEST(DiffChangedPages, HalfSharedPageIsChanged) {
  // 4 KB filesystem blocks: page 1 is half shared.
  std::vector<os::Extent> a = {os::Extent{0, 1 << 20, 4 * P, 0}};
  std::vector<os::Extent> b = {os::Extent{0, 1 << 20, P + 4096, 0},
                               os::Extent{P + 4096, 8 << 20, 4096, 0},
                               os::Extent{2 * P, (1 << 20) + 2 * P, 2 * P, 0}};
  EXPECT_EQ(ChangedPages(a, 4 * P, b, 4 * P), (std::vector<PageRange>{{1, 2}}));
}

TEST(DiffChangedPages, AdjacentChangesMerge) {
  std::vector<os::Extent> a = {Ext(0, 1 << 20, 6)};
  std::vector<os::Extent> b = {Ext(0, 1 << 20, 1), Ext(1, 4 << 20, 1), Ext(2, 6 << 20, 1),
                               Ext(3, (1 << 20) + 3 * P, 3)};
  EXPECT_EQ(ChangedPages(a, 6 * P, b, 6 * P), (std::vector<PageRange>{{1, 3}}));
}

TEST(DiffChangedPages, SegmentsShiftAndMerge) {
  std::vector<PageRange> out;
  AppendShifted(out, {{0, 2}, {130000, 131072}}, 0);
  AppendShifted(out, {{0, 5}, {9, 10}}, 131072);
  EXPECT_EQ(out, (std::vector<PageRange>{{0, 2}, {130000, 131077}, {131081, 131082}}));
  EXPECT_EQ(CountPages(out), 2u + 1077u + 1u);
}

TEST(XidRange, FormatsAndParses) {
  EXPECT_EQ(pg::FormatXidRange(pg::XidRange{740, 745}), "740-745");
  EXPECT_EQ(pg::FormatXidRange(std::nullopt), "");
  EXPECT_EQ(pg::FormatXidRange(pg::XidRange{9, 9}), "");
  auto r = pg::ParseXidRange("740-745");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->lo, 740u);
  EXPECT_EQ((*r)->size(), 5u);
  auto none = pg::ParseXidRange("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  for (const char* bad : {"?", "12", "9-3", "a-b", "1-2-3", "-4"}) {
    EXPECT_FALSE(pg::ParseXidRange(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace spur::diff::data
