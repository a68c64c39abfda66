#include "pg/instance.h"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "os/fs.h"
#include "os/process.h"

namespace spur::pg {
namespace {

constexpr const char* kIncludeLine = "include_if_exists = 'spur.conf'";

// A postgresql.conf string literal that nothing can break out of: quotes
// doubled, backslashes escaped, newline/CR/tab as escapes postgres reads
// back, other control bytes (NUL included) dropped. The settings policy
// already refuses such values; this is the second line of defence.
std::string ConfQuote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out += c;
    }
  }
  return out + "'";
}

// A setting name postgres could read as one: [a-z_][a-z0-9_.]* (no '=',
// spaces, quotes, '#' or newlines).
bool PlainSettingName(const std::string& k) {
  if (k.empty() || k.size() > 63 || (k[0] >= '0' && k[0] <= '9') || k[0] == '.') return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

// The socket directory is 0700 and owned by the user postgres runs as, so
// only that user and root reach the trusting local lines (docs/security.md,
// "Local superuser socket"). TCP always needs a password.
constexpr const char* kHbaOpen =
    "# Written by spur. The socket directory is private to the pool's owner;\n"
    "# TCP always needs a password (SCRAM).\n"
    "local   all           all                 trust\n"
    "local   replication   all                 trust\n"
    "host    all           all   0.0.0.0/0     scram-sha-256\n"
    "host    all           all   ::/0          scram-sha-256\n"
    "host    replication   all   0.0.0.0/0     scram-sha-256\n"
    "host    replication   all   ::/0          scram-sha-256\n";

// Until the branch's own credentials are set: a data directory cloned from a
// parent holds the parent's passwords, so TCP is refused outright.
// As kHbaOpen, for an instance with ssl = on: TCP without TLS is refused,
// so a password never crosses the network in a readable stream. The one
// exception is loopback from 127.0.0.1 or ::1, which never leaves the host:
// spur's Postgres proxy terminates its clients' TLS and connects there in
// plain text, because SCRAM channel binding cannot pass a proxy (libpq's
// default would bind to the proxy's certificate, postgres to its own).
constexpr const char* kHbaOpenTlsOnly =
    "# Written by spur. The socket directory is private to the pool's owner;\n"
    "# TCP needs TLS and a password (SCRAM), except from loopback (spur's proxy).\n"
    "local     all           all                 trust\n"
    "local     replication   all                 trust\n"
    "host      all           all   127.0.0.1/32  scram-sha-256\n"
    "host      all           all   ::1/128       scram-sha-256\n"
    "hostnossl all           all   0.0.0.0/0     reject\n"
    "hostnossl all           all   ::/0          reject\n"
    "hostnossl replication   all   0.0.0.0/0     reject\n"
    "hostnossl replication   all   ::/0          reject\n"
    "hostssl   all           all   0.0.0.0/0     scram-sha-256\n"
    "hostssl   all           all   ::/0          scram-sha-256\n"
    "hostssl   replication   all   0.0.0.0/0     scram-sha-256\n"
    "hostssl   replication   all   ::/0          scram-sha-256\n";

constexpr const char* kHbaClosed =
    "# Written by spur. TCP is refused until this branch's own credentials are\n"
    "# set; spur then rewrites this file and reloads (pg/instance.h, WriteHba).\n"
    "local   all           all                 trust\n"
    "local   replication   all                 trust\n"
    "host    all           all   0.0.0.0/0     reject\n"
    "host    all           all   ::/0          reject\n"
    "host    replication   all   0.0.0.0/0     reject\n"
    "host    replication   all   ::/0          reject\n";

os::RunOptions AsUser(const InstanceSpec& spec) {
  os::RunOptions o;
  o.as_user = spec.run_as;
  o.env["LC_ALL"] = "C.UTF-8";
  return o;
}

Status Chowned(const InstanceSpec& spec, const std::string& path) {
  if (!spec.run_as) return Status::Ok();
  return os::Chown(path, spec.run_as->uid, spec.run_as->gid);
}

// The socket directory is private to one instance. With no live postmaster
// for that instance, any socket or lock file in it is stale (a killed
// postmaster, perhaps still a zombie, which postgres would take for alive).
Status RemoveStaleSockets(const std::string& socket_dir) {
  auto names = os::ListDir(socket_dir);
  if (!names.ok()) return Status::Ok();
  for (const auto& n : *names) {
    if (n.rfind(".s.PGSQL.", 0) == 0) RETURN_IF_ERROR(os::RemoveFile(socket_dir + "/" + n));
  }
  return Status::Ok();
}

// True when postmaster.pid names `pid` and says "ready" (PM_STATUS_READY,
// line 8 of the file, written once the server accepts connections).
bool PostmasterReady(const std::string& pgdata, pid_t pid) {
  auto content = os::ReadFile(pgdata + "/postmaster.pid");
  if (!content.ok()) return false;
  std::istringstream in(*content);
  std::string line;
  for (int i = 1; std::getline(in, line); ++i) {
    if (i == 1 && std::atol(line.c_str()) != pid) return false;
    if (i == 8) return line.rfind("ready", 0) == 0;
  }
  return false;
}

}  // namespace

