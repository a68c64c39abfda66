// Control of one postgres instance (a data directory and its postmaster):
// initdb, configuration files spur owns, start, stop, liveness.
//
// spur's settings live in `spur.conf` inside the data directory, included at
// the end of postgresql.conf, so a plain `pg_ctl start` by hand behaves the
// same as `spur branch start`.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "os/user.h"
#include "pg/installation.h"

namespace spur::pg {

// The bootstrap superuser spur creates and connects as, over the socket only.
inline constexpr const char* kSuperuser = "postgres";

struct InstanceSpec {
  Installation installation;
  std::string pgdata;
  std::string socket_dir;  // must be short enough for sun_path
  std::string log_path;
  int port = 0;
  std::string listen_addresses = "127.0.0.1";
  std::map<std::string, std::string> settings;  // extra GUCs (memory, etc.)
  // Both set: ssl = on with these PEM files (TLS 1.2 or later), and TCP
  // without TLS is refused (pg_hba hostnossl reject).
  std::string tls_cert_file, tls_key_file;
  std::optional<os::OsUser> run_as;  // set when spur runs as root
  // initdb without fsyncs: for clusters made durable later in one go (a
  // sync's staging cluster is flushed with syncfs before it is swapped in).
  bool initdb_no_sync = false;
};

// Runs initdb into the empty `spec.pgdata` with the spur superuser, trust on
// the socket and SCRAM on TCP.
Status InitDb(const InstanceSpec& spec);

// The text of spur.conf for `spec`: its settings (names that are not plain
// identifiers skipped, values quoted so nothing can break out of a line),
// then spur's own port, socket, listen and file lines, which come last and so
// win over any setting of the same name.
std::string SpurConf(const InstanceSpec& spec);

// Writes spur.conf (port, socket, listen, settings) and a pg_hba.conf that
// refuses TCP (WriteHba(spec, false)), and makes postgresql.conf include
// spur.conf (creating a minimal one if missing).
Status WriteConfig(const InstanceSpec& spec);

// Writes pg_hba.conf: trust on the socket (its directory is 0700, postgres's
// user), and on TCP either SCRAM (`tcp_open`) or reject. A started instance
// refuses TCP until its owner has set the branch's credentials and opened it
// (InstanceControl::OpenTcp), so a copy never answers on its parent's password.
Status WriteHba(const InstanceSpec& spec, bool tcp_open);

// True when pg_hba.conf of `pgdata` is the one WriteHba(spec, true) writes.
bool HbaLetsTcpIn(const std::string& pgdata);
// True when pg_hba.conf of `pgdata` was written by spur but is none of the
// texts this version writes (an older spur's): rewriting it is an upgrade,
// not the repair of an interrupted start. False when it cannot be read.
bool HbaFromAnOlderSpur(const std::string& pgdata);

// Starts postgres detached (socket directory 0700, log 0600) and waits until it accepts connections
// (up to `timeout_s`). On failure, the error carries the last lines of the log.
Status Start(const InstanceSpec& spec, int timeout_s = 120);

// Fast shutdown (SIGINT), escalating to immediate after `timeout_s`. OK when
// it was not running.
Status Stop(const std::string& pgdata, int timeout_s = 60);

// Pid of the live postmaster of `pgdata`, from postmaster.pid, checked against
// /proc (a stale file or a pid reused by another program gives nullopt).
std::optional<pid_t> RunningPid(const std::string& pgdata);

// True when the server on socket_dir:port answers (PQping).
bool AcceptsConnections(const std::string& socket_dir, int port);

// Removes files that identify a running instance from a cloned data
// directory: postmaster.pid, postmaster.opts.
Status ClearRunState(const std::string& pgdata);

// True when `pgdata` is a streaming standby (standby.signal present).
bool IsStandby(const std::string& pgdata);

// Makes a copy of a standby's data directory start as a primary of its own:
// drops the signal files and the primary's connection settings, and leaves
// kDetachedMarker so the first start can grant the branch's role access to
// data it did not create. OK (and nothing done) when it is no standby.
inline constexpr const char* kDetachedMarker = "spur.detached";
Status DetachFromPrimary(const std::string& pgdata);

// The last `lines` lines of a log file ("" if unreadable).
std::string LogTail(const std::string& log_path, int lines);

}  // namespace spur::pg
