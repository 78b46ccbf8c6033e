#pragma once
// Strict decoding of JSON request bodies. Every failure is an ApiError that
// names the offending field, so handlers never produce their own messages.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::json_body {

// Characters (code points) in valid UTF-8 text, for length limits.
std::size_t utf8_length(std::string_view text);


// Parses text as a JSON object; empty text is an empty object. Invalid JSON
// (including invalid UTF-8 and lone surrogates), a non-object, or nesting
// deeper than max_depth throws ApiError(Errc::invalid_json). Depth is checked
// while parsing, so a body of a million '[' is refused after max_depth + 1 of
// them. Values the database could not store as sent are refused with
// invalid_parameter naming where they are (`data[items][2][name]`): U+0000 in
// a string or key, integers beyond 64 bits, numbers beyond a double's range
// or so small that they would read as 0.
nlohmann::json parse_object(std::string_view text, std::size_t max_depth = 32);

// The same checks for a JSON value of any type, given on its own (such as an
// event's data on the command line); `name` is the root of every error's path.
nlohmann::json parse_value(std::string_view text, std::string_view name, std::size_t max_depth = 32);

// Throws unknown_parameter for the first key (in key order) not in `allowed`.
void reject_unknown(const nlohmann::json& object, std::initializer_list<std::string_view> allowed);

// Typed field access: absent → nullopt; present with the wrong type (JSON
// null included) → invalid_parameter naming the field.
std::optional<std::string> optional_string(const nlohmann::json& object, std::string_view name);
// Absent → missing_parameter.
std::string required_string(const nlohmann::json& object, std::string_view name);
std::optional<bool> optional_bool(const nlohmann::json& object, std::string_view name);
// Only JSON integers within [min, max]; floats (even 5.0) and strings are refused.
std::optional<std::int64_t> optional_integer(const nlohmann::json& object, std::string_view name, std::int64_t min,
                                             std::int64_t max);
// An array of at most max_items strings; a bad element is named "name[i]".
std::optional<std::vector<std::string>> optional_string_array(const nlohmann::json& object, std::string_view name,
                                                              std::size_t max_items);

// A flat string→string map (like Stripe metadata). A null value means "remove
// this key" and comes back as nullopt. Keys must be non-empty; lengths are
// counted in Unicode characters.
using StringPatchMap = std::map<std::string, std::optional<std::string>>;
std::optional<StringPatchMap> optional_string_map(const nlohmann::json& object, std::string_view name,
                                                  std::size_t max_keys, std::size_t max_key_length,
                                                  std::size_t max_value_length);

}  // namespace hookgate::json_body
