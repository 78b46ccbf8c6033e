#include "core/stored_json_size.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <string>
#include <string_view>

namespace hookgate {

namespace {

// `text` is a number as the compact serialization writes it, e.g. "-1.5e+300".
std::size_t plain_decimal_length(std::string_view text) {
  auto e = text.find_first_of("eE");
  if (e == std::string_view::npos) return text.size();
  int exponent = 0;
  std::string_view exponent_text = text.substr(e + 1);
  if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  std::string_view mantissa = text.substr(0, e);
  std::size_t sign = 0;
  if (!mantissa.empty() && mantissa.front() == '-') {
    sign = 1;
    mantissa.remove_prefix(1);
  }
  auto point = mantissa.find('.');
  long integer_digits = static_cast<long>(point == std::string_view::npos ? mantissa.size() : point);
  long digits = static_cast<long>(mantissa.size()) - (point == std::string_view::npos ? 0 : 1);
  long point_at = integer_digits + exponent;  // where the decimal point falls among the digits
  long length = point_at >= digits ? point_at                       // digits, then zeros
                : point_at <= 0    ? 2 + (-point_at) + digits       // "0.", zeros, digits
                                   : digits + 1;                    // a point among the digits
  return sign + static_cast<std::size_t>(length);
}

std::size_t growth(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::number_float: {
      auto text = value.dump();
      auto plain = plain_decimal_length(text);
      return plain > text.size() ? plain - text.size() : 0;
    }
    case nlohmann::json::value_t::object:
    case nlohmann::json::value_t::array: {
      std::size_t total = 0;
      for (const auto& element : value) total += growth(element);
      return total;
    }
    default:
      return 0;
  }
}

}  // namespace

std::size_t stored_json_size(const nlohmann::json& value) { return value.dump().size() + growth(value); }

}  // namespace hookgate
