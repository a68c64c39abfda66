// Time, injectable: the engine asks a Clock, tests pass a fixed one.
#pragma once

#include <cstdint>

namespace spur::os {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowSeconds() const = 0;  // Unix time
};

// The real wall clock. Thread-safe; lives for the whole program.
const Clock& SystemClock();

}  // namespace spur::os
