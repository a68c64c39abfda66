// A logical sync into a staging cluster: the schema before the data
// (pg_dump --section=pre-data, in the sync's snapshot), parallel COPY
// streams masked in flight, sequences, then indexes and constraints built in
// parallel (post-data) and a freezing VACUUM ANALYZE so branches never
// rewrite hint bits into shared blocks.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "engine/pool.h"
#include "mask/config.h"
#include "mask/transformer.h"
#include "pg/installation.h"
#include "subset/config.h"
#include "sync/progress.h"

namespace spur::sync {

struct LogicalOptions {
  std::string source;                      // libpq URL/conninfo of the source database
  const mask::MaskConfig* mask = nullptr;  // null: copy unmasked
  const subset::SubsetConfig* subset = nullptr;
  mask::MaskKey key;
  int jobs = 2;
  // What to do about personal-looking columns without rules, for the error.
  std::string unruled_hint = "add a rule (or `keep`) for each to the mask file";
  std::string work_dir;  // private scratch directory (schema dump, service file)
  pg::Installation installation;
  // Phase changes ("schema", "data", ...) and, every second during the data
  // phase, a progress line. May be empty.
  std::function<void(const std::string&)> say;
};

// Loads the source into `target` (a BeginSync staging cluster). Returns the
// report: per table rows and bytes, the mask applied, the subset counts and
// the time of each phase. Strict masking: FailedPrecondition listing every
// personal-looking column without a rule when the config is strict.
[[nodiscard]] Result<nlohmann::json> LoadLogical(const LogicalOptions& options,
                                                 const engine::SyncTarget& target);

}  // namespace spur::sync
