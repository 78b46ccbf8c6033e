#include "cli/command_config.h"

#include "core/log.h"

namespace hookgate::cli {

Config database_command_config() {
  Config config = load_config();
  log::Level level = log::Level::info;
  if (log::parse_level(config.log_level, level)) log::set_level(level);
  if (config.database_url.empty()) {
    throw ConfigError("HOOKGATE_DATABASE_URL is not set: give a libpq connection string or URI");
  }
  return config;
}

}  // namespace hookgate::cli
