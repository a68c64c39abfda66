// The API: every operation spur offers, as JSON calls routed by method and
// path, with authorization by role, audit records for every mutation and a
// single mapping of Status to HTTP. `spur serve` puts it on HTTP; the CLI
// calls it in-process on a local pool. Routes are listed in docs/api.yaml.
//
// Thread-safety: Handle() may be called from many threads; pool work is
// serialized by the PoolAccess, the audit log and the usage cache lock
// themselves.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/call.h"
#include "api/pool_access.h"
#include "audit/log.h"
#include "engine/pool.h"
#include "forge/comments.h"
#include "hooks/event.h"
#include "pr/command_runner.h"
#include "pr/flow.h"

namespace spur {
class Metrics;
}

namespace spur::api {

struct ServiceOptions {
  // Daemon: branch usage comes from a cache refreshed in the background, so
  // listing stays fast. CLI: measured on every call.
  bool cache_usage = false;
  Metrics* metrics = nullptr;  // API counters, create latency (optional)
  // Time of audit records (the pool's clock; tests pass a fixed one).
  const os::Clock* clock = nullptr;  // nullptr = the system clock
  // Called after a webhook delivery was stored, to wake the worker.
  std::function<void()> delivery_received;
  // Posts PR comments through the forge's API (repositories with `forge:`);
  // nullptr = the real one over HTTP (forge/comments.h). Tests pass a fake.
  forge::CommentPoster* comment_poster = nullptr;
  // Runs repositories' migrate, seed and comment commands; nullptr = the
  // real one through /bin/sh (pr/command_runner.h). Tests pass a fake.
  pr::CommandRunner* command_runner = nullptr;
  // The daemon's Postgres proxy: its connections per branch (branch views
  // show them as "connections"; the reaper's idle suspend and expiry use
  // them). Unset without a proxy.
  std::function<std::optional<engine::ProxyUse>(const std::string& branch)> proxy_use;
  // Clients reach branches only through the proxy: the reaper never asks
  // postgres for its client count (engine::LifecyclePolicy::proxy_only).
  bool proxy_only = false;
};

class Service {
 public:
  Service(PoolAccess& pool, audit::AuditLog& audit, ServiceOptions options);

  // Runs `call` as `who`. Webhook routes ignore `who` (they authenticate by
  // signature); every other route needs at least the role listed for it.
  // `count`: false for the daemon's own calls (metrics gauges), which must not
  // show up as API requests.
  Reply Handle(const Call& call, const Principal& who, bool count = true);
  // Counts one request in spur_api_requests_total{method, route, code}
  // (when ServiceOptions::metrics is set): the method as one of GET POST PUT
  // PATCH DELETE HEAD OPTIONS or "other", the route as its template from the
  // route table or "unmatched", never the raw path. For requests refused
  // before Handle (authentication) too.
  void CountRequest(const std::string& method, const std::string& path, int status);
  // Describes spur_api_requests_total on `m` with the declared values of its
  // labels (done by the constructor when ServiceOptions::metrics is set).
  static void DescribeMetrics(Metrics& m);
  static constexpr char kRequestsMetric[] = "spur_api_requests_total";
  // Records reconciliation's repairs in the audit log (actor "reconcile").
  void AuditRepairs(const std::vector<std::string>& repairs);

  // Daemon work outside requests.
  // Processes stored webhook deliveries not yet done (also after a restart).
  void ProcessPendingDeliveries();
  // One reaper pass; each action goes to the audit log. Returns how many
  // actions it took; an error when the pool could not be read.
  Result<int> RunReaper();
  // Re-measures every branch's disk use into the cache.
  Status RefreshUsage();
  // Audit log head for /metrics and health: records and whether it verifies.
  audit::AuditLog& audit() { return audit_; }

  using Params = std::map<std::string, std::string>;
  using Handler = Result<Reply> (Service::*)(const Call&, const Principal&, const Params&);
  struct Route {
    const char* method;
    const char* pattern;  // "/branches/{name}/reset"
    Role min_role;
    const char* action;  // audit action for mutations; nullptr for reads and webhooks
    Handler handler;
    bool token_free = false;  // webhooks: authenticated by signature
  };
  // Every route, in matching order (the role-matrix test iterates it, so a
  // new route without a matrix row fails).
  static const std::vector<Route>& RouteTable() { return Routes(); }

 private:
  // Sets view["connections"], the branch's clients through the proxy, when
  // the daemon runs one (ServiceOptions::proxy_use).
  void AddConnections(nlohmann::json& view, const std::string& name) const;
  static const std::vector<Route>& Routes();
  Reply Dispatch(const Call& call, const Principal& who);
  Result<Reply> Audited(const Route& route, const Call& call, const Principal& who,
                        const Params& params);

