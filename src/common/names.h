// Names of branches and snapshots: [a-z0-9][a-z0-9._-]{0,62}. They become
// directory-free identifiers, role-free labels and URL path segments, so the
// rule is strict and checked before anything changes.
#pragma once

#include <string_view>

#include "common/status.h"

namespace spur {

// OK when `name` is a valid name; otherwise InvalidArgument naming `what`
// ("branch", "snapshot") and the rule.
Status ValidateName(std::string_view what, std::string_view name);

}  // namespace spur
