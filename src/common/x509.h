// A small certificate authority for a pool (OpenSSL): a self-signed CA and
// server certificates it signs, all on P-256 keys, as PEM text. Used so that
// `spur serve` and every branch can speak TLS that clients verify
// (sslmode=verify-full) without an outside PKI. Pure: no files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace spur {

struct PemPair {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key (PKCS#8, unencrypted)
};

// A CA certificate valid for `days` from now, named `common_name`, that may
// sign server certificates only (pathlen 0). Internal on an OpenSSL failure.
[[nodiscard]] Result<PemPair> MakeCa(const std::string& common_name, int days);

// A server certificate signed by `ca`, valid for `days`, whose
// subjectAltName holds `names`: host names ("db.example.com",
// "*.db.example.com") and IP addresses ("127.0.0.1", "::1"), each checked
// here. InvalidArgument for an empty list or a name that is neither a valid
// host name nor an IP address; Internal when `ca` does not parse.
[[nodiscard]] Result<PemPair> IssueServerCert(const PemPair& ca,
                                              const std::vector<std::string>& names, int days);

// The subjectAltName entries of PEM certificate `cert` ("DNS:x", "IP:1.2.3.4")
// and its notAfter as unix seconds. InvalidArgument when it does not parse.
struct CertInfo {
  std::vector<std::string> names;
  int64_t not_after = 0;
  std::string sha256;  // fingerprint, lower-case hex of the DER
};
[[nodiscard]] Result<CertInfo> ReadCert(const std::string& cert);

}  // namespace spur
