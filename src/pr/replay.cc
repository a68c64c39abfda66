#include "pr/replay.h"

#include <string>

namespace spur::pr {

bool IsForgeEvent(const hooks::PullRequestEvent& e) {
  return e.forge == "github" || e.forge == "gitlab";
}

Status CheckNotReplayed(const std::optional<catalog::PrEvent>& last,
                        const hooks::PullRequestEvent& e, int64_t now) {
  const std::string what =
      std::string(hooks::PrActionName(e.action)) + " of " + e.repo + "#" + std::to_string(e.number);
  if (e.updated_at > 0 && e.updated_at < now - kPrEventRetentionSeconds) {
    return AlreadyExists("refused " + what + ": the pull request's updated_at is more than " +
                         std::to_string(kPrEventRetentionSeconds / 86400) +
                         " days old, so it is a replay or too late to apply");
  }
  if (!last) return Status::Ok();
  // The same delivery again is the daemon resuming it after a crash (or the
  // forge's retry of a failed one): the flow is idempotent, let it finish.
  if (!e.delivery_id.empty() && last->delivery_id == e.delivery_id) return Status::Ok();
  const bool same = last->action == hooks::PrActionName(e.action) && last->head_sha == e.head_sha &&
                    last->updated_at == e.updated_at;
  if (same) return AlreadyExists("already applied: " + what + " at head " + e.head_sha);
  if (e.updated_at > 0 && last->updated_at > 0 && e.updated_at < last->updated_at) {
    return AlreadyExists("already applied: " + what +
                         " is older than the last event applied to it (a replay)");
  }
  return Status::Ok();
}

catalog::PrEvent AppliedEvent(const hooks::PullRequestEvent& e, int64_t now) {
  return catalog::PrEvent{e.forge,    e.repo,       e.number, hooks::PrActionName(e.action),
                          e.head_sha, e.updated_at, now,      e.delivery_id};
}

}  // namespace spur::pr
