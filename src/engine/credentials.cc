#include "engine/credentials.h"

#include <openssl/rand.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace spur::engine {
namespace {

std::string RandomFrom(const std::string& alphabet, int n) {
  std::string out;
  unsigned char buf[64];
  while (static_cast<int>(out.size()) < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) std::abort();  // no entropy: nothing safe to do
    for (unsigned char b : buf) {
      // Rejection sampling keeps the distribution uniform.
      if (b >= 256 - 256 % alphabet.size()) continue;
      out += alphabet[b % alphabet.size()];
      if (static_cast<int>(out.size()) == n) break;
    }
  }
  return out;
}

std::string Encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

std::string RandomToken(int n) { return RandomFrom("abcdefghijklmnopqrstuvwxyz0123456789", n); }

std::string RandomPassword() {
  return RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);
}

std::string BuildUri(const std::string& role, const std::string& password, const std::string& host,
                     int port, const std::string& database, bool tls) {
  bool bare_ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  std::string h = bare_ipv6 ? "[" + host + "]" : host;
  std::string auth = password.empty() ? Encode(role) : Encode(role) + ":" + Encode(password);
  return "postgresql://" + auth + "@" + h + ":" + std::to_string(port) + "/" + Encode(database) +
         (tls ? "?sslmode=require" : "");
}

std::string BuildProxyUri(const std::string& role, const std::string& password,
                          const std::string& branch, const std::string& database,
                          const std::string& proxy_host, int proxy_port, const std::string& domain,
                          bool tls) {
  if (!domain.empty()) {
    return BuildUri(role, password, branch + "." + domain, proxy_port, database, /*tls=*/true);
  }
  const std::string uri = BuildUri(role, password, proxy_host, proxy_port, database, tls);
  // "--branch=NAME" with '=' percent-encoded; names need no other escaping.
  return uri + (tls ? "&" : "?") + "options=--branch%3D" + Encode(branch);
}

}  // namespace spur::engine
