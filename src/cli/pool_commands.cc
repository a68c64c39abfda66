// spur init, spur status
#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/commands.h"
#include "common/units.h"

namespace spur::cli {
namespace {

struct InitArgs {
  std::string image, driver, from_pgdata, from_url, run_as = "postgres", pg_bindir;
  std::vector<std::string> pg;
  int port_base = 5500;
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
  o.sample_data = !a.no_sample;
  spdlog::info("creating pool at {}", o.root);
  auto pool = engine::Pool::Init(o);
  if (!pool.ok()) return Fail(g, pool.status());
  auto main = (*pool)->ShowBranch("main", false);
  if (!main.ok()) return Fail(g, main.status());
  if (g.json) {
    PrintJson({{"pool", (*pool)->layout().root},
               {"driver", (*pool)->config().driver},
               {"image", (*pool)->config().image},
               {"branch", BranchJson(**pool, *main)}});
    return 0;
  }
  std::printf("pool %s ready (driver %s%s)\n", (*pool)->layout().root.c_str(),
              (*pool)->config().driver.c_str(),
              (*pool)->config().image ? ", on a loop-mounted XFS image" : "");
  std::printf("branch main running on port %d\n", main->branch.port);
  std::printf("connect: %s\n", (*pool)->Uri(main->branch).c_str());
  return 0;
}

int RunStatus(GlobalOptions& g) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto s = (*pool)->GetStatus();
  if (!s.ok()) return Fail(g, s.status());
  const bool slow = s->driver == "copy";
  const char* note = slow ? "COPY driver: every branch is a full, slow copy; use XFS "
                            "reflink/btrfs or `spur init --image SIZE` for instant branches"
                          : "";
  if (g.json) {
    PrintJson({{"pool", s->root},
               {"driver", s->driver},
               {"image", s->image},
               {"filesystem", s->filesystem},
               {"postgres_bindir", s->pg_bindir},
               {"postgres_major", s->pg_major},
               {"branches", s->branches},
               {"running", s->running},
               {"stopped", s->stopped},
               {"snapshots", s->snapshots},
               {"exclusive_bytes", s->exclusive_bytes},
               {"shared_bytes", s->shared_bytes},
               {"logical_bytes", s->logical_bytes},
               {"free_bytes", s->free_bytes ? nlohmann::json(*s->free_bytes) : nlohmann::json()},
               {"warning", slow ? nlohmann::json(note) : nlohmann::json()}});
    return 0;
  }
  std::printf("pool:       %s\n", s->root.c_str());
  std::printf("driver:     %s on %s%s\n", s->driver.c_str(), s->filesystem.c_str(),
              s->image ? " (loop-mounted image pool.img)" : "");
  if (slow) std::printf("\n  !!! %s !!!\n\n", note);
  std::printf("postgres:   %d (%s)\n", s->pg_major, s->pg_bindir.c_str());
  std::printf("branches:   %d (%d running, %d stopped)\n", s->branches, s->running, s->stopped);
  std::printf("snapshots:  %d\n", s->snapshots);
  std::printf("disk:       %s exclusive, %s shared, %s logical\n",
              FormatBytes(s->exclusive_bytes).c_str(), FormatBytes(s->shared_bytes).c_str(),
              FormatBytes(s->logical_bytes).c_str());
  if (s->free_bytes) std::printf("free:       %s\n", FormatBytes(*s->free_bytes).c_str());
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
  init->add_flag("--no-sample-data", args->no_sample,
                 "Leave main's `app` database empty (no customers/orders/payments)");
  init->callback([&g, args, exit_code] { *exit_code = RunInit(g, *args); });

  auto* status = app.add_subcommand("status", "Show the pool: driver, postgres, totals");
  status->callback([&g, exit_code] { *exit_code = RunStatus(g); });
}

}  // namespace spur::cli
