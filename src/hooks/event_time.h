// A forge's timestamp of a pull request (GitHub pull_request.updated_at,
// GitLab object_attributes.updated_at) as seconds since the epoch: what lets
// spur tell a replayed webhook from a later real one (api/pr_events). Pure.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace spur::hooks {

// Accepts "2011-01-26T19:01:12Z", a 'T' or ' ' between date and time,
// fractions of a second (dropped), and the zone as "Z", " UTC", "+02:00",
// "+0200" or " +0200". InvalidArgument naming the text otherwise (out-of-range
// fields included).
Result<int64_t> ParseForgeTime(std::string_view text);

}  // namespace spur::hooks
