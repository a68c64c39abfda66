// A throw-away CA and a server certificate it signed, made with the openssl
// command line for tests of TLS (real keys and signatures, P-256).
#pragma once

#include <string>
#include <vector>

namespace spur::testing {

struct TestCerts {
  std::string ca_cert;      // PEM files in the directory given to MakeTestCerts
  std::string server_cert;  // signed by the CA, naming `names`
  std::string server_key;
  std::string other_ca_cert;  // an unrelated CA (its key thrown away)
  std::string error;          // set when making them failed
};

// `names`: subjectAltName entries such as "DNS:localhost", "IP:127.0.0.1".
TestCerts MakeTestCerts(const std::string& dir, const std::vector<std::string>& names);

}  // namespace spur::testing
