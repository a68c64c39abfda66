// spur init, spur status
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdio>

#include "api/views.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/units.h"

namespace spur::cli {
namespace {

struct InitArgs {
  std::string image, driver, from_pgdata, from_url, run_as = "postgres", pg_bindir;
  std::vector<std::string> pg;
  int port_base = 5500;
  std::string listen_addresses = "127.0.0.1", advertise_host;
  bool no_sample = false;
};

int RunInit(GlobalOptions& g, const InitArgs& a) {
  engine::InitOptions o;
  o.root = ResolvePoolDir(g);
  if (!a.image.empty()) {
    auto size = ParseSize(a.image);
    if (!size.ok()) return Fail(g, size.status().WithContext("--image"));
    o.image_size = *size;
  }
  o.driver = a.driver;
  o.from_pgdata = a.from_pgdata;
  o.from_url = a.from_url;
  o.run_as = a.run_as;
  o.pg_bindir = a.pg_bindir;
  auto settings = engine::ParseSettings(a.pg);
  if (!settings.ok()) return Fail(g, settings.status());
  o.pg_settings = *settings;
  if (a.port_base < 1024 || a.port_base > 64000) {
    return Fail(g, InvalidArgument("--port-base must be between 1024 and 64000"));
  }
  o.port_base = a.port_base;
  if (Status st = engine::ValidateHosts("--listen-addresses", a.listen_addresses, true); !st.ok()) {
    return Fail(g, st);
  }
  if (!a.advertise_host.empty()) {
    if (Status st = engine::ValidateHosts("--advertise-host", a.advertise_host, false); !st.ok()) {
      return Fail(g, st);
    }
  }
  o.listen_addresses = a.listen_addresses;
  o.advertise_host = a.advertise_host.empty()
                         ? (a.listen_addresses == "127.0.0.1" ? "127.0.0.1" : "localhost")
                         : a.advertise_host;
  o.sample_data = !a.no_sample;
  spdlog::info("creating pool at {}", o.root);
  auto pool = engine::Pool::Init(o);
  if (!pool.ok()) return Fail(g, pool.status());
  auto main = (*pool)->ShowBranch("main", false);
  if (!main.ok()) return Fail(g, main.status());
  if (g.json) {
    nlohmann::json branch = api::BranchJson(**pool, *main, true, (*pool)->clock().NowSeconds());
    PrintJson({{"pool", (*pool)->layout().root},
               {"driver", (*pool)->config().driver},
               {"image", (*pool)->config().image},
               {"branch", branch}});
    return 0;
  }
  std::printf("pool %s ready (driver %s%s)\n", (*pool)->layout().root.c_str(),
              (*pool)->config().driver.c_str(),
              (*pool)->config().image ? ", on a loop-mounted XFS image" : "");
  std::printf("branch main running on port %d\n", main->branch.port);
  std::printf("connect: %s\n", (*pool)->Uri(main->branch).c_str());
  return 0;
}

// The daemon's line: whether TTLs, idle suspend and webhooks are acted on.
void PrintDaemon(const nlohmann::json& d) {
  const std::string state = d.value("state", "never ran");
  if (state != "running") {
    std::printf(
        "daemon:     %s: branch TTLs, idle suspend and webhooks wait until `spur serve` "
        "runs (or `systemctl start spur`)\n",
        state.c_str());
    return;
  }
  std::string where = d.value("listen", "");
  std::printf("daemon:     running (pid %lld%s%s)\n",
              static_cast<long long>(d.value("pid", int64_t{0})), where.empty() ? "" : ", http ",
              where.c_str());
  const auto& r = d["reaper"];
  if (r.is_object()) {
    std::string error = r.value("error", "");
    std::printf("reaper:     last pass %llds ago, %lld action(s)%s%s\n",
                static_cast<long long>(r.value("seconds_ago", int64_t{0})),
                static_cast<long long>(r.value("actions", int64_t{0})),
                error.empty() ? "" : "; failed: ", error.c_str());
  } else {
    std::printf("reaper:     no pass yet\n");
  }
}

int RunStatus(GlobalOptions& g) {
  auto r = CallApi(g, "GET", "/status");
  if (!r.ok()) return Fail(g, r.status());
  if (g.json) {
    PrintJson(*r);
    return 0;
  }
  const auto& s = *r;
  auto bytes = [&](const char* k) { return FormatBytes(s[k].get<uint64_t>()); };
  std::printf("pool:       %s\n", s["pool"].get<std::string>().c_str());
  std::printf("driver:     %s on %s%s\n", s["driver"].get<std::string>().c_str(),
              s["filesystem"].get<std::string>().c_str(),
              s["image"].get<bool>() ? " (loop-mounted image pool.img)" : "");
  if (s["warning"].is_string()) {
    std::printf("\n  !!! %s !!!\n\n", s["warning"].get<std::string>().c_str());
  }
  std::printf("postgres:   %d (%s)\n", s["postgres_major"].get<int>(),
              s["postgres_bindir"].get<std::string>().c_str());
  std::printf("branches:   %d (%d running, %d stopped)\n", s["branches"].get<int>(),
              s["running"].get<int>(), s["stopped"].get<int>());
  std::printf("snapshots:  %d\n", s["snapshots"].get<int>());
  std::printf("disk:       %s exclusive, %s shared, %s logical\n", bytes("exclusive_bytes").c_str(),
              bytes("shared_bytes").c_str(), bytes("logical_bytes").c_str());
  if (s["free_bytes"].is_number()) std::printf("free:       %s\n", bytes("free_bytes").c_str());
  if (s.contains("daemon")) PrintDaemon(s["daemon"]);
  return 0;
}

}  // namespace

void AddPoolCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto args = std::make_shared<InitArgs>();
  auto* init = app.add_subcommand("init", "Create a pool and its root branch `main`, running");
  init->add_option("--image", args->image,
                   "Make a sparse XFS (reflink=1) image of SIZE (e.g. 20G), loop-mount it and "
                   "use it for the pool (root only)");
  init->add_option("--driver", args->driver,
                   "Storage driver: btrfs, reflink or copy "
                   "(default: detected)");
  init->add_option("--from-pgdata", args->from_pgdata,
                   "Fill main from this stopped PostgreSQL data directory (only read)");
  init->add_option("--from-url", args->from_url,
                   "Fill main with a physical copy (pg_basebackup) of this running server");
  init->add_option("--run-as", args->run_as, "OS user postgres runs as when spur runs as root")
      ->capture_default_str();
  init->add_option("--pg-bindir", args->pg_bindir,
                   "PostgreSQL server binaries directory "
                   "(default: pg_config, /usr/lib/postgresql)");
  init->add_option("--pg", args->pg, "Pool-wide postgres setting NAME=VALUE (repeatable)");
  init->add_option("--port-base", args->port_base, "First port for branches")
      ->capture_default_str();
  init->add_option("--listen-addresses", args->listen_addresses,
                   "Where branch postgres listens (postgres listen_addresses), e.g. 0.0.0.0 "
                   "so CI runners on other hosts can connect")
      ->capture_default_str();
  init->add_option("--advertise-host", args->advertise_host,
                   "Host name printed in connection URIs (default 127.0.0.1, or localhost "
                   "when --listen-addresses is not 127.0.0.1)");
  init->add_flag("--no-sample-data", args->no_sample,
                 "Leave main's `app` database empty (no customers/orders/payments)");
  init->callback([&g, args, exit_code] { *exit_code = RunInit(g, *args); });

  auto* status = app.add_subcommand("status", "Show the pool: driver, postgres, totals");
  status->callback([&g, exit_code] { *exit_code = RunStatus(g); });
}

}  // namespace spur::cli
