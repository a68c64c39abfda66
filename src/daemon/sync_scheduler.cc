#include "daemon/sync_scheduler.h"

#include <spdlog/spdlog.h>

#include "common/cron.h"
#include "sync/runner.h"

namespace spur::daemon {
namespace {

int64_t NextRun(const catalog::SyncSchedule& s, int64_t now) {
  if (s.every_seconds) return now + *s.every_seconds;
  auto cron = CronExpr::Parse(s.cron);
  if (!cron.ok()) return now + 86400;
  return cron->NextAfter(now).value_or(now + 86400);
}

}  // namespace

void RunDueSyncs(api::PoolAccess& access, const engine::Layout& layout) {
  std::vector<catalog::SyncSchedule> due;
  access
      .With([&](engine::Pool& pool) -> Status {
        ASSIGN_OR_RETURN(auto all, pool.store().ListSyncSchedules());
        const int64_t now = pool.clock().NowSeconds();
        for (auto& s : all) {
          if (s.next_run_at > now) continue;
          due.push_back(s);
          s.next_run_at = NextRun(s, now);
          RETURN_IF_ERROR(pool.store().PutSyncSchedule(s));
        }
        return Status::Ok();
      })
      .IgnoreError();
  for (const auto& s : due) {
    spdlog::info("scheduled sync of {} into {} starting", s.source, s.branch);
    auto with_pool = [&](const std::function<Status(engine::Pool&)>& fn) {
      return access.With(fn);
    };
    auto run = sync::RunSync(sync::RequestFromSchedule(s), layout, with_pool, {});
    if (!run.ok()) {
      spdlog::error("scheduled sync of {} into {}: {}", s.source, s.branch, run.status().message());
      continue;
    }
    spdlog::info("scheduled sync of {} into {} done: snapshot {}", s.source, s.branch,
                 run->snapshot);
    access
        .With([&](engine::Pool& pool) -> Status {
          ASSIGN_OR_RETURN(auto all, pool.store().ListSyncSchedules());
          for (auto cur : all) {
            if (cur.source != s.source || cur.branch != s.branch) continue;
            cur.last_run_id = run->id;
            return pool.store().PutSyncSchedule(cur);
          }
          return Status::Ok();  // unscheduled meanwhile
        })
        .IgnoreError();
  }
}

}  // namespace spur::daemon
