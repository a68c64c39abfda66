// A pool for unit tests of the engine's lifecycle and the API: the fake
// storage driver, the fake instance control, an in-memory store and a clock
// the test sets. No disk, process or real clock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "catalog/store.h"
#include "common/status.h"
#include "engine/pool.h"
#include "os/clock.h"
#include "pg/fake/fake_control.h"
#include "storage/fake/fake_driver.h"

namespace spur::test {

// An os::Clock that says whatever `now` holds.
class FixedClock final : public os::Clock {
 public:
  int64_t NowSeconds() const override { return now; }
  int64_t now = 1'800'000'000;  // Friday 2027-01-15 08:00:00 UTC
};

// A Pool over fakes. "main" exists, runs on port 5500 and holds one file.
// The object owns the clock the pool reads, so it is neither copied nor moved.
class FakePool {
 public:
  // Builds the pool with the clock at `now`; Status when any part fails.
  static Result<std::unique_ptr<FakePool>> Make(int64_t now = 1'800'000'000);
  FakePool(const FakePool&) = delete;
  FakePool& operator=(const FakePool&) = delete;

  engine::Pool& pool() { return *pool_; }
  catalog::Store& store() { return pool_->store(); }
  storage::FakeDriver& driver() { return *driver_; }
  pg::FakeControl& control() { return *control_; }
  FixedClock& clock() { return clock_; }
  const engine::Layout& layout() const { return layout_; }

  // Data directory of branch `name` ("" when there is no such branch).
  std::string Data(const std::string& name);
  // The branch row (NotFound when absent).
  Result<catalog::Branch> Get(const std::string& name) { return store().GetBranch(name); }
  bool Exists(const std::string& name) { return store().GetBranch(name).ok(); }
  // CreateBranch with the common options.
  Result<catalog::Branch> Create(const std::string& name,
                                 std::optional<int64_t> ttl_seconds = std::nullopt,
                                 const std::string& owner = "",
                                 std::map<std::string, std::string> labels = {},
                                 bool is_protected = false,
                                 std::optional<std::string> from = std::nullopt);
  // Moves the clock forward by `seconds`.
  void Advance(int64_t seconds) { clock_.now += seconds; }
  int64_t now() const { return clock_.now; }

 private:
  FakePool() = default;

  FixedClock clock_;
  engine::Layout layout_{"/pool"};
  storage::FakeDriver* driver_ = nullptr;
  pg::FakeControl* control_ = nullptr;
  std::unique_ptr<engine::Pool> pool_;
};

}  // namespace spur::test
