#include "engine/pool.h"

#include <spdlog/spdlog.h>

#include "common/crash_point.h"
#include "common/stopwatch.h"
#include "engine/credentials.h"
#include "engine/pg_settings_policy.h"
#include "engine/tls.h"
#include "os/fs.h"
#include "os/mount.h"
#include "os/user.h"

namespace spur::engine {

Result<std::unique_ptr<Pool>> Pool::Open(const std::string& root_arg, const os::Clock& clock,
                                         bool hold_lock) {
  Layout layout{os::AbsolutePath(root_arg)};
  if (!os::PathExists(layout.db())) {
    return NotFound("no spur pool at " + layout.root + "; create one with `spur init --pool " +
                    root_arg + "` or point --pool/SPUR_POOL at an existing one");
  }
  ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(layout.lock()));
  std::unique_ptr<Pool> pool(new Pool(layout, std::move(lock), clock));
  ASSIGN_OR_RETURN(pool->store_, catalog::Store::Open(layout.db()));
  pool->control_ = pg::MakePostgresControl();
  RETURN_IF_ERROR(pool->Load());
  RETURN_IF_ERROR(pool->Reconcile());
  if (!hold_lock) pool->lock_.reset();
  return pool;
}

Result<std::unique_ptr<Pool>> Pool::OpenWith(Parts parts, const os::Clock& clock) {
  std::unique_ptr<Pool> pool(new Pool(parts.layout, std::nullopt, clock));
  pool->store_ = std::move(parts.store);
  pool->driver_ = std::move(parts.driver);
  pool->control_ = std::move(parts.control);
  pool->config_ = parts.config;
  pool->installation_ = pg::Installation{"/nonexistent/bin", 15};
  RETURN_IF_ERROR(pool->Reconcile());
  return pool;
}

Status Pool::Load() {
  ASSIGN_OR_RETURN(config_, LoadConfig(*store_));
  if (config_.image && !os::IsMountPoint(layout_.data())) {
    RETURN_IF_ERROR(os::MountImage(layout_.image(), layout_.data()));
    Repaired("mounted pool image " + layout_.image());
  }
  ASSIGN_OR_RETURN(driver_, storage::MakeDriver(config_.driver, layout_.data(), /*probe=*/false));
  // Pools made before logs/ was private: make it so (postgres logs hold data).
  // Best effort: a user who may open the pool but not chmod it still can.
  if (os::PathExists(layout_.logs())) os::Chmod(layout_.logs(), 0700).IgnoreError();
  if (config_.pg_major > 0 && os::PathExists(config_.pg_bindir + "/postgres")) {
    // Known from init: no need to run `postgres --version` on every command.
    installation_ = pg::Installation{config_.pg_bindir, config_.pg_major};
  } else {
    auto inst = pg::FindInstallation(config_.pg_bindir);
    if (!inst.ok()) inst = pg::FindInstallation("");
    if (!inst.ok()) return inst.status();
    installation_ = *inst;
    config_.pg_bindir = installation_.bindir;
    config_.pg_major = installation_.major_version;
    RETURN_IF_ERROR(SaveConfig(*store_, config_));
  }
  if (os::IsRoot() && !config_.run_as.empty()) {
    ASSIGN_OR_RETURN(os::OsUser user, os::LookupUser(config_.run_as));
    run_as_ = user;
  }
  return Status::Ok();
}

pg::InstanceSpec Pool::Spec(const catalog::Branch& branch) const {
  return SpecAt(branch, layout_.BranchData(branch.id));
}

