#include "pg/fake/fake_control.h"

#include <memory>
#include <utility>

namespace spur::pg {

Status FakeControl::Take(Op op, const std::string& what) {
  auto it = armed_.find(op);
  if (it == armed_.end() || it->second == 0) return Status::Ok();
  --it->second;
  return Internal("injected failure: " + what);
}

bool FakeControl::PortUsed(int port) const {
  for (const auto& [pgdata, p] : ports_) {
    if (p == port) return true;
  }
  return false;
}

Status FakeControl::InitDb(const InstanceSpec& spec) { return Take(Op::kInitDb, spec.pgdata); }

Status FakeControl::PrepareDataDirectory(const InstanceSpec& spec) {
  return Take(Op::kPrepare, spec.pgdata);
}

Status FakeControl::Start(const InstanceSpec& spec) {
  RETURN_IF_ERROR(Take(Op::kStart, spec.pgdata));
  if (running_.count(spec.pgdata) == 0 && !PortFree(spec.port)) {
    return Unavailable("port " + std::to_string(spec.port) + " in use");
  }
  running_.insert(spec.pgdata);
  ports_[spec.pgdata] = spec.port;
  tcp_open_.erase(spec.pgdata);
  return Status::Ok();
}

Status FakeControl::OpenTcp(const InstanceSpec& spec) {
  RETURN_IF_ERROR(Take(Op::kOpenTcp, spec.pgdata));
  if (!IsRunning(spec.pgdata)) return Unavailable("not running: " + spec.pgdata);
  tcp_open_.insert(spec.pgdata);
  return Status::Ok();
}

Status FakeControl::Stop(const std::string& pgdata) {
  RETURN_IF_ERROR(Take(Op::kStop, pgdata));
  running_.erase(pgdata);
  tcp_open_.erase(pgdata);
  ports_.erase(pgdata);
  return Status::Ok();
}

Status FakeControl::SetLoginPassword(const InstanceSpec& spec, const std::string& role,
                                     const std::string& password) {
  RETURN_IF_ERROR(Take(Op::kSetPassword, spec.pgdata));
  if (!IsRunning(spec.pgdata)) return Unavailable("not running: " + spec.pgdata);
  passwords_[spec.pgdata + "|" + role] = password;
  return Status::Ok();
}

Result<std::string> FakeControl::BackupClone(const InstanceSpec& source, const std::string&,
                                             const std::string&,
                                             const std::function<Status()>& clone_all,
                                             const std::function<Status()>& clone_wal) {
  RETURN_IF_ERROR(Take(Op::kBackup, source.pgdata));
  if (!IsRunning(source.pgdata)) return Unavailable("not running: " + source.pgdata);
  RETURN_IF_ERROR(clone_all());
  RETURN_IF_ERROR(clone_wal());
  ++backups_;
  return std::string("0/" + std::to_string(backups_) + "000000");
}

namespace {

class FixedWindow final : public InflightWindow {
 public:
  explicit FixedWindow(std::string range) : range_(std::move(range)) {}
  std::string Close() override { return range_; }

 private:
  std::string range_;
};

}  // namespace

std::unique_ptr<InflightWindow> FakeControl::OpenInflightWindow(const InstanceSpec& spec) {
  return std::make_unique<FixedWindow>(IsRunning(spec.pgdata) ? inflight_range_ : "?");
}

Status FakeControl::GrantDetachedData(const InstanceSpec& spec, const std::string& role) {
  if (detached_.count(spec.pgdata) == 0) return Status::Ok();
  RETURN_IF_ERROR(Take(Op::kGrantDetached, spec.pgdata));
  if (!IsRunning(spec.pgdata)) return Unavailable("not running: " + spec.pgdata);
  detached_grants_.insert(role + "@" + spec.pgdata);
  detached_.erase(spec.pgdata);
  return Status::Ok();
}

Status FakeControl::BeginRestore(const InstanceSpec& spec, const std::string& role,
                                 const std::string&) {
  RETURN_IF_ERROR(Take(Op::kRestoreRole, spec.pgdata));
  if (!IsRunning(spec.pgdata)) return Unavailable("not running: " + spec.pgdata);
  restoring_.insert(role + "@" + spec.pgdata);
  return Status::Ok();
}

Status FakeControl::EndRestore(const InstanceSpec& spec, const std::string& role) {
  RETURN_IF_ERROR(Take(Op::kRestoreRole, spec.pgdata));
  if (!IsRunning(spec.pgdata)) return Unavailable("not running: " + spec.pgdata);
  restoring_.erase(role + "@" + spec.pgdata);
  return Status::Ok();
}

Status FakeControl::Forget(const InstanceSpec& spec) {
  forgotten_.insert(spec.socket_dir);
  return Status::Ok();
}

std::string FakeControl::Password(const std::string& pgdata, const std::string& role) const {
  auto it = passwords_.find(pgdata + "|" + role);
  return it == passwords_.end() ? "" : it->second;
}

int FakeControl::PortOf(const std::string& pgdata) const {
  auto it = ports_.find(pgdata);
  return it == ports_.end() ? 0 : it->second;
}

}  // namespace spur::pg
