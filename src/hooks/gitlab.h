// GitLab webhooks: secret-token check and merge-request payload parsing. Pure functions over the
// header values and raw body the HTTP layer received; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"
#include "hooks/event.h"

namespace spur::hooks {

// Checks `header_value` (X-Gitlab-Token) equals `secret`, in time independent of both.
// OK when equal. FailedPrecondition when `secret` is empty: an unconfigured secret never
// verifies anything. Unauthenticated when the header is missing or different.
Status VerifyGitLabToken(std::string_view secret, std::string_view header_value);

// Parses a delivery. `event_header` is X-Gitlab-Event ("Merge Request Hook", or "System Hook"
// for instance-wide hooks); `delivery` is X-Gitlab-Event-UUID, or the Idempotency-Key header
// when the caller has no UUID. Call only after VerifyGitLabToken has passed.
//
// merge_request events map object_attributes.action open/reopen to kOpen, update to kSync when
// object_attributes.oldrev is present (new commits; other updates are kIgnore), close to kClose
// and merge to kClose with merged set. Other actions (approved, ...) and other events
// (Push Hook, ...) are kIgnore with ignore_reason set ("action approved", "event Push Hook").
// InvalidArgument when a header is missing, the body is not a JSON object, or a field spur
// needs (project.path_with_namespace, object_attributes.iid, ...) is missing or of the wrong
// type; the message names the field.
Result<PullRequestEvent> ParseGitLabEvent(std::string_view event_header, std::string_view delivery,
                                          std::string_view body);

}  // namespace spur::hooks
