// Logging: a thin setup over spdlog. Messages go to stderr so that stdout
// carries only a command's result (text or --json).
#pragma once

#include <spdlog/spdlog.h>

namespace spur {

enum class LogLevel { kQuiet, kNormal, kVerbose };

// Configures the process-wide logger. Call once from main(); safe to call
// again (tests do) and it replaces the previous setup.
void SetUpLogging(LogLevel level);

// Switches the process-wide logger to one JSON object per line:
// {"time":"2026-11-21T10:00:00.123Z","level":"info","msg":"..."} (daemons
// whose logs a collector parses).
void UseJsonLogs();

}  // namespace spur
