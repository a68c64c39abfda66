// Replayed webhooks. A forge's signature covers the body, not the delivery
// id, so a captured signed `opened` or `closed` body can be resent with a new
// X-GitHub-Delivery id. Pull-request actions are therefore idempotent on the
// event's content: the last event applied to each pull request is kept
// (catalog pr_events, bounded retention), and an event is applied only when
// it is newer than that one:
//   - the forge's updated_at of the PR orders events: an event older than the
//     last applied one is a replay (a `closed` resent after a reopen), one
//     with the same time, action and head SHA is the same event again; a new
//     head SHA (`synchronize`) or a later reopen/close carries a later time;
//   - without timestamps (payloads that lack updated_at) only a repeat of the
//     last applied event (action and head SHA) is recognised;
//   - events whose updated_at is older than the retention are refused, so
//     forgetting old rows cannot let old replays through;
//   - the delivery that applied the last event may run again: that is the
//     daemon resuming it after a crash, not a replay (a new delivery id is).
// `spur ci` (forge "ci") is authenticated by token and never checked.
#pragma once

#include <optional>

#include "catalog/records.h"
#include "common/status.h"
#include "hooks/event.h"

namespace spur::pr {

// How long applied events are kept, and the oldest updated_at accepted.
inline constexpr int64_t kPrEventRetentionSeconds = 30 * 24 * 3600;

// True for events this check applies to (GitHub and GitLab webhooks).
bool IsForgeEvent(const hooks::PullRequestEvent& event);

// OK when `event` should be applied, given `last`, the last event applied to
// its pull request, and the time `now`. AlreadyExists with one line saying
// why ("already applied", "older than ...") for a replay. Pure.
Status CheckNotReplayed(const std::optional<catalog::PrEvent>& last,
                        const hooks::PullRequestEvent& event, int64_t now);

// The row that records `event` as applied at `now`.
catalog::PrEvent AppliedEvent(const hooks::PullRequestEvent& event, int64_t now);

}  // namespace spur::pr
