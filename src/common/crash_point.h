// Named crash points for testing multi-step mutations (after RocksDB's sync
// points): when the environment variable SPUR_CRASH_POINT equals `name`, the
// process dies on the spot with _exit(99), as if killed. Tests run spur with
// each point set and check that the next command reconciles.
#pragma once

namespace spur {

void CrashPoint(const char* name);

}  // namespace spur