std::string SpurConf(const InstanceSpec& spec) {
  std::ostringstream c;
  c << "# Written by spur for this branch; spur rewrites it on create, reset and start.\n";
  // The branch's settings first: spur's own lines below come later and win.
  for (const auto& [k, v] : spec.settings) {
    if (PlainSettingName(k)) c << k << " = " << ConfQuote(v) << "\n";
  }
  c << "port = " << spec.port << "\n"
    << "unix_socket_directories = " << ConfQuote(spec.socket_dir) << "\n"
    << "listen_addresses = " << ConfQuote(spec.listen_addresses) << "\n"
    << "hba_file = " << ConfQuote(spec.pgdata + "/pg_hba.conf") << "\n"
    << "ident_file = " << ConfQuote(spec.pgdata + "/pg_ident.conf") << "\n"
    << "logging_collector = off\n"
    << "password_encryption = 'scram-sha-256'\n"
    // Copy-on-write filesystems: zero-filling or recycling WAL segments only
    // unshares blocks (PostgreSQL docs recommend off on CoW filesystems).
    << "wal_init_zero = off\n"
    << "wal_recycle = off\n";
  if (!spec.tls_cert_file.empty() && !spec.tls_key_file.empty()) {
    c << "ssl = on\n"
      << "ssl_cert_file = " << ConfQuote(spec.tls_cert_file) << "\n"
      << "ssl_key_file = " << ConfQuote(spec.tls_key_file) << "\n"
      << "ssl_min_protocol_version = 'TLSv1.2'\n";
  } else {
    c << "ssl = off\n";
  }
  return c.str();
}

Status InitDb(const InstanceSpec& spec) {
  std::vector<std::string> argv = {spec.installation.Binary("initdb"),
                                   "-D",
                                   spec.pgdata,
                                   "-U",
                                   kSuperuser,
                                   "-E",
                                   "UTF8",
                                   "--locale=C.UTF-8",
                                   "--auth-local=trust",
                                   "--auth-host=scram-sha-256"};
  if (spec.initdb_no_sync) argv.push_back("--no-sync");
  auto r = os::RunChecked(argv, AsUser(spec));
  if (!r.ok()) return r.status().WithContext("initdb " + spec.pgdata);
  return Status::Ok();
}

