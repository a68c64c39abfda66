// A repository's shell command (migrate, the seed's psql, comment_command)
// run against a pull request's branch, and the record of it that the
// catalog, the reply and the comment keep.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "hooks/event.h"
#include "hooks/repo_config.h"
#include "pr/command_runner.h"

namespace spur::pr {

// How to reach a pull request's branch: what the commands get in their
// environment and `ci up` prints.
struct BranchConnection {
  std::string name, host, role, password, database;
  int port = 0;
  std::string uri;  // postgresql://..., with the sslmode the pool's TLS asks for

  // {"name","host","port","role","password","database","uri"}.
  nlohmann::json ToJson() const;
};

// The most of a command's output its record keeps: the tail, where the error is.
inline constexpr size_t kOutputTail = 4000;

// Runs `command` through `runner` (bounded by the runner's timeout) in
// cfg.workdir, with `conn` in the environment as DATABASE_URL and PG*, and
// SPUR_BRANCH, SPUR_PR, SPUR_REPO, SPUR_SHA and SPUR_SEED from `event` and
// `cfg`; `stdin_data` on its standard input. Never fails: returns the record
// {"command", "exit_code", "seconds", "output_tail"}, the output cut to its
// last kOutputTail bytes and made valid UTF-8 (a command's bytes must not
// make a JSON dump throw). The command comes from an admin's repository
// settings, never from a request.
nlohmann::json RunBranchCommand(CommandRunner& runner, const std::string& command,
                                const hooks::RepoConfig& cfg, const BranchConnection& conn,
                                const hooks::PullRequestEvent& event,
                                const std::string& stdin_data = "");

}  // namespace spur::pr
