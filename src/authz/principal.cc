#include "authz/principal.h"

namespace spur::authz {

const char* ToString(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kDeveloper:
      return "developer";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

Result<Role> RoleFrom(const std::string& text) {
  if (text == "viewer") return Role::kViewer;
  if (text == "developer") return Role::kDeveloper;
  if (text == "admin") return Role::kAdmin;
  return InvalidArgument("unknown role \"" + text + "\"; use admin, developer or viewer");
}

}  // namespace spur::authz
