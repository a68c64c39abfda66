// Who makes a call, and the roles a token can hold. The API (api/) checks
// each route's minimum role; the owners' data boundary (data_access.h) and
// the pull-request flow (pr/) decide with the same Principal, which is why
// it lives below both.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace spur::authz {

enum class Role { kViewer = 0, kDeveloper = 1, kAdmin = 2 };
// "admin" | "developer" | "viewer".
const char* ToString(Role role);
// The Role `text` names; InvalidArgument (one line listing the roles)
// otherwise.
Result<Role> RoleFrom(const std::string& text);

// Who makes a call. `actor` is what the audit log records, e.g.
// "local:alice" or "token:3(ci)". Developers act on branches they own.
struct Principal {
  std::string actor;
  Role role = Role::kViewer;
  std::string owner;
  // A token scoped to repositories: it acts for their pull-request branches
  // whoever owns them (data_access.h), and runs `ci up/down` for those only.
  std::vector<std::string> repos;
};

}  // namespace spur::authz
