// Where the proxy finds a branch's postgres: the daemon's pool behind an
// interface, so that proxy/ knows nothing of the pool's locking or the
// catalog, and tests can pass a fake. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace spur::proxy {

// A branch's postgres, as the proxy connects to it: plain TCP, which a
// branch with TLS on takes only from loopback (pg/instance.cc pg_hba).
struct Backend {
  std::string host = "127.0.0.1";  // a literal address
  int port = 0;
};

struct Resolved {
  Backend backend;
  bool woke = false;        // the branch was suspended and this call started it
  double wake_seconds = 0;  // how long the wake took (0 when not woken)
};

class Directory {
 public:
  virtual ~Directory() = default;

  // Where branch `name` listens, after starting it if it was suspended for
  // idleness (the caller waits at most `wake_timeout`; concurrent calls for
  // one branch start it once). Blocks: the proxy calls it on threads of its
  // own, never on an I/O thread. Errors, each a sentence the client is
  // shown: NotFound (no such branch), FailedPrecondition (stopped by a user
  // or a schedule: says how to start it), Unavailable (still starting after
  // `wake_timeout`, or the start failed: says why).
  [[nodiscard]] virtual Result<Resolved> Resolve(const std::string& name,
                                                 std::chrono::milliseconds wake_timeout) = 0;

  // Forgets what it may have cached about `name` (the proxy could not reach
  // it there): the next Resolve looks again.
  virtual void Invalidate(const std::string& name) = 0;
};

}  // namespace spur::proxy
