// InstanceControl: everything the engine asks of postgres instances, behind
// one interface so engine logic can be unit-tested with a fake
// (pg/fake/fake_control.h) and run for real with PostgresControl.
//
// Implementations are used by one thread at a time (the pool lock holder).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "pg/instance.h"

namespace spur::pg {

// Brackets a copy of a running instance on one superuser connection: opening
// it reads the oldest transaction running, Close (after the copy) the next
// transaction id. See InstanceControl::OpenInflightWindow.
class InflightWindow {
 public:
  virtual ~InflightWindow() = default;
  // Every transaction that may have been in flight while the copy was made,
  // as pg::FormatXidRange writes it, or "?" when either end could not be read.
  virtual std::string Close() = 0;
};

class InstanceControl {
 public:
  virtual ~InstanceControl() = default;

  // initdb into the empty spec.pgdata.
  virtual Status InitDb(const InstanceSpec& spec) = 0;

  // Makes a freshly cloned data directory ready for its new identity:
  // removes run-state files (postmaster.pid), detaches a standby's copy from
  // its primary (pg::DetachFromPrimary) and gives it to spec.run_as.
  virtual Status PrepareDataDirectory(const InstanceSpec& spec) = 0;

  // Writes spur's config for `spec` and starts postgres; OK once it accepts
  // connections on its socket (or when it already runs and answers). TCP
  // clients are refused until OpenTcp.
  virtual Status Start(const InstanceSpec& spec) = 0;

  // Lets TCP clients in with a password (pg::WriteHba(spec, true) and a
  // reload); OK once new connections see the new rules. Call it only once the
  // instance holds the branch's own credentials. Unavailable when it is not
  // running or does not reload within 10 s (TCP then stays refused).
  virtual Status OpenTcp(const InstanceSpec& spec) = 0;

  // True when the instance on `pgdata` lets TCP clients in (OpenTcp ran
  // since the last Start); reconcile finishes the credentials otherwise.
  virtual bool TcpOpen(const std::string& pgdata) = 0;

  // True when `pgdata` is a streaming standby (it keeps its primary's roles).
  virtual bool IsStandby(const std::string& pgdata) = 0;

  // For a stopped instance: true when its data may still hold transactions
  // that were in flight (a standby's or recovering copy, whose upstream may
  // commit them later, or prepared transactions, which survive a shutdown).
  virtual bool MayHoldInflight(const std::string& pgdata) = 0;

  // Starts an InflightWindow on the running instance. Never fails: a window
  // that could not connect closes with "?".
  virtual std::unique_ptr<InflightWindow> OpenInflightWindow(const InstanceSpec& spec) = 0;

  // Data copied from a standby (marked by pg::kDetachedMarker in
  // spec.pgdata) belongs to the primary's roles: gives `role` read and write
  // on all of it and CREATEDB, then removes the marker. OK and nothing done
  // without a marker. On failure the marker stays, so the next start retries.
  virtual Status GrantDetachedData(const InstanceSpec& spec, const std::string& role) = 0;

  // Around a restore into a fresh cluster (sync): BeginRestore makes `role`
  // SUPERUSER CREATEDB, so every object restored is created by and owned by
  // it, and creates `database` owned by it unless it is "postgres";
  // EndRestore takes SUPERUSER away again. Both need the instance running.
  virtual Status BeginRestore(const InstanceSpec& spec, const std::string& role,
                              const std::string& database) = 0;
  virtual Status EndRestore(const InstanceSpec& spec, const std::string& role) = 0;

  // Stops the instance on `pgdata`; OK when it was not running.
  virtual Status Stop(const std::string& pgdata) = 0;
  // Stops an instance whose data is about to be destroyed: no shutdown
  // checkpoint (immediate shutdown). OK when it was not running.
  virtual Status StopDiscarding(const std::string& pgdata) { return Stop(pgdata); }

  // Pid of the live postmaster of this data directory, if one runs.
  virtual std::optional<int> RunningPid(const std::string& pgdata) = 0;
  bool IsRunning(const std::string& pgdata) { return RunningPid(pgdata).has_value(); }

  // True when nothing listens on TCP `port`.
  virtual bool PortFree(int port) = 0;

  // Creates `role` (LOGIN) if missing and sets its password, through the
  // superuser socket of the running instance.
  virtual Status SetLoginPassword(const InstanceSpec& spec, const std::string& role,
                                  const std::string& password) = 0;

  // Client connections open on the running instance, not counting spur's
  // own (for idle detection).
  virtual Result<int> ClientConnections(const InstanceSpec& spec) = 0;

  // Makes a transactionally consistent per-file copy of the running
  // instance `source` into `dst`: backup start, `clone_all()`, backup stop,
  // `clone_wal()`, then backup_label (and tablespace_map) written into dst.
  // Returns the backup's stop LSN.
  virtual Result<std::string> BackupClone(const InstanceSpec& source, const std::string& label,
                                          const std::string& dst,
                                          const std::function<Status()>& clone_all,
                                          const std::function<Status()>& clone_wal) = 0;

  // Removes run-state files from a copied data directory (snapshots).
  virtual Status ClearRunState(const std::string& pgdata) = 0;

  // Removes what an instance leaves outside its data directory (socket
  // directory, log) once its branch is gone.
  virtual Status Forget(const InstanceSpec& spec) = 0;
};

// The real thing: postgres processes, libpq, files on disk.
std::unique_ptr<InstanceControl> MakePostgresControl();

}  // namespace spur::pg
