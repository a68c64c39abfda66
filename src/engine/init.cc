// `spur init`: a new pool and its root branch `main`, running.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "common/crash_point.h"
#include "common/units.h"
#include "engine/credentials.h"
#include "engine/pg_settings_policy.h"
#include "engine/pool.h"
#include "engine/sample_data.h"
#include "engine/sources.h"
#include "os/fs.h"
#include "os/mount.h"

namespace spur::engine {
namespace {

// What `spur init` creates in the pool directory (CleanUpFailedInit removes
// these and nothing else).
constexpr const char* kInitMade[] = {"spur.db", "spur.db-wal", "spur.db-shm", "pool.img",
                                     "data",    "logs",        "run",         "lock"};

bool InitMade(const std::string& name) {
  for (const char* made : kInitMade) {
    if (name == made) return true;
  }
  return name == "lost+found";
}

// True when an earlier `spur init` at `layout` died before main was ready:
// spur's lock file is there, everything in the directory is something init
// makes, and the metadata is missing or has no finished main. Such a pool
// was never usable, so init may remove it and start again.
bool InterruptedInitAt(const Layout& layout) {
  if (!os::PathExists(layout.lock())) return false;
  auto entries = os::ListDir(layout.root);
  if (!entries.ok()) return false;
  for (const auto& e : *entries) {
    if (!InitMade(e)) return false;
  }
  if (!os::PathExists(layout.db())) return true;
  auto store = catalog::Store::Open(layout.db());
  if (!store.ok()) return false;  // not ours to judge: leave it
  auto main = (*store)->GetBranch("main");
  if (!main.ok()) return main.status().code() == Code::kNotFound;
  return main->state == catalog::BranchState::kCreating && !main->parent_id;
}

Status CheckOptions(const InitOptions& o, const Layout& layout, bool resuming) {
  if (o.root.empty()) return InvalidArgument("no pool directory; pass --pool DIR or set SPUR_POOL");
  if (!resuming && os::PathExists(layout.db())) {
    return AlreadyExists("a spur pool already exists at " + layout.root +
                         "; use it, or pick another --pool");
  }
  if (!o.from_pgdata.empty() && !o.from_url.empty()) {
    return InvalidArgument("pass --from-pgdata or --from-url, not both");
  }
  if (o.image_size && !os::IsRoot()) {
    return FailedPrecondition(
        "--image needs root: it formats a file and loop-mounts it; rerun "
        "with sudo or drop --image");
  }
  if (o.image_size && !o.driver.empty() && o.driver != "reflink") {
    return InvalidArgument("--image makes an XFS reflink pool; drop --driver " + o.driver);
  }
  if (!o.driver.empty() && o.driver != "btrfs" && o.driver != "reflink" && o.driver != "copy") {
    return InvalidArgument("unknown driver \"" + o.driver + "\"; use btrfs, reflink or copy");
  }
  if (!SocketPathFits(layout)) {
    return InvalidArgument("pool path " + layout.root +
                           " is too long for postgres socket paths; "
                           "pick one under 70 characters");
  }
  if (!resuming && os::IsDirectory(layout.root)) {
    ASSIGN_OR_RETURN(auto entries, os::ListDir(layout.root));
    for (const auto& e : entries) {
      if (e != "lost+found") {
        return FailedPrecondition(layout.root +
                                  " is not empty; pick an empty or new directory "
                                  "for the pool");
      }
    }
  }
  return Status::Ok();
}

// Undoes a failed init: stops postgres, unmounts, removes what init made
// (the lock file too unless `keep_lock`: the caller holds it).
void CleanUpFailedInit(const Layout& layout, bool created_root, bool keep_lock = false) {
  auto branches = os::ListDir(layout.branches());
  if (branches.ok()) {
    for (const auto& b : *branches) pg::Stop(layout.branches() + "/" + b).IgnoreError();
  }
  if (os::IsMountPoint(layout.data())) os::Unmount(layout.data()).IgnoreError();
  if (created_root) {
    os::RemoveTree(layout.root).IgnoreError();
    return;
  }
  for (const char* name : kInitMade) {
    if (keep_lock && std::string_view(name) == "lock") continue;
    os::RemoveTree(layout.root + "/" + name).IgnoreError();
  }
}

}  // namespace

Result<std::unique_ptr<Pool>> Pool::Init(const InitOptions& o, const os::Clock& clock) {
  Layout layout{os::AbsolutePath(o.root)};
  const bool resuming = InterruptedInitAt(layout);
  RETURN_IF_ERROR(CheckOptions(o, layout, resuming));
  // The operator sets the pool-wide defaults: any known setting but the
  // forbidden ones, canonicalized before anything is created.
  ASSIGN_OR_RETURN(auto pg_settings, CheckSettings(o.pg_settings, SettingsCaller::kOperator, {}));
  ASSIGN_OR_RETURN(pg::Installation inst, pg::FindInstallation(o.pg_bindir));
  std::optional<os::OsUser> run_as;
  if (os::IsRoot()) {
    if (o.run_as.empty() || o.run_as == "root") {
      return InvalidArgument(
          "postgres cannot run as root; pass --run-as with an unprivileged "
          "user (default postgres)");
    }
    ASSIGN_OR_RETURN(run_as, os::LookupUser(o.run_as));
  }
  bool created_root = !os::PathExists(layout.root);
  RETURN_IF_ERROR(os::MakeDirs(layout.root, 0755));
  if (run_as) {
    Status reach = os::CheckAccessAs(*run_as, layout.root);
    if (!reach.ok()) {
      if (created_root) os::RemoveTree(layout.root).IgnoreError();
      return reach;
    }
  }
  ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(layout.lock()));
  if (resuming) {
    // Under the lock: an init that was running (not dead) has finished by now.
    if (!InterruptedInitAt(layout)) {
      return AlreadyExists("a spur pool already exists at " + layout.root +
                           "; use it, or pick another --pool");
    }
    spdlog::warn(
        "an earlier spur init at {} was interrupted before main was ready; removing "
        "what it left and starting again",
        layout.root);
    CleanUpFailedInit(layout, /*created_root=*/false, /*keep_lock=*/true);
  }
  std::unique_ptr<Pool> pool(new Pool(layout, std::move(lock), clock));
  pool->installation_ = inst;
  pool->run_as_ = run_as;
  pool->control_ = pg::MakePostgresControl();

