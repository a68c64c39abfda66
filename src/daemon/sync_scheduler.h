// Scheduled syncs (`spur sync SOURCE --every 24h | --cron ...`), run by the
// daemon one at a time. A sync is long; the pool lock is taken only at its
// start and end, so the API keeps answering meanwhile.
#pragma once

#include "api/pool_access.h"
#include "engine/layout.h"

namespace spur::daemon {

// Runs every schedule whose time has come, after moving its next run time
// forward (so a sync that fails or is killed is retried at the next slot,
// not in a loop). Failures are logged and recorded in the sync run.
void RunDueSyncs(api::PoolAccess& access, const engine::Layout& layout);

}  // namespace spur::daemon
