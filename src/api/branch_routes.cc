// /branches: create, list, show, change, delete, reset, start, stop, extend,
// connection.
#include <chrono>
#include <cstdlib>

#include "api/body.h"
#include "api/service.h"
#include "api/views.h"
#include "authz/data_access.h"
#include "common/metrics.h"
#include "common/names.h"
#include "engine/credentials.h"
#include "engine/daemon_state.h"
#include "engine/options.h"
#include "engine/pg_settings_policy.h"

namespace spur::api {
namespace {

int64_t Now(engine::Pool& pool) { return pool.clock().NowSeconds(); }

// {k: v} as the "k=v" strings the engine's parsers check.
std::vector<std::string> KeyValues(const std::map<std::string, std::string>& map) {
  std::vector<std::string> out;
  for (const auto& [k, v] : map) out.push_back(k + "=" + v);
  return out;
}

// Whose settings policy applies: the local CLI runs as admin too (the pool's
// operator widens what admins may set with allowed_settings).
engine::SettingsCaller SettingsCallerFor(const Principal& who) {
  return who.role == Role::kAdmin ? engine::SettingsCaller::kAdmin
                                  : engine::SettingsCaller::kDeveloper;
}

bool MaySeeSecrets(const Principal& who, const catalog::Branch& b) {
  return who.role == Role::kAdmin || (who.role == Role::kDeveloper && who.owner == b.owner) ||
         authz::ActsForRepoOf(who, b);
}

}  // namespace

std::optional<os::SpaceUsage> Service::CachedUsage(engine::Pool& pool, const catalog::Branch& b,
                                                   bool measure_if_missing) {
  if (options_.cache_usage) {
    std::lock_guard<std::mutex> guard(usage_mu_);
    if (auto it = usage_.find(b.id); it != usage_.end()) return it->second;
    if (!measure_if_missing) return std::nullopt;
  }
  auto info = pool.ShowBranch(b.name, true);
  if (!info.ok() || !info->usage) return std::nullopt;
  if (options_.cache_usage) {
    std::lock_guard<std::mutex> guard(usage_mu_);
    usage_[b.id] = *info->usage;
  }
  return info->usage;
}

void Service::ForgetUsage(int64_t branch_id) {
  std::lock_guard<std::mutex> guard(usage_mu_);
  usage_.erase(branch_id);
}

Status Service::RefreshUsage() {
  std::vector<catalog::Branch> branches;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(branches, pool.store().ListBranches());
    return Status::Ok();
  }));
  // One branch per lock hold, so requests interleave with the measuring.
  std::map<int64_t, os::SpaceUsage> fresh;
  for (const auto& b : branches) {
    pool_
        .With([&](engine::Pool& pool) -> Status {
          auto info = pool.ShowBranch(b.name, true);
          if (info.ok() && info->usage) fresh[b.id] = *info->usage;
          return Status::Ok();
        })
        .IgnoreError();
  }
  std::lock_guard<std::mutex> guard(usage_mu_);
  usage_ = std::move(fresh);
  return Status::Ok();
}

Result<nlohmann::json> Service::BranchView(engine::Pool& pool, const std::string& name,
                                           const Principal& who, bool usage, Secrets secrets) {
  ASSIGN_OR_RETURN(auto info, pool.ShowBranch(name, false));
  if (usage) info.usage = CachedUsage(pool, info.branch, true);
  bool show = secrets == Secrets::kForConnecting && MaySeeSecrets(who, info.branch);
  nlohmann::json view = BranchJson(pool, info, show, Now(pool));
  AddConnections(view, name);
  return view;
}

void Service::AddConnections(nlohmann::json& view, const std::string& name) const {
  if (!options_.proxy_use) return;
  const auto use = options_.proxy_use(name);
  view["connections"] = use ? use->open : 0;
}

Status Service::CheckOwner(engine::Pool& pool, const std::string& name, const Principal& who) {
  if (who.role == Role::kAdmin) return Status::Ok();
  ASSIGN_OR_RETURN(auto b, pool.store().GetBranch(name));
  if (who.role == Role::kDeveloper && b.owner == who.owner && !b.is_protected) {
    return Status::Ok();
  }
  if (b.is_protected) {
    return PermissionDenied("branch \"" + name + "\" is protected; only an admin can change it");
  }
  return PermissionDenied("branch \"" + name + "\" belongs to \"" + b.owner +
                          "\"; developers may change only their own branches");
}

