// One `spur sync`: from a named source into a branch, start to finish.
// Validates every input before changing anything, builds the new dataset
// beside the branch without holding the pool lock, swaps it in and takes a
// snapshot named for the time. A failure or a kill leaves the branch as it
// was (reconciliation removes the unfinished dataset).
#pragma once

#include <functional>
#include <string>

#include "catalog/records.h"
#include "common/status.h"
#include "engine/pool.h"
#include "mask/transformer.h"

namespace spur::sync {

struct SyncRequest {
  std::string source;  // name given to `spur source add`
  std::string into = "main";
  std::string mask_path;    // mask.yaml; "" = none
  std::string subset_path;  // subset.yaml; "" = full copy
  bool no_mask = false;     // explicitly unmasked (refused when personal columns exist otherwise)
  int jobs = 0;             // parallel streams; 0 = one per core, at least 2
  std::string key_file;     // masking key (64 hex); "" = the pool's own (<pool>/mask.key)
  std::string strict;       // "all" | "guess" | "off" overrides mask.yaml's; "" = the file's
  std::string actor = "cli";
};

// A schedule's stored options (catalog::SyncSchedule::options) for `r`, and
// the request a schedule runs (actor "schedule").
std::string ScheduleOptions(const SyncRequest& r);
SyncRequest RequestFromSchedule(const catalog::SyncSchedule& s);

// Runs `fn` with the pool locked (the CLI's own lock, or the daemon's access).
using WithPool = std::function<Status(const std::function<Status(engine::Pool&)>&)>;

// Runs the sync. `say` gets phase and progress lines (may be empty). Returns
// the recorded run (state done, snapshot set). Every start and outcome is in
// the audit log as action "sync".
[[nodiscard]] Result<catalog::SyncRun> RunSync(const SyncRequest& request,
                                               const engine::Layout& layout,
                                               const WithPool& with_pool,
                                               const std::function<void(const std::string&)>& say);

// The masking key for `key_file`, or the pool's (created on first use, 0600).
[[nodiscard]] Result<mask::MaskKey> LoadMaskKey(const engine::Layout& layout,
                                                const std::string& key_file);

}  // namespace spur::sync
