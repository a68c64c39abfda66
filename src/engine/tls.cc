#include "engine/tls.h"

#include <algorithm>

#include "os/fs.h"

namespace spur::engine {
namespace {

constexpr int kCaDays = 3650;
constexpr int kServerDays = 825;  // what browsers and most clients still accept

void AddName(std::vector<std::string>& names, const std::string& n) {
  if (n.empty() || n == "*" || n == "0.0.0.0" || n == "::") return;
  if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
}

}  // namespace

TlsPaths TlsFiles(const Layout& layout) {
  const std::string dir = layout.root + "/tls";
  return {dir, dir + "/ca.crt", dir + "/ca.key", dir + "/server.crt", dir + "/server.key"};
}

std::vector<std::string> DefaultTlsNames(const PoolConfig& config,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> names;
  std::string host = config.advertise_host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  AddName(names, host);
  for (const std::string& a : ListenAddresses(config)) AddName(names, a);
  for (const char* local : {"localhost", "127.0.0.1", "::1"}) AddName(names, local);
  for (const std::string& n : extra) AddName(names, n);
  return names;
}

Result<CertInfo> IssuePoolCertificate(const Layout& layout, const std::vector<std::string>& names,
                                      const std::optional<os::OsUser>& run_as) {
  const TlsPaths p = TlsFiles(layout);
  RETURN_IF_ERROR(os::MakeDirs(p.dir, 0755));
  PemPair ca;
  if (os::PathExists(p.ca_cert) && os::PathExists(p.ca_key)) {
    ASSIGN_OR_RETURN(ca.cert, os::ReadFile(p.ca_cert));
    ASSIGN_OR_RETURN(ca.key, os::ReadFile(p.ca_key));
  } else {
    ASSIGN_OR_RETURN(ca, MakeCa("spur pool CA (" + layout.root + ")", kCaDays));
  }
  // Everything is made before anything is written: a bad name changes nothing.
  ASSIGN_OR_RETURN(PemPair server, IssueServerCert(ca, names, kServerDays));
  ASSIGN_OR_RETURN(CertInfo info, ReadCert(server.cert));
  if (!os::PathExists(p.ca_key)) {
    RETURN_IF_ERROR(os::WriteFileAtomic(p.ca_key, ca.key, 0600));
    RETURN_IF_ERROR(os::WriteFileAtomic(p.ca_cert, ca.cert, 0644));
  }
  // Both written beside their places, then renamed: a crash between the two
  // renames leaves a key and certificate that do not match (postgres says
  // so at start); `spur tls init` again replaces both.
  const std::string key_tmp = p.server_key + ".new", cert_tmp = p.server_cert + ".new";
  RETURN_IF_ERROR(os::WriteFileAtomic(key_tmp, server.key, 0600));
  if (run_as) RETURN_IF_ERROR(os::Chown(key_tmp, run_as->uid, run_as->gid));
  RETURN_IF_ERROR(os::WriteFileAtomic(cert_tmp, server.cert, 0644));
  RETURN_IF_ERROR(os::Rename(key_tmp, p.server_key));
  RETURN_IF_ERROR(os::Rename(cert_tmp, p.server_cert));
  return info;
}

Result<std::optional<CertInfo>> PoolCertificate(const Layout& layout) {
  const TlsPaths p = TlsFiles(layout);
  if (!os::PathExists(p.server_cert)) return std::optional<CertInfo>();
  ASSIGN_OR_RETURN(std::string pem, os::ReadFile(p.server_cert));
  ASSIGN_OR_RETURN(CertInfo info, ReadCert(pem));
  return std::optional<CertInfo>(std::move(info));
}

}  // namespace spur::engine
