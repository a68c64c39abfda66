#include "engine/sources.h"

#include <cstdlib>
#include <map>

#include "os/clone.h"
#include "os/fs.h"
#include "os/process.h"
#include "pg/instance.h"

namespace spur::engine {
namespace {

// Makes an imported data directory spur's: own postgresql.conf, no signals.
Status AdoptDataDirectory(const std::string& dst) {
  const std::string conf = dst + "/postgresql.conf";
  if (os::PathExists(conf)) RETURN_IF_ERROR(os::Rename(conf, conf + ".source"));
  RETURN_IF_ERROR(os::WriteFileAtomic(
      conf, "# Written by spur; the source's own file is postgresql.conf.source.\n", 0600));
  RETURN_IF_ERROR(os::RemoveFile(dst + "/standby.signal"));
  RETURN_IF_ERROR(os::RemoveFile(dst + "/recovery.signal"));
  return pg::ClearRunState(dst);
}

Status CheckVersion(const std::string& pgdata, const pg::Installation& installation) {
  auto version = os::ReadFile(pgdata + "/PG_VERSION");
  if (!version.ok()) {
    return InvalidArgument(pgdata + " is not a PostgreSQL data directory (no PG_VERSION)");
  }
  int major = std::atoi(version->c_str());
  if (major != installation.major_version) {
    return FailedPrecondition(
        pgdata + " is PostgreSQL " + std::to_string(major) + " but the server here is " +
        std::to_string(installation.major_version) + "; pass --pg-bindir for a matching server");
  }
  return Status::Ok();
}

}  // namespace

Status ImportDataDirectory(const std::string& source, const std::string& dst,
                           const pg::Installation& installation) {
  const std::string src = os::AbsolutePath(source);
  if (!os::IsDirectory(src)) return NotFound("no directory " + source);
  RETURN_IF_ERROR(CheckVersion(src, installation));
  if (auto pid = pg::RunningPid(src)) {
    return FailedPrecondition("postgres (pid " + std::to_string(*pid) + ") is running on " +
                              source + "; stop it first, or use --from-url to copy it live");
  }
  Status st = os::CloneTree(src, dst, os::CloneMode::kReflink);
  if (!st.ok()) {
    // Different filesystems or no reflink: copy bytes into a clean dataset.
    auto names = os::ListDir(dst);
    if (names.ok()) {
      for (const auto& n : *names) RETURN_IF_ERROR(os::RemoveTree(dst + "/" + n));
    }
    RETURN_IF_ERROR(os::CloneTree(src, dst, os::CloneMode::kCopy));
  }
  return AdoptDataDirectory(dst);
}

namespace {

Status RunBaseBackup(const std::string& url, const std::string& dst,
                     const pg::Installation& installation, const std::optional<os::OsUser>& run_as,
                     bool follow) {
  os::RunOptions opts;
  opts.as_user = run_as;
  std::vector<std::string> argv = {installation.Binary("pg_basebackup"),
                                   "-d",
                                   url,
                                   "-D",
                                   dst,
                                   "-X",
                                   "stream",
                                   "-c",
                                   "fast",
                                   "--no-password"};
  if (follow) argv.push_back("--write-recovery-conf");
  auto r = os::Run(argv, opts);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string err = r->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    auto nl = err.rfind('\n');
    if (nl != std::string::npos) err = err.substr(nl + 1);
    return Unavailable("pg_basebackup from the source failed: " + err +
                       " (the URL needs a role with REPLICATION and a pg_hba replication entry)");
  }
  return CheckVersion(dst, installation);
}

}  // namespace

Status BaseBackup(const std::string& url, const std::string& dst,
                  const pg::Installation& installation, const std::optional<os::OsUser>& run_as) {
  RETURN_IF_ERROR(RunBaseBackup(url, dst, installation, run_as, /*follow=*/false));
  return AdoptDataDirectory(dst);
}

Status StandbyBackup(const std::string& url, const std::string& dst,
                     const pg::Installation& installation,
                     const std::optional<os::OsUser>& run_as) {
  RETURN_IF_ERROR(RunBaseBackup(url, dst, installation, run_as, /*follow=*/true));
  const std::string conf = dst + "/postgresql.conf";
  if (os::PathExists(conf)) RETURN_IF_ERROR(os::Rename(conf, conf + ".source"));
  RETURN_IF_ERROR(os::WriteFileAtomic(
      conf, "# Written by spur; the source's own file is postgresql.conf.source.\n", 0600));
  if (run_as) RETURN_IF_ERROR(os::Chown(conf, run_as->uid, run_as->gid));
  return pg::ClearRunState(dst);
}

Result<std::map<std::string, std::string>> StandbySettings(
    const std::string& pgdata, const pg::Installation& installation,
    const std::optional<os::OsUser>& run_as) {
  os::RunOptions opts;
  opts.as_user = run_as;
  opts.env["LC_ALL"] = "C";
  ASSIGN_OR_RETURN(os::RunOutput r, os::Run({installation.Binary("pg_controldata"), pgdata}, opts));
  if (r.exit_code != 0) return Internal("pg_controldata " + pgdata + " failed: " + r.err);
  static const std::pair<const char*, const char*> kFields[] = {
      {"max_connections setting:", "max_connections"},
      {"max_worker_processes setting:", "max_worker_processes"},
      {"max_wal_senders setting:", "max_wal_senders"},
      {"max_prepared_xacts setting:", "max_prepared_transactions"},
      {"max_locks_per_xact setting:", "max_locks_per_transaction"}};
  std::map<std::string, std::string> out;
  for (const auto& [label, setting] : kFields) {
    auto at = r.out.find(label);
    if (at == std::string::npos) continue;
    auto start = r.out.find_first_not_of(' ', at + std::string(label).size());
    auto end = r.out.find('\n', start);
    out[setting] = r.out.substr(start, end - start);
  }
  return out;
}

}  // namespace spur::engine
