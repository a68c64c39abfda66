// The pool's own TLS material, in <pool>/tls: a CA made once (its key never
// leaves the pool, mode 0600) and the server certificate it issues for
// `spur serve` and every branch's postgres. Clients trust the CA (`spur tls
// ca`) and verify names with sslmode=verify-full or https.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/x509.h"
#include "engine/layout.h"
#include "engine/pool_config.h"
#include "os/user.h"

namespace spur::engine {

struct TlsPaths {
  std::string dir, ca_cert, ca_key, server_cert, server_key;
};
TlsPaths TlsFiles(const Layout& layout);

// The names a pool's server certificate holds by default: advertise_host,
// the addresses postgres listens on (unless a wildcard), localhost,
// 127.0.0.1 and ::1; then `extra`, without repeats.
std::vector<std::string> DefaultTlsNames(const PoolConfig& config,
                                         const std::vector<std::string>& extra);

// Makes the CA when there is none, then (re)issues the server certificate
// for `names` (valid 825 days), written beside it atomically: the key owned
// by `run_as` (postgres reads it; spur runs as root) with mode 0600, the
// certificates 0644. Returns what the new certificate holds. On failure
// (a bad name: InvalidArgument) the files on disk are as they were.
[[nodiscard]] Result<CertInfo> IssuePoolCertificate(const Layout& layout,
                                                    const std::vector<std::string>& names,
                                                    const std::optional<os::OsUser>& run_as);

// The pool's server certificate, nullopt when none was issued yet.
[[nodiscard]] Result<std::optional<CertInfo>> PoolCertificate(const Layout& layout);

}  // namespace spur::engine