Result<Reply> Service::ListBranches(const Call& call, const Principal&, const Params&) {
  bool usage = !QueryFlag(call.query, "no_usage");
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto list, pool.ListBranches(false));
    // The daemon answers from its cache, measuring at most a few branches it
    // has not seen yet (made by a local command), so a list of hundreds of
    // branches stays fast; the background refresh fills in the rest.
    int measure_budget = options_.cache_usage ? 5 : 1 << 30;
    for (auto& info : list) {
      if (usage) {
        info.usage = CachedUsage(pool, info.branch, false);
        if (!info.usage && measure_budget-- > 0) info.usage = CachedUsage(pool, info.branch, true);
      }
      arr.push_back(BranchJson(pool, info, /*show_password=*/false, Now(pool)));
      AddConnections(arr.back(), info.branch.name);
    }
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::CreateBranch(const Call& call, const Principal& who, const Params&) {
  const auto& body = call.body;
  RETURN_IF_ERROR(OnlyKeys(body, {"name", "from", "snapshot", "ttl", "owner", "pg", "labels",
                                  "protected", "idle_expiry"}));
  engine::CreateBranchOptions o;
  ASSIGN_OR_RETURN(o.name, ReqString(body, "name"));
  ASSIGN_OR_RETURN(o.from, OptString(body, "from"));
  ASSIGN_OR_RETURN(o.snapshot, OptString(body, "snapshot"));
  ASSIGN_OR_RETURN(o.ttl_seconds, OptDuration(body, "ttl"));
  ASSIGN_OR_RETURN(o.idle_expiry_seconds, OptDuration(body, "idle_expiry"));
  ASSIGN_OR_RETURN(auto owner, OptString(body, "owner"));
  if (owner) {
    ASSIGN_OR_RETURN(*owner, OwnerName(*owner));
  }
  ASSIGN_OR_RETURN(auto pg, OptStringMap(body, "pg"));
  ASSIGN_OR_RETURN(auto labels, OptStringMap(body, "labels"));
  ASSIGN_OR_RETURN(auto is_protected, OptBool(body, "protected"));
  if (who.role != Role::kAdmin) {
    if (owner && *owner != who.owner) {
      return PermissionDenied("developers create branches for themselves only (owner \"" +
                              who.owner + "\")");
    }
    if (is_protected.value_or(false)) {
      return PermissionDenied("only admins create protected branches");
    }
  }
  o.owner = owner.value_or(who.owner);
  o.is_protected = is_protected.value_or(false);
  if (labels) {
    ASSIGN_OR_RETURN(o.labels, engine::ParseLabels(KeyValues(*labels)));
  }
  if (o.ttl_seconds && *o.ttl_seconds == 0) o.ttl_seconds.reset();
  if (o.idle_expiry_seconds && *o.idle_expiry_seconds == 0) o.idle_expiry_seconds.reset();
  auto started = std::chrono::steady_clock::now();
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
    if (pg) {
      ASSIGN_OR_RETURN(o.pg_settings, engine::CheckSettings(*pg, SettingsCallerFor(who),
                                                            options.allowed_settings));
    }
    if (!o.ttl_seconds && !o.is_protected && options.default_ttl > 0) {
      o.ttl_seconds = options.default_ttl;
    }
    RETURN_IF_ERROR(authz::CheckMayCopy(pool.store(), who, o.from, o.snapshot));
    ASSIGN_OR_RETURN(auto b, pool.CreateBranch(o));
    ForgetUsage(b.id);                                     // ids of deleted branches are reused
    if (options_.cache_usage) CachedUsage(pool, b, true);  // fresh branches measure fast
    ASSIGN_OR_RETURN(view, BranchView(pool, b.name, who, false, Secrets::kForConnecting));
    return Status::Ok();
  }));
  if (options_.metrics) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    options_.metrics->HistogramObserve("spur_branch_create_seconds", {}, secs);
  }
  return JsonReply(view, 201);
}

Result<Reply> Service::ShowBranch(const Call&, const Principal& who, const Params& p) {
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(view, BranchView(pool, p.at("name"), who, true, Secrets::kHidden));
    return Status::Ok();
  }));
  return JsonReply(view);
}

