#include "os/clock.h"

#include <ctime>

namespace spur::os {
namespace {
class RealClock final : public Clock {
 public:
  int64_t NowSeconds() const override { return static_cast<int64_t>(::time(nullptr)); }
};
}  // namespace

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace spur::os
