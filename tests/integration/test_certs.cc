#include "test_certs.h"

#include "os/fs.h"
#include "os/process.h"

namespace spur::testing {
namespace {

bool Openssl(const std::vector<std::string>& args, std::string* error) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = os::Run(argv);
  if (r.ok() && r->exit_code == 0) return true;
  *error = "openssl " + args[0] + " failed: " + (r.ok() ? r->err : r.status().message());
  return false;
}

}  // namespace

TestCerts MakeTestCerts(const std::string& dir, const std::vector<std::string>& names) {
  TestCerts c;
  c.ca_cert = dir + "/ca.crt";
  c.server_cert = dir + "/server.crt";
  c.server_key = dir + "/server.key";
  c.other_ca_cert = dir + "/other-ca.crt";
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                       "-nodes"};
  std::string san = "subjectAltName=";
  for (size_t i = 0; i < names.size(); ++i) san += (i ? "," : "") + names[i];
  if (!os::WriteFileAtomic(dir + "/ext.cnf", san + "\n").ok()) {
    c.error = "cannot write ext.cnf";
    return c;
  }
  auto req = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"req"};
    a.insert(a.end(), ec.begin(), ec.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  if (!Openssl(req({"-x509", "-keyout", dir + "/ca.key", "-out", c.ca_cert, "-days", "2", "-subj",
                    "/CN=spur test CA"}),
               &c.error) ||
      !Openssl(req({"-x509", "-keyout", dir + "/other-ca.key", "-out", c.other_ca_cert, "-days",
                    "2", "-subj", "/CN=unrelated CA"}),
               &c.error) ||
      !Openssl(req({"-keyout", c.server_key, "-out", dir + "/server.csr", "-subj",
                    "/CN=spur test server"}),
               &c.error) ||
      !Openssl(
          {"x509", "-req", "-in", dir + "/server.csr", "-CA", c.ca_cert, "-CAkey", dir + "/ca.key",
           "-CAcreateserial", "-out", c.server_cert, "-days", "2", "-extfile", dir + "/ext.cnf"},
          &c.error)) {
    return c;
  }
  return c;
}

}  // namespace spur::testing
