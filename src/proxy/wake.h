// Waking a suspended branch when clients connect to it: however many
// connections arrive during a wake, the branch is started once, and each
// of them waits for that one start, each up to its own deadline. Knows
// nothing of branches or postgres: the caller passes the start function.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace spur::proxy {

class Waker {
 public:
  using Start = std::function<Status()>;

  // Runs `start` for `key` unless a start for `key` is already running, in
  // which case it waits for that one; returns its Status either way. A
  // caller that waits longer than `timeout` gets Unavailable (the start goes
  // on, and later callers join it). The caller that runs the start returns
  // when it ends: `start` must bound its own time. The start's own error is returned to
  // every caller that waited on it; the next call after it starts afresh.
  [[nodiscard]] Status WakeOnce(const std::string& key, const Start& start,
                                std::chrono::milliseconds timeout);

  // How many starts have run, and how many callers wait on one now (metrics).
  int starts() const;
  int waiting() const;

 private:
  struct Flight {
    bool done = false;
    Status result;
    std::condition_variable cv;
  };

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  int starts_ = 0;
  int waiting_ = 0;
};

}  // namespace spur::proxy
