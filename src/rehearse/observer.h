// Watching a migration from the outside while it runs, on connections of
// its own:
//  - a sampler reads pg_locks every `interval` for the migration's backend
//    and keeps, per (relation, mode), when the lock was first and last seen
//    and which statement was running when it appeared;
//  - probes: for each existing table the migration locks (the first
//    `max_probed` of them), one session issues a cheap read
//    (`SELECT 1 FROM ONLY t LIMIT 0`) and another a cheap write that changes
//    nothing (`DELETE FROM ONLY t WHERE false`, rolled back) back to back, so
//    the longest probe is the longest time real traffic would have waited.
//
// Start() opens every connection before the migration starts (the sampler
// and 2 x max_probed probe sessions), so a probe begins within one interval
// of the lock it probes appearing. Not thread-safe itself: one thread calls
// Start, SetStatement, Stop and the accessors; its own threads do the rest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "rehearse/relations.h"

namespace spur::rehearse {

using Clock = std::chrono::steady_clock;

// A relation lock held by the migration, as sampled.
struct LockSpan {
  int64_t oid = 0;
  std::string relation;              // name when first seen (an oid if created uncommitted)
  std::string mode;                  // pg_locks.mode: AccessExclusiveLock, ShareLock, ...
  char kind = 0;                     // pg_class.relkind, when the relation existed before
  std::string transaction;           // pg_locks.virtualtransaction: a new one is a new span
  size_t statement = 0;              // index of the statement running when it appeared
  double first_ms = 0, last_ms = 0;  // since the migration started
  double held_ms() const { return last_ms - first_ms; }
};

// One relation's probes.
struct ProbeResult {
  std::string relation;
  bool write_probed = false;                 // false for materialized views (not writable)
  double read_max_ms = 0, write_max_ms = 0;  // longest single probe
  double read_p99_ms = 0, write_p99_ms = 0;
  int reads = 0, writes = 0;
  int errors = 0;  // probes that failed (the relation dropped, ...)
};

struct ObserverOptions {
  std::string conninfo;  // superuser on the copy's database
  int migration_pid = 0;
  std::chrono::milliseconds interval{10};
  size_t max_probed = 4;
  const Relations* before = nullptr;  // which relations exist before (probe candidates)
};

class Observer {
 public:
  explicit Observer(ObserverOptions options);
  ~Observer();  // stops and joins whatever is still running
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // Opens the connections, then starts sampling; returns time zero of every
  // figure (taken once the connections are open, so their setup is not
  // counted as the migration's). Unavailable when a connection cannot be
  // opened (nothing left running then).
  [[nodiscard]] Result<Clock::time_point> Start();
  // The statement now running (index into the script).
  void SetStatement(size_t index) { statement_.store(index); }
  // Records locks the migration itself saw itself holding at `now` (read on
  // its own connection after a statement, so a lock taken and kept by a
  // statement shorter than one interval is not missed).
  void AddHeld(const std::vector<LockSpan>& held, Clock::time_point now);
  // Stops sampling, then waits for the probes: a probe blocked by a lock the
  // migration still holds ends when it is released, so call this after the
  // migration's transaction has ended. Probes still running after `grace`
  // are cancelled. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  // Valid after Stop: lock spans in order of appearance; probes by relation.
  const std::vector<LockSpan>& locks() const { return locks_; }
  std::vector<ProbeResult> probes() const;
  // The largest gap between two samples (how exact first/last are).
  double max_gap_ms() const { return max_gap_ms_; }

 private:
  struct Probe;
  void SampleLoop();
  void MaybeProbe(int64_t oid);
  double Since(Clock::time_point t) const;

  ObserverOptions options_;
  Clock::time_point start_;
  std::atomic<size_t> statement_{0};
  std::atomic<bool> stop_sampling_{false};
  std::unique_ptr<pg::Connection> sampler_;
  std::thread sampler_thread_;
  std::mutex mu_;  // guards locks_ and probes_ while sampling
  std::vector<LockSpan> locks_;
  std::vector<std::unique_ptr<Probe>> probes_;  // 2 x max_probed sessions, idle until given a table
  size_t probed_relations_ = 0;
  double max_gap_ms_ = 0;
  bool stopped_ = true;
};

}  // namespace spur::rehearse
