#include "common/crash_point.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace spur {
namespace {

struct Armed {
  std::string name;
  CrashHandler handler = nullptr;
};

Armed& Current() {
  static Armed armed = [] {
    Armed a;
    if (const char* env = std::getenv("SPUR_CRASH_POINT")) a.name = env;
    return a;
  }();
  return armed;
}

}  // namespace

void CrashPoint(std::string_view name) {
  if (std::find(kCrashPoints.begin(), kCrashPoints.end(), name) == kCrashPoints.end()) {
    std::fprintf(stderr, "crash point \"%.*s\" is not listed in kCrashPoints\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  const Armed& armed = Current();
  if (armed.name.empty() || armed.name != name) return;
  if (armed.handler != nullptr) {
    armed.handler(name);
    return;
  }
  ::_exit(99);
}

void ArmCrashPointForTesting(std::string_view name, CrashHandler handler) {
  Current() = Armed{std::string(name), handler};
}

}  // namespace spur