Result<Reply> Service::PatchBranch(const Call& call, const Principal& who, const Params& p) {
  const auto& body = call.body;
  RETURN_IF_ERROR(OnlyKeys(body, {"protected", "ttl", "idle_expiry", "labels", "owner"}));
  engine::BranchPatch patch;
  ASSIGN_OR_RETURN(patch.is_protected, OptBool(body, "protected"));
  ASSIGN_OR_RETURN(patch.ttl_seconds, OptDuration(body, "ttl"));
  ASSIGN_OR_RETURN(patch.idle_expiry_seconds, OptDuration(body, "idle_expiry"));
  ASSIGN_OR_RETURN(patch.labels, OptStringMap(body, "labels"));
  ASSIGN_OR_RETURN(patch.owner, OptString(body, "owner"));
  if (patch.owner) {
    ASSIGN_OR_RETURN(*patch.owner, OwnerName(*patch.owner));
  }
  if (who.role != Role::kAdmin && (patch.is_protected || patch.owner)) {
    return PermissionDenied("only admins change protection or ownership");
  }
  if (patch.labels) {
    ASSIGN_OR_RETURN(patch.labels, engine::ParseLabels(KeyValues(*patch.labels)));
  }
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(CheckOwner(pool, p.at("name"), who));
    RETURN_IF_ERROR(pool.PatchBranch(p.at("name"), patch).status());
    ASSIGN_OR_RETURN(view, BranchView(pool, p.at("name"), who, false, Secrets::kHidden));
    return Status::Ok();
  }));
  return JsonReply(view);
}

Result<Reply> Service::DeleteBranch(const Call& call, const Principal& who, const Params& p) {
  bool recursive = QueryFlag(call.query, "recursive");
  bool force = QueryFlag(call.query, "force");
  if (force && who.role != Role::kAdmin) {
    return PermissionDenied("--force is for admins only");
  }
  std::vector<std::string> deleted;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(CheckOwner(pool, p.at("name"), who));
    if (recursive && who.role != Role::kAdmin) {
      // Every branch a recursive delete would take must be the caller's.
      ASSIGN_OR_RETURN(auto root, pool.store().GetBranch(p.at("name")));
      ASSIGN_OR_RETURN(auto below, pool.store().DescendantsOf(root.id));
      for (const auto& d : below) RETURN_IF_ERROR(CheckOwner(pool, d.name, who));
    }
    ASSIGN_OR_RETURN(deleted, pool.DeleteBranch(p.at("name"), recursive, force));
    return Status::Ok();
  }));
  return JsonReply({{"deleted", deleted}});
}

namespace {

// What a reset threw away: the branch's own writes since its base `before`
// had. With `kept_as`, they survive as that snapshot (Pool::ResetBranch).
nlohmann::json DiscardedJson(catalog::Store& store, const catalog::Branch& before,
                             const std::optional<std::string>& kept_as) {
  nlohmann::json j = {{"base", nullptr}, {"since", nullptr}, {"kept_as", nullptr}};
  if (before.snapshot_id) {
    if (auto base = store.GetSnapshotById(*before.snapshot_id); base.ok()) {
      j["base"] = base->name;
      j["since"] = base->created_at;
    }
  }
  if (kept_as) j["kept_as"] = *kept_as;
  return j;
}

}  // namespace

Result<Reply> Service::ResetBranch(const Call& call, const Principal& who, const Params& p) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"to", "force", "keep_backup"}));
  ASSIGN_OR_RETURN(auto to, OptString(call.body, "to"));
  ASSIGN_OR_RETURN(auto force, OptBool(call.body, "force"));
  ASSIGN_OR_RETURN(auto keep_backup, OptString(call.body, "keep_backup"));
  if (force.value_or(false) && who.role != Role::kAdmin) {
    return PermissionDenied("--force is for admins only");
  }
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(CheckOwner(pool, p.at("name"), who));
    RETURN_IF_ERROR(authz::CheckMayResetFrom(pool.store(), who, p.at("name"), to));
    // Read before the reset, which drops the implicit base it replaces.
    ASSIGN_OR_RETURN(auto before, pool.store().GetBranch(p.at("name")));
    nlohmann::json discarded = DiscardedJson(pool.store(), before, keep_backup);
    ASSIGN_OR_RETURN(auto b,
                     pool.ResetBranch(p.at("name"), to, force.value_or(false), keep_backup));
    ForgetUsage(b.id);
    if (options_.cache_usage) CachedUsage(pool, b, true);
    ASSIGN_OR_RETURN(view, BranchView(pool, b.name, who, false, Secrets::kHidden));
    view["discarded"] = std::move(discarded);
    return Status::Ok();
  }));
  return JsonReply(view);
}

