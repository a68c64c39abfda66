// GitHub webhooks: signature check and pull_request payload parsing. Pure functions over the
// header values and raw body the HTTP layer received; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"
#include "hooks/event.h"

namespace spur::hooks {

// Checks `header_value` (X-Hub-Signature-256: "sha256=<64 hex digits>", either case) against
// the HMAC-SHA-256 of the raw `body` under `secret`, in constant time.
// OK when it matches. FailedPrecondition when `secret` is empty: an unconfigured secret never
// verifies anything. Unauthenticated when the header is missing, malformed or does not match.
Status VerifyGitHubSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value);

// Parses a delivery. `event_header` is X-GitHub-Event, `delivery` X-GitHub-Delivery. Call only
// after VerifyGitHubSignature has passed.
//
// pull_request events map opened/reopened to kOpen, synchronize to kSync and closed to kClose
// (merged from pull_request.merged); other actions (labeled, edited, ...) and other events
// (ping, push, ...) are kIgnore with ignore_reason set ("action labeled", "event ping").
// InvalidArgument when a header is missing, the body is not a JSON object, or a field spur
// needs (repository.full_name, number, action, pull_request.head.sha, ...) is missing or of the
// wrong type; the message names the field.
Result<PullRequestEvent> ParseGitHubEvent(std::string_view event_header, std::string_view delivery,
                                          std::string_view body);

}  // namespace spur::hooks