pg::InstanceSpec Pool::SpecAt(const catalog::Branch& branch, const std::string& pgdata) const {
  pg::InstanceSpec spec;
  spec.installation = installation_;
  spec.pgdata = pgdata;
  spec.socket_dir = layout_.BranchSocketDir(branch.id);
  spec.log_path = layout_.BranchLog(branch.id);
  spec.port = branch.port;
  spec.listen_addresses = config_.listen_addresses;
  spec.settings = PoolConfig::DefaultPgSettings(installation_.major_version);
  for (const auto& [k, v] : config_.pg_settings) spec.settings[k] = v;
  for (const auto& [k, v] : SettingsFromJson(branch.settings_json)) spec.settings[k] = v;
  // Stored before engine/pg_settings_policy existed: never written again.
  std::erase_if(spec.settings, [&](const auto& kv) {
    bool forbidden = IsForbiddenSetting(kv.first);
    if (forbidden) spdlog::warn("branch {}: ignoring forbidden setting {}", branch.name, kv.first);
    return forbidden;
  });
  spec.run_as = run_as_;
  if (config_.tls) {
    const TlsPaths tls = TlsFiles(layout_);
    spec.tls_cert_file = tls.server_cert;
    spec.tls_key_file = tls.server_key;
  }
  return spec;
}

Result<pg::Connection> Pool::Superuser(const catalog::Branch& branch, const std::string& db) {
  return pg::Connection::Open(
      pg::SocketConninfo(layout_.BranchSocketDir(branch.id), branch.port, pg::kSuperuser, db));
}

Status Pool::StartInstance(catalog::Branch& branch) {
  pg::InstanceSpec spec = Spec(branch);
  if (!control_->IsRunning(spec.pgdata) && !control_->PortFree(branch.port)) {
    return Unavailable("port " + std::to_string(branch.port) + " of branch \"" + branch.name +
                       "\" is taken by another program; stop it, or delete and re-create the "
                       "branch to get a new port");
  }
  Stopwatch timer;
  RETURN_IF_ERROR(control_->Start(spec));
  spdlog::debug("branch {}: postgres accepting connections after {:.1f} ms", branch.name,
                timer.LapMs());
  CrashPoint("branch.start.before_credentials");
  RETURN_IF_ERROR(ApplyCredentials(branch));
  branch.state = catalog::BranchState::kRunning;
  branch.last_used_at = clock_.NowSeconds();
  if (!branch.running_since) branch.running_since = branch.last_used_at;
  branch.stop_reason.clear();
  return Status::Ok();
}

Status Pool::ApplyCredentials(const catalog::Branch& branch) {
  const pg::InstanceSpec spec = Spec(branch);
  // Data cloned from a parent carries the parent's password until this runs;
  // TCP stays refused until then. A standby is read-only and keeps its
  // primary's roles.
  if (!control_->IsStandby(spec.pgdata)) {
    RETURN_IF_ERROR(control_->SetLoginPassword(spec, branch.role, branch.password));
    // Data copied from a standby belongs to the primary's roles: give the
    // branch's role the run of it, as `init --from-url` does.
    RETURN_IF_ERROR(control_->GrantDetachedData(spec, branch.role));
  }
  Stopwatch timer;
  RETURN_IF_ERROR(control_->OpenTcp(spec));
  spdlog::debug("branch {}: TCP opened (pg_hba reloaded) in {:.1f} ms", branch.name, timer.LapMs());
  return Status::Ok();
}

Result<int> Pool::AllocatePort() {
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (int port = config_.port_base; port < config_.port_base + config_.port_count; ++port) {
    bool used = false;
    for (const auto& b : branches) used = used || b.port == port;
    if (!used && control_->PortFree(port)) return port;
  }
  return FailedPrecondition("no free port in " + std::to_string(config_.port_base) + "-" +
                            std::to_string(config_.port_base + config_.port_count - 1) +
                            "; delete unused branches");
}

std::string Pool::Uri(const catalog::Branch& branch) const {
  return BuildUri(branch.role, branch.password, config_.advertise_host, branch.port,
                  branch.database, config_.tls);
}

void Pool::Repaired(const std::string& what) {
  spdlog::warn("reconciled: {}", what);
  repairs_.push_back(what);
  if (store_) store_->RecordEvent(clock_.NowSeconds(), "reconcile", "pool", what).IgnoreError();
}

std::string Pool::ImplicitSnapshotName(const std::string& branch) const {
  std::string base = branch.substr(0, 40);
  return base + "-auto-" + std::to_string(clock_.NowSeconds()) + "-" + RandomToken(4);
}

}  // namespace spur::engine
