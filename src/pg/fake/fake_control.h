// FakeControl: an in-memory InstanceControl for unit tests. No processes, no
// sockets: "running" is a set of data directory paths, passwords are a map,
// backups just call the clone callbacks. Each operation can be armed to fail
// once (FailNext) so tests can check that callers leave nothing behind.
//
// Not thread-safe (the engine is single-threaded per pool).
#pragma once

#include <map>
#include <set>
#include <string>

#include "pg/control.h"

namespace spur::pg {

class FakeControl final : public InstanceControl {
 public:
  enum class Op {
    kInitDb,
    kPrepare,
    kStart,
    kStop,
    kSetPassword,
    kBackup,
    kOpenTcp,
    kGrantDetached,
    kRestoreRole
  };

  Status InitDb(const InstanceSpec& spec) override;
  Status PrepareDataDirectory(const InstanceSpec& spec) override;
  Status Start(const InstanceSpec& spec) override;
  Status Stop(const std::string& pgdata) override;
  // Start closes TCP; OpenTcp (running instances only) opens it.
  Status OpenTcp(const InstanceSpec& spec) override;
  bool TcpOpen(const std::string& pgdata) override { return tcp_open_.count(pgdata) != 0; }
  bool IsStandby(const std::string& pgdata) override { return standbys_.count(pgdata) != 0; }
  // Standbys, and what MarkPrepared marked.
  bool MayHoldInflight(const std::string& pgdata) override {
    return standbys_.count(pgdata) != 0 || prepared_.count(pgdata) != 0;
  }
  // A window that closes with the range set by SetInflightRange ("" by
  // default), or "?" when the instance is not running.
  std::unique_ptr<InflightWindow> OpenInflightWindow(const InstanceSpec& spec) override;
  // Grants (running instances only) when MarkDetached marked `spec.pgdata`.
  Status GrantDetachedData(const InstanceSpec& spec, const std::string& role) override;
  Status BeginRestore(const InstanceSpec& spec, const std::string& role,
                      const std::string& database) override;
  Status EndRestore(const InstanceSpec& spec, const std::string& role) override;
  // Running instances get made-up pids (1000 + their port).
  std::optional<int> RunningPid(const std::string& pgdata) override {
    if (running_.count(pgdata) == 0) return std::nullopt;
    return 1000 + PortOf(pgdata);
  }
  bool PortFree(int port) override { return foreign_ports_.count(port) == 0 && !PortUsed(port); }
  Status SetLoginPassword(const InstanceSpec& spec, const std::string& role,
                          const std::string& password) override;
  Result<std::string> BackupClone(const InstanceSpec& source, const std::string& label,
                                  const std::string& dst, const std::function<Status()>& clone_all,
                                  const std::function<Status()>& clone_wal) override;
  Status ClearRunState(const std::string&) override { return Status::Ok(); }
  Result<int> ClientConnections(const InstanceSpec& spec) override {
    if (!running_.count(spec.pgdata)) return Unavailable(spec.pgdata + " is not running");
    auto it = connections_.find(spec.pgdata);
    return it == connections_.end() ? 0 : it->second;
  }
  Status Forget(const InstanceSpec& spec) override;

  // Test controls and observations.
  void FailNext(Op op) { ++armed_[op]; }
  // Like kill -9: the instance is gone and its port free.
  void Crash(const std::string& pgdata) {
    running_.erase(pgdata);
    tcp_open_.erase(pgdata);
    ports_.erase(pgdata);
  }
  // Makes IsStandby(pgdata) true.
  void MarkStandby(const std::string& pgdata) { standbys_.insert(pgdata); }
  void OccupyPort(int port) { foreign_ports_.insert(port); }
  // Makes MayHoldInflight(pgdata) true, as prepared transactions would.
  void MarkPrepared(const std::string& pgdata) { prepared_.insert(pgdata); }
  // What the next InflightWindow on a running instance closes with.
  void SetInflightRange(std::string range) { inflight_range_ = std::move(range); }
  // Data copied from a standby, waiting for GrantDetachedData.
  void MarkDetached(const std::string& pgdata) { detached_.insert(pgdata); }
  bool Detached(const std::string& pgdata) const { return detached_.count(pgdata) != 0; }
  // "role@pgdata" for every GrantDetachedData that granted.
  const std::set<std::string>& detached_grants() const { return detached_grants_; }
  // Roles between BeginRestore and EndRestore, as "role@pgdata".
  const std::set<std::string>& restoring() const { return restoring_; }
  // Client connections ClientConnections() reports for `pgdata`.
  void SetConnections(const std::string& pgdata, int n) { connections_[pgdata] = n; }
  // Password of `role` set on the instance at `pgdata` ("" if never set).
  std::string Password(const std::string& pgdata, const std::string& role) const;
  int PortOf(const std::string& pgdata) const;
  int backups() const { return backups_; }
  const std::set<std::string>& forgotten() const { return forgotten_; }

 private:
  Status Take(Op op, const std::string& what);
  bool PortUsed(int port) const;

  std::map<Op, int> armed_;
  std::set<std::string> running_;
  std::set<std::string> tcp_open_;
  std::set<std::string> standbys_;
  std::set<std::string> prepared_;
  std::set<std::string> detached_;
  std::set<std::string> detached_grants_;
  std::set<std::string> restoring_;
  std::string inflight_range_;
  std::map<std::string, int> ports_;  // pgdata -> port while running
  std::set<int> foreign_ports_;
  std::map<std::string, std::string> passwords_;  // pgdata + "|" + role
  std::set<std::string> forgotten_;               // socket dirs
  std::map<std::string, int> connections_;
  int backups_ = 0;
};

}  // namespace spur::pg
