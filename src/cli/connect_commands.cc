// spur uri NAME, spur psql NAME [-- ARGS]
#include <cstdio>

#include "cli/commands.h"
#include "engine/credentials.h"
#include "os/fs.h"
#include "os/process.h"

namespace spur::cli {
namespace {

struct ConnectArgs {
  std::string name;
  std::vector<std::string> extra;
};

int RunUri(GlobalOptions& g, const ConnectArgs& a) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto info = (*pool)->ShowBranch(a.name, false);
  if (!info.ok()) return Fail(g, info.status());
  if (g.json)
    PrintJson({{"name", a.name}, {"uri", (*pool)->Uri(info->branch)}});
  else
    std::printf("%s\n", (*pool)->Uri(info->branch).c_str());
  return 0;
}

int RunPsql(GlobalOptions& g, const ConnectArgs& a) {
  std::string uri, psql, password;
  {
    auto pool = OpenPool(g);
    if (!pool.ok()) return Fail(g, pool.status());
    auto info = (*pool)->ShowBranch(a.name, false);
    if (!info.ok()) return Fail(g, info.status());
    if (!info->running) {
      return Fail(g, FailedPrecondition("branch \"" + a.name +
                                        "\" is stopped; run `spur branch "
                                        "start " +
                                        a.name + "` first"));
    }
    const auto& b = info->branch;
    uri = engine::BuildUri(b.role, "", (*pool)->config().advertise_host, b.port, b.database);
    password = b.password;
    psql = (*pool)->installation().Binary("psql");
    if (!os::PathExists(psql)) psql = "psql";
  }  // the pool lock is released before psql runs
  std::vector<std::string> argv = {psql, uri};
  argv.insert(argv.end(), a.extra.begin(), a.extra.end());
  os::RunOptions opts;
  opts.env["PGPASSWORD"] = password;  // not in argv, where `ps` would show it
  Status st = os::ExecReplace(argv, opts);
  return Fail(g, st);
}

}  // namespace

void AddConnectCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<ConnectArgs>();
  auto* uri = app.add_subcommand("uri", "Print the connection URI an application uses");
  uri->add_option("name", a->name, "Branch name")->required();
  uri->callback([&g, a, exit_code] { *exit_code = RunUri(g, *a); });

  auto* psql = app.add_subcommand("psql", "Run psql on a branch (arguments after -- go to psql)");
  psql->add_option("name", a->name, "Branch name")->required();
  psql->add_option("args", a->extra, "Arguments for psql");
  psql->callback([&g, a, exit_code] { *exit_code = RunPsql(g, *a); });
}

}  // namespace spur::cli
