#include "pg/control.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/stopwatch.h"
#include "os/fs.h"
#include "os/net.h"
#include "pg/backup.h"
#include "pg/conn.h"
#include "pg/xid_range.h"

namespace spur::pg {
namespace {

Result<Connection> Superuser(const InstanceSpec& spec) {
  return Connection::Open(SocketConninfo(spec.socket_dir, spec.port, kSuperuser, "postgres"));
}

class XidWindow final : public InflightWindow {
 public:
  explicit XidWindow(const InstanceSpec& spec) : conn_(Superuser(spec)) {
    if (!conn_.ok()) return;
    auto xid = OldestRunningXid(*conn_);
    if (xid.ok()) oldest_ = *xid;
  }

  std::string Close() override {
    if (!oldest_) return "?";
    auto next = NextXid(*conn_);
    return next.ok() ? FormatXidRange(XidRange{*oldest_, *next}) : "?";
  }

 private:
  Result<Connection> conn_;
  std::optional<uint64_t> oldest_;
};

class PostgresControl final : public InstanceControl {
 public:
  Status InitDb(const InstanceSpec& spec) override { return pg::InitDb(spec); }

  Status PrepareDataDirectory(const InstanceSpec& spec) override {
    RETURN_IF_ERROR(pg::ClearRunState(spec.pgdata));
    RETURN_IF_ERROR(pg::DetachFromPrimary(spec.pgdata));
    if (!spec.run_as) return Status::Ok();
    // btrfs snapshots keep owners; per-file copies made as root do not.
    struct stat st;
    if (::stat((spec.pgdata + "/PG_VERSION").c_str(), &st) == 0 && st.st_uid == spec.run_as->uid &&
        ::stat(spec.pgdata.c_str(), &st) == 0 && st.st_uid == spec.run_as->uid) {
      return Status::Ok();
    }
    return os::ChownTree(spec.pgdata, spec.run_as->uid, spec.run_as->gid);
  }

  Status Start(const InstanceSpec& spec) override {
    RETURN_IF_ERROR(pg::WriteConfig(spec));
    return pg::Start(spec);
  }

  Status Stop(const std::string& pgdata) override { return pg::Stop(pgdata); }
  Status StopDiscarding(const std::string& pgdata) override {
    return pg::Stop(pgdata, /*timeout_s=*/0);  // SIGINT, then SIGQUIT at once
  }

  Status OpenTcp(const InstanceSpec& spec) override {
    ASSIGN_OR_RETURN(Connection conn, Superuser(spec));
    ASSIGN_OR_RETURN(std::string before, conn.QueryValue("SELECT pg_conf_load_time()::text"));
    RETURN_IF_ERROR(pg::WriteHba(spec, /*tcp_open=*/true));
    RETURN_IF_ERROR(conn.Exec("SELECT pg_reload_conf()"));
    // A new session starts with the postmaster's load time, set as the
    // postmaster reloads (pg_hba.conf included): a later one means TCP is open.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      ASSIGN_OR_RETURN(Connection probe, Superuser(spec));
      ASSIGN_OR_RETURN(std::string now, probe.QueryValue("SELECT pg_conf_load_time()::text"));
      if (now != before) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Unavailable("postgres on " + spec.pgdata +
                       " did not reload pg_hba.conf within 10 s; TCP stays refused; see " +
                       spec.log_path);
  }

  bool TcpOpen(const std::string& pgdata) override { return pg::HbaLetsTcpIn(pgdata); }

  bool IsStandby(const std::string& pgdata) override { return pg::IsStandby(pgdata); }

  bool MayHoldInflight(const std::string& pgdata) override {
    if (os::PathExists(pgdata + "/standby.signal") || os::PathExists(pgdata + "/recovery.signal")) {
      return true;
    }
    auto prepared = os::ListDir(pgdata + "/pg_twophase");
    return prepared.ok() && !prepared->empty();
  }

  std::unique_ptr<InflightWindow> OpenInflightWindow(const InstanceSpec& spec) override {
    return std::make_unique<XidWindow>(spec);
  }

  Status GrantDetachedData(const InstanceSpec& spec, const std::string& role) override {
    const std::string marker = spec.pgdata + "/" + kDetachedMarker;
    if (!os::PathExists(marker)) return Status::Ok();
    ASSIGN_OR_RETURN(Connection conn, Superuser(spec));
    const std::string quoted = conn.QuoteIdentifier(role);
    RETURN_IF_ERROR(conn.Exec("GRANT pg_read_all_data, pg_write_all_data TO " + quoted +
                              "; ALTER ROLE " + quoted + " CREATEDB"));
    return os::RemoveFile(marker);
  }

