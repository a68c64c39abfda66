// spur sync SOURCE [--into B] [--mask F] [--subset F] [--no-mask] [--jobs N]
//           [--every DUR | --cron EXPR | --unschedule] | --list
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/cron.h"
#include "common/names.h"
#include "common/units.h"
#include "mask/config.h"
#include "os/fs.h"
#include "os/lock.h"
#include "subset/config.h"
#include "sync/runner.h"

namespace spur::cli {
namespace {

struct SyncArgs {
  sync::SyncRequest request;
  std::string every, cron;
  bool unschedule = false, list = false;
};

// Prints phase lines; progress lines overwrite each other on a terminal.
std::function<void(const std::string&)> Printer(const GlobalOptions& g) {
  if (g.quiet) return {};
  bool tty = ::isatty(2) != 0;
  return [tty](const std::string& line) {
    bool progress = line.rfind("data: ", 0) == 0 && line.find(" tables, ") != std::string::npos;
    if (progress && tty) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else if (!progress || !tty) {
      std::fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", line.c_str());
    }
  };
}

// Reads the files now so a schedule never holds a broken mask or subset.
Status CheckFiles(sync::SyncRequest& r) {
  if (!r.mask_path.empty()) {
    r.mask_path = os::AbsolutePath(r.mask_path);
    RETURN_IF_ERROR(mask::LoadMaskConfig(r.mask_path).status());
  }
  if (!r.subset_path.empty()) {
    r.subset_path = os::AbsolutePath(r.subset_path);
    ASSIGN_OR_RETURN(std::string text, os::ReadFile(r.subset_path));
    RETURN_IF_ERROR(subset::ParseSubsetConfig(text).status());
  }
  if (r.no_mask && !r.mask_path.empty())
    return InvalidArgument("pass --mask or --no-mask, not both");
  if (r.jobs < 0 || r.jobs > 64) return InvalidArgument("--jobs must be between 1 and 64");
  return Status::Ok();
}

int RunSchedule(GlobalOptions& g, SyncArgs& a, engine::Pool& pool) {
  catalog::SyncSchedule s;
  s.source = a.request.source;
  s.branch = a.request.into;
  s.created_at = pool.clock().NowSeconds();
  if (!a.every.empty() && !a.cron.empty())
    return Fail(g, InvalidArgument("pass --every or --cron, not both"));
  if (!a.every.empty()) {
    auto secs = ParseDuration(a.every);
    if (!secs.ok()) return Fail(g, secs.status());
    if (*secs < 300) return Fail(g, InvalidArgument("--every must be at least 5m"));
    s.every_seconds = *secs;
    s.next_run_at = s.created_at + *secs;
  } else {
    auto cron = CronExpr::Parse(a.cron);
    if (!cron.ok()) return Fail(g, cron.status());
    s.cron = a.cron;
    s.next_run_at = cron->NextAfter(s.created_at).value_or(s.created_at + 86400);
  }
  s.options = sync::ScheduleOptions(a.request);
  Status st = pool.store().GetSource(s.source).status();
  if (st.ok()) st = pool.store().GetBranch(s.branch).status();
  if (st.ok()) st = pool.store().PutSyncSchedule(s);
  if (!st.ok()) return Fail(g, st);
  nlohmann::json out = {{"source", s.source}, {"into", s.branch}, {"next_run_at", s.next_run_at}};
  if (g.json) {
    PrintJson(out);
  } else {
    std::printf("scheduled sync of %s into %s (%s); `spur serve` runs it, next at unix time %lld\n",
                s.source.c_str(), s.branch.c_str(),
                s.every_seconds ? ("every " + a.every).c_str() : ("cron " + s.cron).c_str(),
                static_cast<long long>(s.next_run_at));
  }
  return 0;
}

int RunList(GlobalOptions& g, engine::Pool& pool) {
  auto runs = pool.store().ListSyncRuns(20);
  auto schedules = pool.store().ListSyncSchedules();
  if (!runs.ok()) return Fail(g, runs.status());
  if (!schedules.ok()) return Fail(g, schedules.status());
  nlohmann::json out = {{"runs", nlohmann::json::array()}, {"schedules", nlohmann::json::array()}};
  for (const auto& r : *runs) {
    out["runs"].push_back({{"id", r.id},
                           {"source", r.source},
                           {"into", r.branch},
                           {"state", r.state},
                           {"started_at", r.started_at},
                           {"snapshot", r.snapshot},
                           {"masked", r.masked},
                           {"error", r.error}});
  }
  for (const auto& s : *schedules) {
    out["schedules"].push_back({{"source", s.source},
                                {"into", s.branch},
                                {"every_seconds", s.every_seconds ? *s.every_seconds : 0},
                                {"cron", s.cron},
                                {"next_run_at", s.next_run_at}});
  }
  if (g.json) {
    PrintJson(out);
    return 0;
  }
  Table runs_table({"ID", "SOURCE", "INTO", "STATE", "MASKED", "SNAPSHOT"});
  for (const auto& r : *runs) {
    runs_table.AddRow({std::to_string(r.id), r.source, r.branch, r.state, r.masked ? "yes" : "NO",
                       r.state == "failed" ? r.error.substr(0, 60) : r.snapshot});
  }
  runs_table.Print();
  if (!schedules->empty()) {
    std::printf("\n");
    Table st({"SOURCE", "INTO", "WHEN", "NEXT (unix)"});
    for (const auto& s : *schedules) {
      st.AddRow({s.source, s.branch,
                 s.every_seconds ? "every " + FormatDuration(*s.every_seconds) : "cron " + s.cron,
                 std::to_string(s.next_run_at)});
    }
    st.Print();
  }
  return 0;
}

int RunSyncCommand(GlobalOptions& g, SyncArgs& a) {
  if (Status local = LocalOnly(g, "spur sync"); !local.ok()) return Fail(g, local);
  if (!a.list && a.request.source.empty()) {
    return Fail(g, InvalidArgument("name the source to sync (see `spur source list`), or --list"));
  }
  Status st = a.list ? Status::Ok() : ValidateName("source", a.request.source);
  if (st.ok() && !a.list) st = ValidateName("branch", a.request.into);
  if (st.ok()) st = CheckFiles(a.request);
  if (!st.ok()) return Fail(g, st);
  auto pool = engine::Pool::Open(ResolvePoolDir(g), os::SystemClock(), /*hold_lock=*/false);
  if (!pool.ok()) return Fail(g, pool.status());
  const engine::Layout layout = (*pool)->layout();
  auto with_pool = [&](const std::function<Status(engine::Pool&)>& fn) -> Status {
    ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(layout.lock()));
    return fn(**pool);
  };
  if (a.list) {
    int rc = 0;
    with_pool([&](engine::Pool& p) {
      rc = RunList(g, p);
      return Status::Ok();
    }).IgnoreError();
    return rc;
  }
  if (a.unschedule) {
    st = with_pool([&](engine::Pool& p) {
      return p.store().DeleteSyncSchedule(a.request.source, a.request.into);
    });
    if (!st.ok()) return Fail(g, st);
    std::printf("unscheduled sync of %s into %s\n", a.request.source.c_str(),
                a.request.into.c_str());
    return 0;
  }
  if (!a.every.empty() || !a.cron.empty()) {
    int rc = 0;
    with_pool([&](engine::Pool& p) {
      rc = RunSchedule(g, a, p);
      return Status::Ok();
    }).IgnoreError();
    return rc;
  }
  auto me = os::CurrentUser();
  a.request.actor = "user:" + (me.ok() ? me->name : std::string("unknown"));
  auto run = sync::RunSync(a.request, layout, with_pool, Printer(g));
  if (!run.ok()) return Fail(g, run.status());
  nlohmann::json report = nlohmann::json::parse(run->report, nullptr, false);
  if (g.json) {
    PrintJson({{"id", run->id},
               {"snapshot", run->snapshot},
               {"into", run->branch},
               {"masked", run->masked},
               {"report", report}});
    return 0;
  }
  std::printf("synced %s into %s: %lld rows in %zu tables%s; snapshot %s\n", run->source.c_str(),
              run->branch.c_str(), static_cast<long long>(report.value("rows", 0LL)),
              report.contains("tables") ? report["tables"].size() : 0,
              run->masked ? ", masked" : ", NOT masked", run->snapshot.c_str());
  std::printf("branches of %s reset onto it with `spur branch reset NAME`\n", run->branch.c_str());
  return 0;
}

}  // namespace

