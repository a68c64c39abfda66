// `spur mask check` and `spur mask verify`: proving what a mask does.
//
// Check reads the source's schema and reports every personal-looking column
// without a rule, and any rule that cannot be applied.
//
// Verify samples original values of every masked or personal-looking column
// from the source and searches every byte of a sync snapshot's files (heap,
// indexes, TOAST, WAL, free space) for them. Values too short to mean
// anything (under min_length bytes, or fewer than 8 digits when they are only
// digits and separators: such values turn up by chance), and values found inside
// words of spur's own replacement dictionaries, are skipped and counted. Values stay in memory
// only; reports name columns and counts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "engine/pool.h"
#include "mask/config.h"
#include "mask/transformer.h"

namespace spur::sync {

// {"unruled": [{"table", "column", "category"}], "error": "" | rule problem,
//  "masked_columns": N, "ok": bool}
[[nodiscard]] Result<nlohmann::json> CheckMask(const std::string& source_url,
                                               const mask::MaskConfig& config,
                                               const mask::MaskKey& key);

struct VerifyOptions {
  std::string snapshot;
  std::string source_url;
  int sample = 100;       // values per column
  size_t min_length = 5;  // shorter values are skipped
};

// {"snapshot", "columns": [{"table", "column", "sampled", "skipped", "found"}],
//  "scan": ScanReport json, "clean": bool}. `pool` is only read (caller holds
// the lock only while the snapshot's path is looked up).
[[nodiscard]] Result<nlohmann::json> VerifySnapshot(engine::Pool& pool,
                                                    const VerifyOptions& options);

}  // namespace spur::sync
