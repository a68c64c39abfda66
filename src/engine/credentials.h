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

}  // namespace spur::engine
