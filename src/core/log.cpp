#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace hookgate::log {

namespace {

std::atomic<Level> current_level{Level::info};
std::mutex output_mutex;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

std::string timestamp_now() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return buffer;
}

}  // namespace

void set_level(Level level) { current_level = level; }

bool enabled(Level level) { return level >= current_level.load(); }

bool parse_level(std::string_view text, Level& out) {
  for (Level level : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(level)) {
      out = level;
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  if (level < current_level.load()) return;
  nlohmann::json line = {{"ts", timestamp_now()}, {"level", level_name(level)}, {"msg", message}};
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(output_mutex);
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace hookgate::log