Status WriteConfig(const InstanceSpec& spec) {
  std::string conf_path = spec.pgdata + "/postgresql.conf";
  std::string conf;
  if (auto existing = os::ReadFile(conf_path); existing.ok()) conf = *existing;
  if (conf.find(kIncludeLine) == std::string::npos) {
    if (!conf.empty() && conf.back() != '\n') conf += '\n';
    conf += "\n# spur's per-branch settings (port, socket, memory) come last and win.\n";
    conf += std::string(kIncludeLine) + "\n";
    RETURN_IF_ERROR(os::WriteFileAtomic(conf_path, conf, 0600));
    RETURN_IF_ERROR(Chowned(spec, conf_path));
  }
  std::string spur_conf = spec.pgdata + "/spur.conf";
  RETURN_IF_ERROR(os::WriteFileAtomic(spur_conf, SpurConf(spec), 0600));
  RETURN_IF_ERROR(Chowned(spec, spur_conf));
  RETURN_IF_ERROR(WriteHba(spec, /*tcp_open=*/false));
  std::string ident = spec.pgdata + "/pg_ident.conf";
  if (!os::PathExists(ident)) {
    RETURN_IF_ERROR(os::WriteFileAtomic(ident, "", 0600));
    RETURN_IF_ERROR(Chowned(spec, ident));
  }
  return Status::Ok();
}

Status WriteHba(const InstanceSpec& spec, bool tcp_open) {
  const std::string hba = spec.pgdata + "/pg_hba.conf";
  const bool tls = !spec.tls_cert_file.empty() && !spec.tls_key_file.empty();
  const char* text = !tcp_open ? kHbaClosed : tls ? kHbaOpenTlsOnly : kHbaOpen;
  RETURN_IF_ERROR(os::WriteFileAtomic(hba, text, 0600));
  return Chowned(spec, hba);
}

bool HbaLetsTcpIn(const std::string& pgdata) {
  auto content = os::ReadFile(pgdata + "/pg_hba.conf");
  return content.ok() && (*content == kHbaOpen || *content == kHbaOpenTlsOnly);
}

bool HbaFromAnOlderSpur(const std::string& pgdata) {
  auto content = os::ReadFile(pgdata + "/pg_hba.conf");
  return content.ok() && content->rfind("# Written by spur.", 0) == 0 && *content != kHbaOpen &&
         *content != kHbaOpenTlsOnly && *content != kHbaClosed;
}

Status Start(const InstanceSpec& spec, int timeout_s) {
  if (auto pid = RunningPid(spec.pgdata)) {
    // Started by an earlier command that was killed, it may still be starting
    // up (recovery): wait for it as for our own start.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (std::chrono::steady_clock::now() < until && os::ProcessAlive(*pid)) {
      if (PostmasterReady(spec.pgdata, *pid) && AcceptsConnections(spec.socket_dir, spec.port)) {
        return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (os::ProcessAlive(*pid)) {
      return FailedPrecondition("postgres (pid " + std::to_string(*pid) + ") already runs on " +
                                spec.pgdata + " but does not answer on port " +
                                std::to_string(spec.port) + "; stop it first");
    }
  }
  RETURN_IF_ERROR(ClearRunState(spec.pgdata));
  RETURN_IF_ERROR(RemoveStaleSockets(spec.socket_dir));
  // Private to postgres's user (and root): the local lines of pg_hba trust.
  RETURN_IF_ERROR(os::MakeDirs(spec.socket_dir, 0700));
  RETURN_IF_ERROR(os::Chmod(spec.socket_dir, 0700));
  RETURN_IF_ERROR(Chowned(spec, spec.socket_dir));
  // The log holds statements and their errors (data): owner only.
  if (!os::PathExists(spec.log_path)) RETURN_IF_ERROR(os::AppendFile(spec.log_path, ""));
  RETURN_IF_ERROR(os::Chmod(spec.log_path, 0600));
  RETURN_IF_ERROR(Chowned(spec, spec.log_path));
  auto opts = AsUser(spec);
  ASSIGN_OR_RETURN(pid_t pid,
                   os::SpawnDetached({spec.installation.Binary("postgres"), "-D", spec.pgdata},
                                     spec.log_path, opts));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    // Watch postmaster.pid's status line, as pg_ctl does: probing with a
    // connection would log a FATAL "starting up" line per attempt.
    if (PostmasterReady(spec.pgdata, pid) && AcceptsConnections(spec.socket_dir, spec.port)) {
      return Status::Ok();
    }
    if (!os::ProcessAlive(pid)) {
      return Unavailable("postgres on " + spec.pgdata + " exited during start; log " +
                         spec.log_path + " ends with: " + LogTail(spec.log_path, 3));
    }
    // Reading a small file every millisecond costs little and keeps the
    // time between "ready" and our noticing it under a millisecond.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Unavailable("postgres on " + spec.pgdata + " did not accept connections within " +
                     std::to_string(timeout_s) + "s; see " + spec.log_path);
}

