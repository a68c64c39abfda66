// OS users: who we are, and the unprivileged account postgres runs as when
// spur itself runs as root (initdb and postgres refuse to run as root).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/status.h"

namespace spur::os {

struct OsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

bool IsRoot();
Result<OsUser> LookupUser(const std::string& name);
Result<OsUser> CurrentUser();
Result<OsUser> LookupUid(uid_t uid);

// Checks that `user` may enter (traverse) `path` and every directory leading
// to it, by forking a child that takes the user's identity.
Status CheckAccessAs(const OsUser& user, const std::string& path);

}  // namespace spur::os
