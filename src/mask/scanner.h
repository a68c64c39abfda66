// The leak scanner behind `spur mask verify`: reads every byte of every file
// of a PostgreSQL data directory (a snapshot, not a running server's) and
// counts where known personal values ("needles", taken from the source
// before masking) still appear: heap and index pages, WAL, anything else.
//
// What it cannot see: values stored compressed (TOAST pglz/lz4) or split
// across TOAST chunks, and values the disk holds in another encoding. A
// needle that starts (ends) with a digit counts only where the byte before
// (after) it is not a digit: inside a longer number it is a chance match.
// (So a value of 23 to 27 bytes that starts with a digit is not seen where
// it is stored with a one-byte varlena header, which is then an ASCII digit;
// the row pass of `mask verify` still sees it.)
// A clean report means no plain copy of any needle is left, nothing more.
//
// Needle values never leave this module: reports carry the column a needle
// came from, its index and counts, never its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::mask {

struct Needle {
  std::string bytes;   // the exact bytes to look for
  std::string column;  // where it came from, e.g. "public.users.email"
};

struct ScanOptions {
  size_t min_needle_bytes = 4;      // shorter needles are skipped (too many chance hits)
  size_t chunk_bytes = 1 << 20;     // read size; matches across chunks are still found
  size_t max_files_per_needle = 3;  // file paths kept per needle in the report
};

struct AreaTotals {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

struct NeedleHits {
  size_t needle = 0;               // index into the needles passed in
  std::string column;              // that needle's column
  uint64_t hits = 0;               // occurrences in all files, overlapping ones counted
  std::vector<std::string> files;  // first files hit, relative to the root, in scan order
};

struct ScanReport {
  // "relations" (base/, global/, pg_tblspc/), "WAL" (pg_wal/), "other".
  std::map<std::string, AreaTotals> areas;
  uint64_t files = 0, bytes = 0;  // all areas
  size_t needles_searched = 0;
  size_t needles_skipped = 0;     // shorter than ScanOptions::min_needle_bytes
  std::vector<NeedleHits> leaks;  // needles with hits, in needle order
  // Symbolic links not followed (relative paths): any outside pg_tblspc/.
  std::vector<std::string> skipped_links;

  bool clean() const { return leaks.empty(); }
  // {"files", "bytes", "areas": {area: {"files", "bytes"}}, "needles_searched",
  //  "needles_skipped", "leaks": [{"needle", "column", "hits", "files"}],
  //  "skipped_links", "clean"}.
  nlohmann::json ToJson() const;
};

// The area of a file from its path relative to the data directory.
std::string ScanArea(std::string_view relative_path);

// Scans every regular file under `root` (sorted, depth first). Symbolic links
// are not followed, except the tablespace links directly in
// `root`/pg_tblspc/, whose targets are scanned as pg_tblspc/<oid>/...
// InvalidArgument when `root` is not a directory or options are zero;
// Internal naming the path when a directory or file cannot be read. Single
// threaded; reads only.
[[nodiscard]] Result<ScanReport> ScanDataDirectory(const std::string& root,
                                                   const std::vector<Needle>& needles,
                                                   const ScanOptions& options = {});

}  // namespace spur::mask