Status Stop(const std::string& pgdata, int timeout_s) {
  auto pid = RunningPid(pgdata);
  if (!pid) return ClearRunState(pgdata);
  ::kill(*pid, SIGINT);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (os::ProcessAlive(*pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(*pid, SIGQUIT);
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status::Ok();
}

std::optional<pid_t> RunningPid(const std::string& pgdata) {
  auto content = os::ReadFile(pgdata + "/postmaster.pid");
  if (!content.ok()) return std::nullopt;
  pid_t pid = static_cast<pid_t>(std::atol(content->c_str()));
  if (!os::ProcessAlive(pid) || os::ProcessExeName(pid) != "postgres") return std::nullopt;
  // The second line of postmaster.pid is the data directory; a reused pid of
  // another cluster's postmaster would name a different one.
  std::istringstream in(*content);
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  if (os::AbsolutePath(line) != os::AbsolutePath(pgdata)) return std::nullopt;
  char cwd[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/cwd";
  ssize_t n = ::readlink(link.c_str(), cwd, sizeof cwd - 1);
  if (n > 0) {
    cwd[n] = '\0';
    if (os::AbsolutePath(cwd) != os::AbsolutePath(pgdata)) return std::nullopt;
  }
  return pid;
}

bool AcceptsConnections(const std::string& socket_dir, int port) {
  std::string conninfo = "host='" + socket_dir + "' port=" + std::to_string(port) +
                         " user=postgres dbname=postgres connect_timeout=2";
  return PQping(conninfo.c_str()) == PQPING_OK;
}

Status ClearRunState(const std::string& pgdata) {
  RETURN_IF_ERROR(os::RemoveFile(pgdata + "/postmaster.pid"));
  RETURN_IF_ERROR(os::RemoveFile(pgdata + "/postmaster.opts"));
  return Status::Ok();
}

bool IsStandby(const std::string& pgdata) { return os::PathExists(pgdata + "/standby.signal"); }

Status DetachFromPrimary(const std::string& pgdata) {
  if (!IsStandby(pgdata)) return Status::Ok();
  RETURN_IF_ERROR(os::RemoveFile(pgdata + "/standby.signal"));
  RETURN_IF_ERROR(os::RemoveFile(pgdata + "/recovery.signal"));
  const std::string auto_conf = pgdata + "/postgresql.auto.conf";
  if (auto text = os::ReadFile(auto_conf); text.ok()) {
    // The primary's connection string (with its password) stays behind.
    std::string kept;
    size_t pos = 0;
    while (pos < text->size()) {
      size_t nl = text->find('\n', pos);
      std::string line =
          text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
      pos = nl == std::string::npos ? text->size() : nl + 1;
      if (line.rfind("primary_conninfo", 0) == 0 || line.rfind("primary_slot_name", 0) == 0)
        continue;
      kept += line;
    }
    RETURN_IF_ERROR(os::WriteFileAtomic(auto_conf, kept, 0600));
  }
  return os::WriteFileAtomic(pgdata + "/" + kDetachedMarker, "", 0600);
}

std::string LogTail(const std::string& log_path, int lines) {
  auto content = os::ReadFile(log_path);
  if (!content.ok()) return "";
  std::string s = *content;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  size_t pos = s.size();
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) {
    pos = s.rfind('\n', pos - 1);
  }
  std::string tail = pos == std::string::npos ? s : s.substr(pos + 1);
  for (auto& c : tail) {
    if (c == '\n') c = ' ';
  }
  return tail;
}

}  // namespace spur::pg