  Status BeginRestore(const InstanceSpec& spec, const std::string& role,
                      const std::string& database) override {
    ASSIGN_OR_RETURN(Connection conn, Superuser(spec));
    const std::string quoted = conn.QuoteIdentifier(role);
    RETURN_IF_ERROR(conn.Exec("ALTER ROLE " + quoted + " SUPERUSER CREATEDB"));
    if (database == "postgres") return Status::Ok();
    return conn.Exec("CREATE DATABASE " + conn.QuoteIdentifier(database) + " OWNER " + quoted);
  }

  Status EndRestore(const InstanceSpec& spec, const std::string& role) override {
    ASSIGN_OR_RETURN(Connection conn, Superuser(spec));
    return conn.Exec("ALTER ROLE " + conn.QuoteIdentifier(role) + " NOSUPERUSER");
  }

  std::optional<int> RunningPid(const std::string& pgdata) override {
    return pg::RunningPid(pgdata);
  }

  bool PortFree(int port) override { return os::TcpPortFree(port); }

  Status SetLoginPassword(const InstanceSpec& spec, const std::string& role,
                          const std::string& password) override {
    ASSIGN_OR_RETURN(Connection conn, Superuser(spec));
    ASSIGN_OR_RETURN(std::string verifier, conn.EncryptPassword(password, role));
    std::string quoted = conn.QuoteIdentifier(role);
    ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT 1 FROM pg_roles WHERE rolname = " + conn.QuoteLiteral(role)));
    // Not worth a WAL flush: every start sets the password again anyway.
    RETURN_IF_ERROR(conn.Exec("SET synchronous_commit = off"));
    // A developer may turn statement logging on for her branch; the verifier
    // still stays out of the branch's log whatever its settings say.
    RETURN_IF_ERROR(
        conn.Exec("SET log_statement = 'none'; SET log_min_duration_statement = -1; "
                  "SET log_min_duration_sample = -1; "
                  "SET log_min_error_statement = panic"));
    if (rows.empty()) RETURN_IF_ERROR(conn.Exec("CREATE ROLE " + quoted + " LOGIN"));
    return conn.Exec("ALTER ROLE " + quoted + " WITH LOGIN PASSWORD " +
                     conn.QuoteLiteral(verifier));
  }

  Result<int> ClientConnections(const InstanceSpec& spec) override {
    ASSIGN_OR_RETURN(Connection conn, Superuser(spec));
    ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT count(*) FROM pg_stat_activity "
                                           "WHERE backend_type = 'client backend' "
                                           "AND pid <> pg_backend_pid()"));
    if (rows.empty() || rows[0].empty() || !rows[0][0]) return 0;
    return std::atoi(rows[0][0]->c_str());
  }

  Result<std::string> BackupClone(const InstanceSpec& source, const std::string& label,
                                  const std::string& dst, const std::function<Status()>& clone_all,
                                  const std::function<Status()>& clone_wal) override {
    Stopwatch timer;
    ASSIGN_OR_RETURN(Connection conn, Superuser(source));
    RETURN_IF_ERROR(BackupStart(conn, label));
    spdlog::debug("{}: pg_backup_start (checkpoint) {:.1f} ms", label, timer.LapMs());
    Status cloned = clone_all();
    spdlog::debug("{}: clone {:.1f} ms", label, timer.LapMs());
    // Always end the backup, even when the clone failed.
    auto end = BackupStop(conn);
    RETURN_IF_ERROR(cloned);
    if (!end.ok()) return end.status();
    spdlog::debug("{}: pg_backup_stop {:.1f} ms", label, timer.LapMs());
    // pg_backup_stop switched WAL segments: pg_wal now holds every record up
    // to stop_lsn. Take it again so the copy can reach consistency.
    RETURN_IF_ERROR(clone_wal());
    RETURN_IF_ERROR(os::WriteFileAtomic(dst + "/backup_label", end->backup_label, 0600));
    if (!end->tablespace_map.empty()) {
      RETURN_IF_ERROR(os::WriteFileAtomic(dst + "/tablespace_map", end->tablespace_map, 0600));
    }
    spdlog::debug("{}: pg_wal and backup_label {:.1f} ms", label, timer.LapMs());
    return end->stop_lsn;
  }

  Status ClearRunState(const std::string& pgdata) override { return pg::ClearRunState(pgdata); }

  Status Forget(const InstanceSpec& spec) override {
    RETURN_IF_ERROR(os::RemoveTree(spec.socket_dir));
    return os::RemoveFile(spec.log_path);
  }
};

}  // namespace

std::unique_ptr<InstanceControl> MakePostgresControl() {
  return std::make_unique<PostgresControl>();
}

}  // namespace spur::pg