  Status st = [&]() -> Status {
    PoolConfig config;
    if (o.image_size) {
      spdlog::info("creating a {} sparse XFS image (reflink=1) at {}", FormatBytes(*o.image_size),
                   layout.image());
      RETURN_IF_ERROR(os::CreateXfsImage(layout.image(), *o.image_size));
      RETURN_IF_ERROR(os::MountImage(layout.image(), layout.data()));
      config.driver = "reflink";
      config.image = true;
    } else {
      RETURN_IF_ERROR(os::MakeDirs(layout.data(), 0755));
      if (o.driver.empty()) {
        ASSIGN_OR_RETURN(config.driver, storage::DetectDriver(layout.data()));
      } else {
        config.driver = o.driver;
      }
    }
    ASSIGN_OR_RETURN(pool->driver_, storage::MakeDriver(config.driver, layout.data()));
    if (config.driver == "copy") {
      spdlog::warn(
          "this pool uses the COPY driver: every branch is a full copy, slow and as "
          "large as its parent. For instant copy-on-write branches use a filesystem "
          "that clones (XFS reflink=1, btrfs) or, as root, `spur init --image SIZE`.");
    }
    for (const auto& dir : {layout.branches(), layout.snapshots(), layout.run()}) {
      RETURN_IF_ERROR(os::MakeDirs(dir, 0755));
    }
    // Postgres logs hold statements and data: the pool's owner only (spur
    // opens each log for postgres before it drops privileges).
    RETURN_IF_ERROR(os::MakeDirs(layout.logs(), 0700));
    RETURN_IF_ERROR(os::Chmod(layout.logs(), 0700));
    ASSIGN_OR_RETURN(pool->store_, catalog::Store::Open(layout.db()));
    RETURN_IF_ERROR(os::Chmod(layout.db(), 0600));
    config.run_as = run_as ? run_as->name : "";
    config.pg_bindir = inst.bindir;
    config.pg_major = inst.major_version;
    config.pg_settings = pg_settings;
    config.port_base = o.port_base;
    config.listen_addresses = o.listen_addresses;
    config.advertise_host = o.advertise_host;
    RETURN_IF_ERROR(SaveConfig(*pool->store_, config));
    pool->config_ = config;

    catalog::Branch main;
    main.name = "main";
    main.state = catalog::BranchState::kCreating;
    ASSIGN_OR_RETURN(main.port, pool->AllocatePort());
    main.role = config.app_role;
    main.password = RandomPassword();
    bool imported = !o.from_pgdata.empty() || !o.from_url.empty();
    main.database = imported ? "postgres" : "app";
    main.owner = run_as ? "root" : "";
    main.created_at = main.last_used_at = clock.NowSeconds();
    RETURN_IF_ERROR(pool->store_->InsertBranch(main));
    CrashPoint("init.after_insert");
    RETURN_IF_ERROR(pool->InitMain(o, main));
    CrashPoint("init.after_main");
    RETURN_IF_ERROR(pool->store_->UpdateBranch(main));
    return pool->store_->RecordEvent(main.created_at, "pool.init", layout.root,
                                     "driver " + config.driver);
  }();
  if (!st.ok()) {
    pool.reset();
    CleanUpFailedInit(layout, created_root);
    return st.WithContext("spur init");
  }
  return pool;
}

