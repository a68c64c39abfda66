// A forge's pull-request / merge-request webhook, reduced to what spur acts
// on. GitHub and GitLab parsers (github.h, gitlab.h) both produce this.
#pragma once

#include <cstdint>
#include <string>

namespace spur::hooks {

enum class PrAction {
  kOpen,    // opened or reopened: create (or recreate) the branch
  kSync,    // new commits pushed: re-run migrations on the branch
  kClose,   // closed or merged: delete the branch
  kIgnore,  // nothing to do; PullRequestEvent::ignore_reason says why
};

// "open", "sync", "close" or "ignore" (for logs and JSON).
const char* PrActionName(PrAction action);

struct PullRequestEvent {
  std::string forge;        // "github" | "gitlab"
  std::string delivery_id;  // the forge's id for this delivery; dedupes retries
  std::string repo;         // "owner/name", or GitLab's path_with_namespace
  int64_t number = 0;       // PR number / MR iid; 0 only for ignored non-PR events
  PrAction action = PrAction::kIgnore;
  bool merged = false;  // kClose only: the PR was merged, not just closed
  std::string head_sha, head_ref, base_ref, title, author, url;
  // When the forge last changed the pull request (its updated_at), seconds
  // since the epoch; 0 when the payload has none. Replays carry the old
  // value: api/pr_events refuses events older than the last one applied.
  int64_t updated_at = 0;
  std::string ignore_reason;  // kIgnore only: "event ping", "action labeled", ...
};

}  // namespace spur::hooks
