#include "api/pool_access.h"

#include "os/lock.h"

namespace spur::api {

Status SharedPoolAccess::With(const std::function<Status(engine::Pool&)>& fn) {
  std::lock_guard<std::mutex> guard(mu_);
  ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(pool_->layout().lock()));
  return fn(*pool_);
}

}  // namespace spur::api
