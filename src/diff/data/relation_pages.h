// Changed pages of one relation between two data directories: its main
// fork's segment files (1 GB each: base/D/R, base/D/R.1, ...) compared
// extent by extent (os::FileExtents, diff/data/changed_pages).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "diff/data/changed_pages.h"

namespace spur::diff::data {

struct RelationPages {
  std::vector<PageRange> changed;  // may differ; every other page is shared
  uint64_t pages = 0;              // pages of the larger side
};

// `from_file` and `to_file` are the paths of segment 0 (pgdata + "/" +
// pg_relation_filepath). Flushes delayed allocations first. Internal when a
// file cannot be read or FIEMAP is not supported.
[[nodiscard]] Result<RelationPages> CompareRelationFiles(const std::string& from_file,
                                                         const std::string& to_file);

// Asks the kernel to start reading `ranges` of the relation whose segment 0
// is `file` (posix_fadvise WILLNEED), so the server's page-by-page reads
// that follow find them in the page cache instead of waiting for each one.
// Best effort: errors are ignored.
void PrefetchPages(const std::string& file, const std::vector<PageRange>& ranges);

}  // namespace spur::diff::data
