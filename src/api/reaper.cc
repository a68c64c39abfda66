// The reaper's pass as the daemon runs it: the engine's lifecycle actions
// (expire, warn, suspend), each recorded in the audit log and counted.
#include "api/service.h"
#include "common/metrics.h"
#include "engine/options.h"

namespace spur::api {

Result<int> Service::RunReaper() {
  std::vector<engine::LifecycleAction> actions;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
    engine::LifecyclePolicy policy;
    policy.warn_before = options.warn_before;
    policy.idle_suspend = options.idle_suspend;
    policy.proxy_use = options_.proxy_use;
    policy.proxy_only = options_.proxy_only;
    ASSIGN_OR_RETURN(actions, pool.Tick(policy));
    for (const auto& a : actions) {
      if (a.action != "branch.expire" || !a.result.ok()) continue;
      auto pr = pool.store().PullRequestForBranch(a.branch);
      if (pr.ok() && *pr) pool.store().DeletePullRequest((*pr)->repo, (*pr)->number).IgnoreError();
    }
    return Status::Ok();
  }));
  for (const auto& a : actions) {
    std::string result = a.result.ok() ? "ok" : "error: " + a.result.message();
    AuditAppend("reaper", a.action, a.branch, result, {{"reason", a.reason}}).IgnoreError();
    if (options_.metrics) {
      options_.metrics->CounterAdd(
          "spur_reaper_actions_total",
          {{"action", a.action}, {"result", a.result.ok() ? "ok" : "error"}});
    }
  }
  return static_cast<int>(actions.size());
}

}  // namespace spur::api
