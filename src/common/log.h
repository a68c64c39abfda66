// Logging: a thin setup over spdlog. Messages go to stderr so that stdout
// carries only a command's result (text or --json).
#pragma once

#include <spdlog/spdlog.h>

namespace spur {

enum class LogLevel { kQuiet, kNormal, kVerbose };

// Configures the process-wide logger. Call once from main(); safe to call
// again (tests do) and it replaces the previous setup.
void SetUpLogging(LogLevel level);

}  // namespace spur
