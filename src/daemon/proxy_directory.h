// The proxy's Directory over the daemon's pool: a branch's address from the
// catalog, and a wake (a suspended branch, by idleness or a schedule,
// started on connect) through the API's connection route as actor "proxy",
// exactly as `spur uri` wakes it, audited as branch.wake. Answers for
// running branches are cached for a moment, so that a burst of connections
// does not queue on the pool's lock behind a long operation; a connect that
// fails invalidates the answer.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "api/pool_access.h"
#include "api/service.h"
#include "proxy/directory.h"
#include "proxy/wake.h"

namespace spur::daemon {

class PoolDirectory : public proxy::Directory {
 public:
  PoolDirectory(api::PoolAccess& pool, api::Service& service) : pool_(pool), service_(service) {}

  [[nodiscard]] Result<proxy::Resolved> Resolve(const std::string& name,
                                                std::chrono::milliseconds wake_timeout) override;
  void Invalidate(const std::string& name) override;

  // How long a running branch's address is reused without asking the pool.
  static constexpr std::chrono::milliseconds kCacheFor{2000};

 private:
  enum class Found { kRunning, kSuspended };
  // The branch's address if it runs, or kSuspended if a connect may wake it;
  // NotFound / FailedPrecondition / Unavailable as Directory::Resolve.
  Result<Found> Lookup(const std::string& name, proxy::Backend* backend);
  Status Wake(const std::string& name);

  api::PoolAccess& pool_;
  api::Service& service_;
  proxy::Waker waker_;
  std::mutex mu_;
  std::map<std::string, std::pair<proxy::Backend, std::chrono::steady_clock::time_point>> cache_;
};

}  // namespace spur::daemon
