#include "source_cluster.h"

#include <unistd.h>

#include "harness.h"
#include "os/fs.h"
#include "os/net.h"
#include "os/user.h"
#include "pg/conn.h"
#include "pg/installation.h"

namespace spur::testing {
namespace {

// Pools allocate from 5500 up; source clusters stay in their own range.
constexpr int kFirstPort = 6400;
constexpr int kPortCount = 200;
constexpr int kStartAttempts = 4;

// A postgres listening only on a unix socket is invisible to a TCP probe, so
// the socket paths a server could use for `port` must be free too.
bool SocketFree(const std::string& socket_dir, int port) {
  const std::string name = "/.s.PGSQL." + std::to_string(port);
  for (const std::string& dir :
       {socket_dir, std::string("/var/run/postgresql"), std::string("/tmp")}) {
    if (os::PathExists(dir + name) || os::PathExists(dir + name + ".lock")) return false;
  }
  return true;
}

// The first free port at or after `start` (wrapping inside the range), or 0.
int FreePort(const std::string& socket_dir, int start) {
  for (int i = 0; i < kPortCount; ++i) {
    int port = kFirstPort + (start - kFirstPort + i) % kPortCount;
    if (os::TcpPortFree(port) && SocketFree(socket_dir, port)) return port;
  }
  return 0;
}

}  // namespace

SourceCluster::SourceCluster(const std::string& dir) { ok_ = Init(dir); }

SourceCluster::~SourceCluster() {
  if (!spec_.pgdata.empty()) pg::Stop(spec_.pgdata).IgnoreError();
}

bool SourceCluster::Init(const std::string& dir) {
  auto inst = pg::FindInstallation("");
  if (!inst.ok()) return false;
  spec_.installation = *inst;
  spec_.pgdata = dir + "/source";
  spec_.socket_dir = dir + "/source-run";
  spec_.log_path = dir + "/source.log";
  if (IsRoot()) {
    auto user = os::LookupUser("postgres");
    if (user.ok()) spec_.run_as = *user;
  }
  if (!os::MakeDirs(spec_.pgdata, 0700).ok()) return false;
  if (spec_.run_as) os::Chown(spec_.pgdata, spec_.run_as->uid, spec_.run_as->gid).IgnoreError();
  if (!pg::InitDb(spec_).ok()) return false;
  // Concurrent test processes may pick the same port between our probe and
  // the bind: start from a per-process offset and move on when start fails.
  int next = kFirstPort + static_cast<int>(::getpid() % kPortCount);
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    spec_.port = FreePort(spec_.socket_dir, next);
    if (spec_.port == 0) return false;
    // A stand-in for a remote server: TCP open (SCRAM) from the start, unlike
    // a branch, which opens it only once its own password is set.
    if (pg::WriteConfig(spec_).ok() && pg::WriteHba(spec_, true).ok() && pg::Start(spec_).ok()) {
      return true;
    }
    pg::Stop(spec_.pgdata).IgnoreError();
    next = spec_.port + 1;
  }
  return false;
}

std::string SourceCluster::Url(const std::string& db) const {
  return pg::SocketConninfo(spec_.socket_dir, spec_.port, pg::kSuperuser, db);
}

Status SourceCluster::CreateDatabase(const std::string& name) const {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(Url()));
  return conn.Exec("CREATE DATABASE " + conn.QuoteIdentifier(name))
      .WithContext("creating database " + name + " on the source cluster");
}

}  // namespace spur::testing