Status Pool::InitMain(const InitOptions& o, catalog::Branch& main) {
  const std::string ds = layout_.BranchData(main.id);
  RETURN_IF_ERROR(driver_->CreateDataset(ds));
  if (run_as_) RETURN_IF_ERROR(os::Chown(ds, run_as_->uid, run_as_->gid));
  if (!o.from_pgdata.empty()) {
    spdlog::info("copying data directory {} into the pool", o.from_pgdata);
    RETURN_IF_ERROR(ImportDataDirectory(o.from_pgdata, ds, installation_));
  } else if (!o.from_url.empty()) {
    spdlog::info("taking a physical copy of the remote server with pg_basebackup");
    RETURN_IF_ERROR(BaseBackup(o.from_url, ds, installation_, run_as_));
  } else {
    RETURN_IF_ERROR(control_->InitDb(Spec(main)));
  }
  RETURN_IF_ERROR(control_->PrepareDataDirectory(Spec(main)));
  RETURN_IF_ERROR(StartInstance(main));
  ASSIGN_OR_RETURN(pg::Connection conn, Superuser(main, "postgres"));
  std::string role = conn.QuoteIdentifier(main.role);
  RETURN_IF_ERROR(conn.Exec("ALTER ROLE " + role + " CREATEDB"));
  if (main.database == "app") {
    RETURN_IF_ERROR(conn.Exec("CREATE DATABASE app OWNER " + role));
    if (o.sample_data) RETURN_IF_ERROR(LoadSampleData(main));
  } else {
    RETURN_IF_ERROR(conn.Exec("GRANT pg_read_all_data, pg_write_all_data TO " + role));
  }
  return Status::Ok();
}

Status Pool::LoadSampleData(const catalog::Branch& main) {
  ASSIGN_OR_RETURN(pg::Connection conn, Superuser(main, main.database));
  RETURN_IF_ERROR(conn.Exec("SET ROLE " + conn.QuoteIdentifier(main.role)));
  Status st = conn.Exec(SampleDataSql());
  return st.WithContext("loading sample data");
}

}  // namespace spur::engine
