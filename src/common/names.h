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

// An owner (of tokens, branches, quotas and pull-request branches), from a
// name as typed or a forge login (GitHub "OctoCat", GitLab "jane.doe"):
// ASCII letters lowercased, then held to the name rule, so one person is one
// owner however a forge spells her. InvalidArgument (with the rule) when it
// cannot be one; nothing is mapped silently beyond the case.
Result<std::string> OwnerName(std::string_view raw);

// A label: the key follows the name rule; the value is one printable line of
// at most 200 characters. InvalidArgument says which part is wrong.
Status ValidateLabel(std::string_view key, std::string_view value);

}  // namespace spur