  // Branches (branch_routes.cc).
  Result<Reply> ListBranches(const Call&, const Principal&, const Params&);
  Result<Reply> CreateBranch(const Call&, const Principal&, const Params&);
  Result<Reply> ShowBranch(const Call&, const Principal&, const Params&);
  Result<Reply> PatchBranch(const Call&, const Principal&, const Params&);
  Result<Reply> DeleteBranch(const Call&, const Principal&, const Params&);
  Result<Reply> ResetBranch(const Call&, const Principal&, const Params&);
  Result<Reply> StartBranch(const Call&, const Principal&, const Params&);
  Result<Reply> StopBranch(const Call&, const Principal&, const Params&);
  Result<Reply> SuspendBranch(const Call&, const Principal&, const Params&);
  Result<Reply> StopBranchFor(const Principal& who, const std::string& name,
                              const std::string& reason);
  Result<Reply> ExtendBranch(const Call&, const Principal&, const Params&);
  Result<Reply> Connection(const Call&, const Principal&, const Params&);
  Result<Reply> DiffBranch(const Call&, const Principal&, const Params&);
  // Snapshots, status, cost (pool_routes.cc).
  Result<Reply> ListSnapshots(const Call&, const Principal&, const Params&);
  Result<Reply> CreateSnapshot(const Call&, const Principal&, const Params&);
  Result<Reply> DeleteSnapshot(const Call&, const Principal&, const Params&);
  Result<Reply> Status_(const Call&, const Principal&, const Params&);
  Result<Reply> Cost(const Call&, const Principal&, const Params&);
  // Administration (admin_routes.cc).
  Result<Reply> ListTokens(const Call&, const Principal&, const Params&);
  Result<Reply> CreateToken(const Call&, const Principal&, const Params&);
  Result<Reply> RevokeToken(const Call&, const Principal&, const Params&);
  Result<Reply> ListQuotas(const Call&, const Principal&, const Params&);
  Result<Reply> PutQuota(const Call&, const Principal&, const Params&);
  Result<Reply> DeleteQuota(const Call&, const Principal&, const Params&);
  Result<Reply> ListSchedules(const Call&, const Principal&, const Params&);
  Result<Reply> PutSchedule(const Call&, const Principal&, const Params&);
  Result<Reply> DeleteSchedule(const Call&, const Principal&, const Params&);
  Result<Reply> ListConfig(const Call&, const Principal&, const Params&);
  Result<Reply> SetConfig(const Call&, const Principal&, const Params&);
  Result<Reply> ListAudit(const Call&, const Principal&, const Params&);
  // Pull requests (pr_routes.cc).
  Result<Reply> ListRepos(const Call&, const Principal&, const Params&);
  Result<Reply> PutRepo(const Call&, const Principal&, const Params&);
  Result<Reply> DeleteRepo(const Call&, const Principal&, const Params&);
  Result<Reply> CiUp(const Call&, const Principal&, const Params&);
  Result<Reply> CiDown(const Call&, const Principal&, const Params&);
  Result<Reply> GitHubHook(const Call&, const Principal&, const Params&);
  Result<Reply> GitLabHook(const Call&, const Principal&, const Params&);
  Result<Reply> ListDeliveries(const Call&, const Principal&, const Params&);
  Result<Reply> Comment(const Call&, const Principal&, const Params&);

  // Shared helpers.
  // Whether a reply may carry the branch's password. Only replies whose
  // purpose is a connection string do (create, /connection, ci up); every
  // other view leaves it out, so a log of `branch start` holds no secret.
  enum class Secrets { kHidden, kForConnecting };
  // The branch as JSON; with kForConnecting, the password for admins and the
  // branch's owner; "password_hidden" says which.
  Result<nlohmann::json> BranchView(engine::Pool& pool, const std::string& name,
                                    const Principal& who, bool usage, Secrets secrets);
  // PermissionDenied unless `who` may change branch `name`.
  Status CheckOwner(engine::Pool& pool, const std::string& name, const Principal& who);
  std::optional<os::SpaceUsage> CachedUsage(engine::Pool& pool, const catalog::Branch& b,
                                            bool measure_if_missing);
  void ForgetUsage(int64_t branch_id);
  Status AuditAppend(const std::string& actor, const std::string& action, const std::string& target,
                     const std::string& result, const nlohmann::json& detail);
  // Runs `fn` between a "started" audit record and its outcome record: the
  // outcome ("ok" or "error: <message>") is written whatever `fn` does,
  // returning an error or throwing (a throw becomes Internal). Returns what
  // `fn` returned; when the started record cannot be written, that error,
  // and `fn` does not run. Every started record goes through here.
  Status RunAudited(const std::string& actor, const std::string& action, const std::string& target,
                    const nlohmann::json& detail, const std::function<Status()>& fn);
  Result<Reply> Hook(const Call& call, const std::string& forge);
  // The pull-request workflow (pr/flow.h) for `event`, as `who`.
  Result<nlohmann::json> ApplyPullRequest(const hooks::PullRequestEvent& event,
                                          const Principal& who, bool migrate,
                                          pr::IfExists if_exists = pr::IfExists::kResetOnNewCommit);

  PoolAccess& pool_;
  audit::AuditLog& audit_;
  ServiceOptions options_;
  std::unique_ptr<forge::CommentPoster> own_poster_;  // when options_ has none
  std::unique_ptr<pr::CommandRunner> own_runner_;     // likewise
  std::unique_ptr<pr::Flow> flow_;                    // over the parts above
  std::mutex usage_mu_;
  std::map<int64_t, os::SpaceUsage> usage_;  // branch id -> last measurement
  std::mutex deliveries_mu_;                 // one delivery worker at a time
};

}  // namespace spur::api
