// Child processes: run-and-wait with captured output, and detached daemons
// (postgres) that outlive the spur process that started them.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "os/user.h"

namespace spur::os {

struct RunOptions {
  std::optional<OsUser> as_user;           // drop to this user (spur is root)
  std::map<std::string, std::string> env;  // added to / overriding the environment
  std::string stdin_data;                  // fed to the child's stdin
  std::string cwd;                         // "" = inherit
};

struct RunOutput {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH when it has no '/') and waits. Fails only
// when the child cannot be started; a non-zero exit is in RunOutput.
Result<RunOutput> Run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Like Run, but a non-zero exit becomes an Internal status carrying the last
// line of stderr.
Result<RunOutput> RunChecked(const std::vector<std::string>& argv, const RunOptions& options = {});

// Starts argv in a new session, detached (double fork), stdout and stderr
// appended to `log_path`, stdin from /dev/null. Returns the daemon's pid.
Result<pid_t> SpawnDetached(const std::vector<std::string>& argv, const std::string& log_path,
                            const RunOptions& options = {});

bool ProcessAlive(pid_t pid);
// Basename of /proc/<pid>/exe's target ("" if unknown or gone).
std::string ProcessExeName(pid_t pid);

// Execs argv in place of this process (for `spur psql`). Returns only on error.
Status ExecReplace(const std::vector<std::string>& argv, const RunOptions& options = {});

}  // namespace spur::os
