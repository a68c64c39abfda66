#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <ctime>
#include <memory>

namespace spur {
namespace {

void AppendEscaped(spdlog::memory_buf_t& dest, spdlog::string_view_t text) {
  static const char kHex[] = "0123456789abcdef";
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      dest.push_back('\\');
      dest.push_back(ch);
    } else if (c == '\n') {
      dest.append(std::string_view("\\n"));
    } else if (c < 0x20) {
      dest.append(std::string_view("\\u00"));
      dest.push_back(kHex[c >> 4]);
      dest.push_back(kHex[c & 0xf]);
    } else {
      dest.push_back(ch);
    }
  }
}

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto since_epoch = msg.time.time_since_epoch();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs);
    std::time_t t = secs.count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis.count()));
    dest.append(std::string_view("{\"time\":\""));
    dest.append(std::string_view(stamp));
    dest.append(std::string_view("\",\"level\":\""));
    auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    dest.append(std::string_view("\",\"msg\":\""));
    AppendEscaped(dest, msg.payload);
    dest.append(std::string_view("\"}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

void UseJsonLogs() { spdlog::default_logger()->set_formatter(std::make_unique<JsonFormatter>()); }

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
