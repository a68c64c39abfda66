// The shell commands a repository's settings name (migrate, the seed's psql,
// comment_command), run for a pull request's branch with its connection in
// the environment. Behind an interface so the pull-request flow is
// unit-tested without processes: a failing migration is a fake's answer.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace spur::pr {

struct CommandSpec {
  std::string command;                     // for /bin/sh -c; from an admin's repository settings
  std::map<std::string, std::string> env;  // added to spur's own environment
  std::string cwd;                         // "" = spur's working directory
  std::string stdin_data;
  int timeout_seconds = 1800;  // then SIGTERM, and SIGKILL 10 s later
};

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal, or could not be started
  double seconds = 0;  // how long it ran
  std::string output;  // stdout then stderr, as captured (not cut, not cleaned)
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs `spec` to its end (or its timeout). Never fails: a command that
  // cannot be started is exit_code -1 with the reason as its output.
  virtual CommandResult Run(const CommandSpec& spec) = 0;
};

// The real one: /bin/sh under timeout(1), through os::Run.
std::unique_ptr<CommandRunner> MakeShellCommandRunner();

}  // namespace spur::pr
