#pragma once
// Reading the fields of a result row, shared by every row reader: timestamps
// arrive as epoch microseconds (HG_MICROS in sql_text.h), NULL as nullopt.

#include "core/clock.h"
#include "core/timefmt.h"

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>

namespace hookgate::db {

template <class T>
std::optional<T> optional_field(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

inline TimePoint time_field(const pqxx::field& field) { return from_epoch_micros(field.as<std::int64_t>()); }

inline std::optional<TimePoint> optional_time(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return time_field(field);
}

}  // namespace hookgate::db
