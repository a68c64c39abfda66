// Exclusive use of a pool for the length of one API call.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "engine/pool.h"

namespace spur::api {

class PoolAccess {
 public:
  virtual ~PoolAccess() = default;
  // Runs `fn` with the pool to itself: no other thread of this process and no
  // other spur process uses the pool meanwhile. Returns what `fn` returns.
  virtual Status With(const std::function<Status(engine::Pool&)>& fn) = 0;
  // This access as an engine::WithPool; valid while the object lives.
  engine::WithPool AsWithPool() {
    return [this](const std::function<Status(engine::Pool&)>& fn) { return With(fn); };
  }
};

// A pool opened with its lock held for the object's life (the CLI).
class HeldPoolAccess : public PoolAccess {
 public:
  explicit HeldPoolAccess(engine::Pool& pool) : pool_(pool) {}
  Status With(const std::function<Status(engine::Pool&)>& fn) override { return fn(pool_); }

 private:
  engine::Pool& pool_;
};

// A pool opened without holding its lock (the daemon): every call takes an
// in-process mutex and then the pool's file lock, so `spur` commands run on
// the same pool directly still interleave safely. Thread-safe.
class SharedPoolAccess : public PoolAccess {
 public:
  explicit SharedPoolAccess(std::unique_ptr<engine::Pool> pool) : pool_(std::move(pool)) {}
  Status With(const std::function<Status(engine::Pool&)>& fn) override;

 private:
  std::mutex mu_;
  std::unique_ptr<engine::Pool> pool_;
};

}  // namespace spur::api
