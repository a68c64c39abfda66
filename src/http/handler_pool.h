// Internal to http/ (and used by proxy/): a fixed set of threads running jobs
// from a bounded queue, so that blocking work (request handlers, the proxy's
// lookups and wakes) never runs on an I/O thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace spur::http {

class HandlerPool {
 public:
  // `threads` workers; at most `max_queued` jobs wait for one.
  HandlerPool(int threads, size_t max_queued);
  ~HandlerPool();  // Stop()
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // Starts the threads; Internal when the system refuses a thread (the ones
  // already started are stopped again). Call once.
  Status Start();

  // Queues `job`; false (and `job` dropped unrun) when max_queued jobs are
  // already waiting or Stop() has begun. Thread-safe.
  bool TryPush(std::function<void()> job);

  // Runs every job already queued, then joins the threads. Idempotent; not
  // from a job.
  void Stop();

 private:
  void Loop();

  const int threads_;
  const size_t max_queued_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
};

}  // namespace spur::http
