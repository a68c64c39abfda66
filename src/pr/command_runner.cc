#include "pr/command_runner.h"

#include <chrono>

#include "os/process.h"

namespace spur::pr {
namespace {

class ShellCommandRunner : public CommandRunner {
 public:
  CommandResult Run(const CommandSpec& spec) override {
    os::RunOptions o;
    o.env = spec.env;
    o.cwd = spec.cwd;
    o.stdin_data = spec.stdin_data;
    const auto started = std::chrono::steady_clock::now();
    auto run = os::Run({"timeout", "--kill-after=10", std::to_string(spec.timeout_seconds),
                        "/bin/sh", "-c", spec.command},
                       o);
    CommandResult r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!run.ok()) {
      r.output = run.status().message();
      return r;
    }
    r.exit_code = run->exit_code;
    r.output = run->out + run->err;
    return r;
  }
};

}  // namespace

std::unique_ptr<CommandRunner> MakeShellCommandRunner() {
  return std::make_unique<ShellCommandRunner>();
}

}  // namespace spur::pr
