#include "pr/branch_command.h"

#include "common/untrusted_text.h"

namespace spur::pr {

nlohmann::json BranchConnection::ToJson() const {
  return {{"name", name},         {"host", host},         {"port", port}, {"role", role},
          {"password", password}, {"database", database}, {"uri", uri}};
}

nlohmann::json RunBranchCommand(CommandRunner& runner, const std::string& command,
                                const hooks::RepoConfig& cfg, const BranchConnection& conn,
                                const hooks::PullRequestEvent& e, const std::string& stdin_data) {
  CommandSpec spec;
  spec.command = command;
  spec.env = {{"DATABASE_URL", conn.uri},
              {"PGHOST", conn.host},
              {"PGPORT", std::to_string(conn.port)},
              {"PGUSER", conn.role},
              {"PGPASSWORD", conn.password},
              {"PGDATABASE", conn.database},
              {"SPUR_BRANCH", conn.name},
              {"SPUR_PR", std::to_string(e.number)},
              {"SPUR_REPO", e.repo},
              {"SPUR_SHA", e.head_sha},
              {"SPUR_SEED", cfg.seed}};
  spec.cwd = cfg.workdir;
  spec.stdin_data = stdin_data;
  CommandResult run = runner.Run(spec);
  std::string out = std::move(run.output);
  if (out.size() > kOutputTail) out = out.substr(out.size() - kOutputTail);
  out = ValidUtf8(out);
  return {{"command", command},
          {"exit_code", run.exit_code},
          {"seconds", run.seconds},
          {"output_tail", out}};
}

}  // namespace spur::pr
