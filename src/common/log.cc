#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace spur {

void SetUpLogging(LogLevel level) {
  auto logger = spdlog::stderr_color_mt("spur-" + std::to_string(static_cast<int>(level)));
  logger->set_pattern("%^%l%$: %v");
  switch (level) {
    case LogLevel::kQuiet:
      logger->set_level(spdlog::level::warn);
      break;
    case LogLevel::kNormal:
      logger->set_level(spdlog::level::info);
      break;
    case LogLevel::kVerbose:
      logger->set_level(spdlog::level::debug);
      break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace spur
