#pragma once
// Structured logging: one JSON object per line on stderr.

#include <nlohmann/json.hpp>

#include <string_view>

namespace hookgate::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
// True when lines of `level` are written (skip building fields otherwise).
bool enabled(Level level);
// "debug", "info", "warn", "error"; false for anything else.
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view message, const nlohmann::json& fields = nlohmann::json::object());
inline void debug(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::debug, m, f); }
inline void info(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::info, m, f); }
inline void warn(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::warn, m, f); }
inline void error(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::error, m, f); }

}  // namespace hookgate::log
