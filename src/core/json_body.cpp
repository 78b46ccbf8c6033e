#include "core/json_body.h"

#include "core/error.h"

#include <algorithm>

namespace hookgate::json_body {

namespace {

using json = nlohmann::json;

const json* find_field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(name));
  return it == object.end() ? nullptr : &*it;
}

ApiError wrong_type(std::string_view name, std::string_view expected) {
  return invalid_parameter(name, std::string(name) + " must be " + std::string(expected) + ".");
}

}  // namespace

// Text from the JSON parser is valid UTF-8: every byte that is not a
// continuation byte starts one character.
std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void reject_unknown(const json& object, std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) throw unknown_parameter(key);
  }
}

std::optional<std::string> optional_string(const json& object, std::string_view name) {
  const json* field = find_field(object, name);
  if (field == nullptr) return std::nullopt;
  if (!field->is_string()) throw wrong_type(name, "a string");
  return field->get<std::string>();
}

std::string required_string(const json& object, std::string_view name) {
  auto value = optional_string(object, name);
  if (!value) throw missing_parameter(name);
  return std::move(*value);
}

std::optional<bool> optional_bool(const json& object, std::string_view name) {
  const json* field = find_field(object, name);
  if (field == nullptr) return std::nullopt;
  if (!field->is_boolean()) throw wrong_type(name, "a boolean");
  return field->get<bool>();
}

std::optional<std::int64_t> optional_integer(const json& object, std::string_view name, std::int64_t min,
                                             std::int64_t max) {
  const json* field = find_field(object, name);
  if (field == nullptr) return std::nullopt;
  auto out_of_range = [&] {
    return invalid_parameter(name, std::string(name) + " must be an integer between " + std::to_string(min) +
                                       " and " + std::to_string(max) + ".");
  };
  if (field->is_number_unsigned()) {
    // Unsigned only when non-negative; compare without converting a huge value.
    auto value = field->get<std::uint64_t>();
    if (max < 0 || value > static_cast<std::uint64_t>(max)) throw out_of_range();
    auto signed_value = static_cast<std::int64_t>(value);
    if (signed_value < min) throw out_of_range();
    return signed_value;
  }
  if (!field->is_number_integer()) throw out_of_range();
  auto value = field->get<std::int64_t>();
  if (value < min || value > max) throw out_of_range();
  return value;
}

std::optional<std::vector<std::string>> optional_string_array(const json& object, std::string_view name,
                                                              std::size_t max_items) {
  const json* field = find_field(object, name);
  if (field == nullptr) return std::nullopt;
  if (!field->is_array()) throw wrong_type(name, "an array of strings");
  if (field->size() > max_items) {
    throw invalid_parameter(name, std::string(name) + " must have at most " + std::to_string(max_items) + " items.");
  }
  std::vector<std::string> items;
  items.reserve(field->size());
  for (std::size_t i = 0; i < field->size(); ++i) {
    const json& item = (*field)[i];
    if (!item.is_string()) throw wrong_type(std::string(name) + "[" + std::to_string(i) + "]", "a string");
    items.push_back(item.get<std::string>());
  }
  return items;
}

std::optional<StringPatchMap> optional_string_map(const json& object, std::string_view name, std::size_t max_keys,
                                                  std::size_t max_key_length, std::size_t max_value_length) {
  const json* field = find_field(object, name);
  if (field == nullptr) return std::nullopt;
  if (!field->is_object()) throw wrong_type(name, "an object of strings");
  const std::string label(name);
  if (field->size() > max_keys) {
    throw invalid_parameter(name, label + " must have at most " + std::to_string(max_keys) + " keys.");
  }
  StringPatchMap entries;
  for (const auto& [key, value] : field->items()) {
    // Key problems name the map, not the key: an over-long key would make
    // an unbounded error message.
    if (key.empty()) throw invalid_parameter(name, label + " keys must not be empty.");
    if (utf8_length(key) > max_key_length) {
      throw invalid_parameter(name, label + " keys must be at most " + std::to_string(max_key_length) +
                                        " characters.");
    }
    const std::string param = label + "[" + key + "]";
    if (value.is_null()) {
      entries.emplace(key, std::nullopt);
      continue;
    }
    if (!value.is_string()) throw wrong_type(param, "a string or null");
    const auto& text = value.get_ref<const std::string&>();
    if (utf8_length(text) > max_value_length) {
      throw invalid_parameter(param, param + " must be at most " + std::to_string(max_value_length) +
                                         " characters.");
    }
    entries.emplace(key, text);
  }
  return entries;
}

}  // namespace hookgate::json_body