void AddSyncCommand(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<SyncArgs>();
  auto* sync = app.add_subcommand(
      "sync", "Refresh a branch (default main) from a source: masked, optionally subset");
  sync->add_option("source", a->request.source, "Source name (`spur source list`)");
  sync->add_option("--into", a->request.into, "Branch to refresh (default main)");
  sync->add_option("--mask", a->request.mask_path, "mask.yaml: rules for personal columns");
  sync->add_option("--subset", a->request.subset_path, "subset.yaml: roots and FK closure");
  sync->add_flag("--no-mask", a->request.no_mask,
                 "Copy unmasked (internal staging only; recorded as unmasked)");
  sync->add_option("--jobs,-j", a->request.jobs, "Parallel COPY streams (default: cores, >= 2)");
  sync->add_option("--key-file", a->request.key_file,
                   "Masking key (64 hex); default the pool's <pool>/mask.key");
  sync->add_option("--strict", a->request.strict,
                   "Which columns need a rule, overriding mask.yaml: all (default), guess "
                   "(personal-looking only) or off")
      ->check(CLI::IsMember({"all", "guess", "off"}));
  sync->add_option("--every", a->every, "Schedule: run every DURATION (e.g. 24h) in `spur serve`");
  sync->add_option("--cron", a->cron, "Schedule: run at this cron expression (local time)");
  sync->add_flag("--unschedule", a->unschedule, "Remove the schedule of SOURCE into --into");
  sync->add_flag("--list", a->list, "Show recent sync runs and schedules");
  sync->callback([&g, a, exit_code] { *exit_code = RunSyncCommand(g, *a); });
}

}  // namespace spur::cli
