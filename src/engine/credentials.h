// Login credentials of a branch: random passwords and connection URIs.
#pragma once

#include <string>

namespace spur::engine {

// `n` random characters from [a-z0-9] (OpenSSL's CSPRNG).
std::string RandomToken(int n);
// A 24-character random password from [A-Za-z0-9].
std::string RandomPassword();

// postgresql://role:password@host:port/database with each part percent-encoded;
// an empty password is left out (postgresql://role@host:port/database).
// With `tls`, the URI asks for it (sslmode=require; verify-full needs the
// pool's CA on the client: `spur tls ca`).
std::string BuildUri(const std::string& role, const std::string& password, const std::string& host,
                     int port, const std::string& database, bool tls = false);

// The URI of a branch through the daemon's Postgres proxy at `proxy_host`:
// `proxy_port`. With `domain`, the branch is the host name's first label
// (`<branch>.<domain>`, routed by SNI, so TLS is required); without, the
// branch travels in options=--branch=<branch>. `tls`: the proxy speaks TLS
// (sslmode=require; verify-full needs the pool's CA, spur tls ca).
std::string BuildProxyUri(const std::string& role, const std::string& password,
                          const std::string& branch, const std::string& database,
                          const std::string& proxy_host, int proxy_port, const std::string& domain,
                          bool tls);

}  // namespace spur::engine