Result<Reply> Service::StartBranch(const Call&, const Principal& who, const Params& p) {
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(CheckOwner(pool, p.at("name"), who));
    RETURN_IF_ERROR(pool.StartBranch(p.at("name")).status());
    ASSIGN_OR_RETURN(view, BranchView(pool, p.at("name"), who, false, Secrets::kHidden));
    return Status::Ok();
  }));
  return JsonReply(view);
}

Result<Reply> Service::StopBranch(const Call&, const Principal& who, const Params& p) {
  return StopBranchFor(who, p.at("name"), "user");
}

// A suspended branch is stopped as if for idleness: the next connection
// through the proxy starts it again.
Result<Reply> Service::SuspendBranch(const Call&, const Principal& who, const Params& p) {
  return StopBranchFor(who, p.at("name"), "idle");
}

Result<Reply> Service::StopBranchFor(const Principal& who, const std::string& name,
                                     const std::string& reason) {
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(CheckOwner(pool, name, who));
    RETURN_IF_ERROR(pool.StopBranch(name, reason).status());
    ASSIGN_OR_RETURN(view, BranchView(pool, name, who, false, Secrets::kHidden));
    return Status::Ok();
  }));
  return JsonReply(view);
}

Result<Reply> Service::ExtendBranch(const Call& call, const Principal& who, const Params& p) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"ttl"}));
  ASSIGN_OR_RETURN(auto ttl, OptDuration(call.body, "ttl"));
  if (!ttl || *ttl == 0) return InvalidArgument("give how long to extend by, like 3d");
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(CheckOwner(pool, p.at("name"), who));
    RETURN_IF_ERROR(pool.ExtendBranch(p.at("name"), *ttl).status());
    ASSIGN_OR_RETURN(view, BranchView(pool, p.at("name"), who, false, Secrets::kHidden));
    return Status::Ok();
  }));
  return JsonReply(view);
}

namespace {

// The branch's URI through the running daemon's Postgres proxy, if it has
// one; `view` is the branch as BranchView shows it for connecting.
std::optional<std::string> ProxyUri(engine::Pool& pool, const nlohmann::json& view) {
  auto state = engine::ReadDaemonState(pool.store());
  if (!state.ok() || !*state || (*state)->proxy_listen.empty()) return std::nullopt;
  const engine::DaemonState& d = **state;
  if (engine::DaemonLiveness(d, pool.clock().NowSeconds()) != "running") return std::nullopt;
  const auto colon = d.proxy_listen.rfind(':');
  std::string host = d.proxy_listen.substr(0, colon);
  const int port = std::atoi(d.proxy_listen.substr(colon + 1).c_str());
  if (host == "0.0.0.0" || host == "::" || host.empty()) host = pool.config().advertise_host;
  return engine::BuildProxyUri(view.value("role", ""), view.value("password", ""),
                               view.value("name", ""), view.value("database", ""), host, port,
                               d.proxy_domain, d.proxy_tls);
}

}  // namespace

// GET /branches/{name}/connection: what a client needs to connect. A
// suspended branch is started first (the call "needs it").
Result<Reply> Service::Connection(const Call&, const Principal& who, const Params& p) {
  nlohmann::json view;
  std::optional<std::string> proxy_uri;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto info, pool.ShowBranch(p.at("name"), false));
    bool suspended = info.branch.stop_reason == "idle" || info.branch.stop_reason == "schedule";
    // Only those who may connect (see the password) wake it.
    if (!info.running && suspended && MaySeeSecrets(who, info.branch)) {
      nlohmann::json why = {{"reason", "woken by a connection request"}};
      RETURN_IF_ERROR(RunAudited(who.actor, "branch.wake", p.at("name"), why,
                                 [&] { return pool.StartBranch(p.at("name")).status(); }));
    }
    ASSIGN_OR_RETURN(view, BranchView(pool, p.at("name"), who, false, Secrets::kForConnecting));
    proxy_uri = ProxyUri(pool, view);
    return Status::Ok();
  }));
  nlohmann::json out = {{"name", view["name"]},
                        {"state", view["state"]},
                        {"uri", view["uri"]},
                        {"host", view["host"]},
                        {"port", view["port"]},
                        {"database", view["database"]},
                        {"role", view["role"]},
                        {"password_hidden", view["password_hidden"]},
                        {"socket_dir", view["socket_dir"]}};
  if (view.contains("password")) out["password"] = view["password"];
  if (proxy_uri) out["proxy_uri"] = *proxy_uri;
  return JsonReply(out);
}

}  // namespace spur::api
