#include "daemon/proxy_directory.h"

#include "common/stopwatch.h"
#include "engine/pool.h"

namespace spur::daemon {
namespace {

// Where the proxy reaches a branch's postgres: loopback when postgres
// listens there (or everywhere), else the first address it listens on.
std::string BackendHost(const engine::PoolConfig& config) {
  const std::vector<std::string> addresses = engine::ListenAddresses(config);
  for (const std::string& a : addresses) {
    if (a == "*" || a == "0.0.0.0" || a == "127.0.0.1" || a == "localhost") return "127.0.0.1";
    if (a == "::" || a == "::1") return "::1";
  }
  return addresses.empty() ? "127.0.0.1" : addresses.front();
}

}  // namespace

Result<PoolDirectory::Found> PoolDirectory::Lookup(const std::string& name,
                                                   proxy::Backend* backend) {
  Found found = Found::kRunning;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& p) -> Status {
    auto b = p.store().GetBranch(name);
    if (!b.ok()) {
      if (b.status().code() == Code::kNotFound) {
        return NotFound("branch \"" + name + "\" does not exist");
      }
      return b.status();
    }
    switch (b->state) {
      case catalog::BranchState::kRunning:
        backend->host = BackendHost(p.config());
        backend->port = b->port;
        return Status::Ok();
      case catalog::BranchState::kStopped:
        // Suspended (by idle suspend or a schedule), as `spur uri` wakes.
        if (b->stop_reason == "idle" || b->stop_reason == "schedule") {
          found = Found::kSuspended;
          return Status::Ok();
        }
        return FailedPrecondition("branch \"" + name + "\" is stopped" +
                                  (b->stop_reason.empty() ? "" : " (" + b->stop_reason + ")") +
                                  "; start it with `spur branch start " + name + "`");
      case catalog::BranchState::kCreating:
        return Unavailable("branch \"" + name + "\" is still being created; retry in a moment");
      case catalog::BranchState::kDeleting:
        return NotFound("branch \"" + name + "\" is being deleted");
    }
    return Internal("branch \"" + name + "\" is in an unknown state");
  }));
  return found;
}

Status PoolDirectory::Wake(const std::string& name) {
  // The connection route wakes a suspended branch as `spur uri` does, and
  // audits it as branch.wake.
  api::Call call{"GET", "/branches/" + name + "/connection"};
  const api::Principal proxy{"proxy", api::Role::kAdmin, ""};
  api::Reply reply = service_.Handle(call, proxy, /*count=*/false);
  Status st = api::StatusFromReply(reply.status, reply.body);
  if (st.ok()) return st;
  return Unavailable("branch \"" + name + "\" could not be woken: " + st.message());
}

Result<proxy::Resolved> PoolDirectory::Resolve(const std::string& name,
                                               std::chrono::milliseconds wake_timeout) {
  proxy::Resolved out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(name);
    if (it != cache_.end() && std::chrono::steady_clock::now() - it->second.second < kCacheFor) {
      out.backend = it->second.first;
      return out;
    }
  }
  ASSIGN_OR_RETURN(Found found, Lookup(name, &out.backend));
  if (found == Found::kSuspended) {
    // Connections that arrive during a wake wait for it; only the one that
    // ran the start reports a wake (the metrics count starts, not waiters).
    Stopwatch timer;
    bool ran = false;
    RETURN_IF_ERROR(waker_.WakeOnce(
        name,
        [&] {
          ran = true;
          return Wake(name);
        },
        wake_timeout));
    out.woke = ran;
    out.wake_seconds = ran ? timer.LapMs() / 1000.0 : 0;
    ASSIGN_OR_RETURN(found, Lookup(name, &out.backend));
    if (found != Found::kRunning) {
      return Unavailable("branch \"" + name + "\" was suspended again while waking; retry");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache_[name] = {out.backend, std::chrono::steady_clock::now()};
  return out;
}

void PoolDirectory::Invalidate(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(name);
}

}  // namespace spur::daemon
