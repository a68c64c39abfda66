// Pool methods for TLS: the pool's certificate and whether branches use it.
#include "engine/pool.h"
#include "engine/tls.h"
#include "os/fs.h"

namespace spur::engine {

Result<CertInfo> Pool::IssueTlsCertificate(const std::vector<std::string>& extra_names) {
  return IssuePoolCertificate(layout_, DefaultTlsNames(config_, extra_names), run_as_);
}

Result<std::vector<std::string>> Pool::SetBranchTls(bool on) {
  if (on && !os::PathExists(TlsFiles(layout_).server_cert)) {
    return FailedPrecondition("the pool has no certificate yet; run `spur tls init` first");
  }
  PoolConfig changed = config_;
  changed.tls = on;
  RETURN_IF_ERROR(SaveConfig(*store_, changed));
  config_ = changed;
  std::vector<std::string> running;
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (const auto& b : branches) {
    if (control_->IsRunning(layout_.BranchData(b.id))) running.push_back(b.name);
  }
  return running;
}

}  // namespace spur::engine
