// spur uri NAME, spur psql NAME [-- ARGS]
#include <cstdio>

#include "cli/client.h"
#include "cli/commands.h"
#include "engine/credentials.h"
#include "os/fs.h"
#include "os/process.h"
#include "pg/installation.h"

namespace spur::cli {
namespace {

struct ConnectArgs {
  std::string name;
  bool proxy = false;   // through the daemon's Postgres proxy (an error without one)
  bool direct = false;  // the branch's own port, even when a proxy runs
  std::vector<std::string> extra;
};

// GET /branches/NAME/connection starts a suspended branch first; a branch
// stopped by hand stays stopped, and its URI would lead nowhere.
Result<nlohmann::json> RunningConnection(GlobalOptions& g, const std::string& name) {
  auto c = CallApi(g, "GET", "/branches/" + Seg(name) + "/connection");
  if (!c.ok()) return c.status();
  if ((*c)["state"] != "running") {
    return FailedPrecondition("branch \"" + name + "\" is stopped; run `spur branch start " + name +
                              "` first");
  }
  return c;
}

int RunUri(GlobalOptions& g, const ConnectArgs& a) {
  auto c = RunningConnection(g, a.name);
  if (!c.ok()) return Fail(g, c.status());
  // Through the proxy by default once the daemon runs one.
  const bool has_proxy = c->contains("proxy_uri") && (*c)["proxy_uri"].is_string();
  if (a.proxy && !has_proxy) {
    return Fail(g, FailedPrecondition("no Postgres proxy runs for this pool; start one with "
                                      "`spur serve --proxy-listen HOST:PORT`"));
  }
  const std::string uri = has_proxy && !a.direct ? (*c)["proxy_uri"].get<std::string>()
                                                 : (*c)["uri"].get<std::string>();
  if (g.json) {
    nlohmann::json out = {{"name", a.name}, {"uri", uri}, {"direct_uri", (*c)["uri"]}};
    if (has_proxy) out["proxy_uri"] = (*c)["proxy_uri"];
    PrintJson(out);
  } else {
    std::printf("%s\n", uri.c_str());
  }
  return 0;
}

int RunPsql(GlobalOptions& g, const ConnectArgs& a) {
  auto c = RunningConnection(g, a.name);
  if (!c.ok()) return Fail(g, c.status());
  std::string uri =
      engine::BuildUri((*c)["role"], "", (*c)["host"], (*c)["port"].get<int>(), (*c)["database"]);
  std::string psql = "psql";
  if (auto inst = pg::FindInstallation(""); inst.ok() && os::PathExists(inst->Binary("psql"))) {
    psql = inst->Binary("psql");
  }
  std::vector<std::string> argv = {psql, uri};
  argv.insert(argv.end(), a.extra.begin(), a.extra.end());
  os::RunOptions opts;
  if (c->contains("password")) {
    opts.env["PGPASSWORD"] = (*c)["password"].get<std::string>();  // not in argv, where ps shows it
  }
  return Fail(g, os::ExecReplace(argv, opts));
}

}  // namespace

void AddConnectCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<ConnectArgs>();
  auto* uri = app.add_subcommand("uri",
                                 "Print the connection URI an application uses (starts a "
                                 "suspended branch)");
  uri->add_option("name", a->name, "Branch name")->required();
  auto* via_proxy = uri->add_flag(
      "--proxy", a->proxy,
      "Through the daemon's Postgres proxy (the default when it runs one; an error without)");
  uri->add_flag("--direct", a->direct, "The branch's own port, even when a proxy runs")
      ->excludes(via_proxy);
  uri->callback([&g, a, exit_code] { *exit_code = RunUri(g, *a); });

  auto* psql = app.add_subcommand("psql", "Run psql on a branch (arguments after -- go to psql)");
  psql->add_option("name", a->name, "Branch name")->required();
  psql->add_option("args", a->extra, "Arguments for psql");
  psql->callback([&g, a, exit_code] { *exit_code = RunPsql(g, *a); });
}

}  // namespace spur::cli
