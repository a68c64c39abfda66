#include "os/user.h"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

namespace spur::os {
namespace {

Result<OsUser> FromPasswd(struct passwd* pw, const std::string& what) {
  if (pw == nullptr) {
    return NotFound("no OS user " + what + "; create it or pass --run-as USER");
  }
  return OsUser{pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir ? pw->pw_dir : "/"};
}

}  // namespace

bool IsRoot() { return ::geteuid() == 0; }

Result<OsUser> LookupUser(const std::string& name) {
  struct passwd pwd;
  struct passwd* res = nullptr;
  std::vector<char> buf(16384);
  ::getpwnam_r(name.c_str(), &pwd, buf.data(), buf.size(), &res);
  return FromPasswd(res, "\"" + name + "\"");
}

Result<OsUser> LookupUid(uid_t uid) {
  struct passwd pwd;
  struct passwd* res = nullptr;
  std::vector<char> buf(16384);
  ::getpwuid_r(uid, &pwd, buf.data(), buf.size(), &res);
  return FromPasswd(res, "with uid " + std::to_string(uid));
}

Result<OsUser> CurrentUser() {
  struct passwd pwd;
  struct passwd* res = nullptr;
  std::vector<char> buf(16384);
  ::getpwuid_r(::geteuid(), &pwd, buf.data(), buf.size(), &res);
  return FromPasswd(res, "with uid " + std::to_string(::geteuid()));
}

Status CheckAccessAs(const OsUser& user, const std::string& path) {
  pid_t pid = ::fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0) {
      ::_exit(2);
    }
    ::_exit(::access(path.c_str(), X_OK) == 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return FailedPrecondition("OS user \"" + user.name + "\" cannot reach " + path +
                            "; choose a pool directory every parent of which it can enter "
                            "(e.g. /var/lib/spur)");
}

}  // namespace spur::os
