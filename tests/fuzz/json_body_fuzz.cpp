// Request bodies through the strict JSON decoder and its typed accessors, as
// the routes use them. Only ApiError (a 4xx for the client) may come out:
// any other exception escapes, and libFuzzer reports it as a crash, because
// the server would answer it with a 500.

#include "core/error.h"
#include "core/json_body.h"
#include "core/storable_text.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace hookgate;

namespace {

// What parse_object accepts, PostgreSQL can store as sent: every key and
// string is UTF-8 without U+0000.
void require_storable(const nlohmann::json& value) {
  if (value.is_string() && !is_storable_text(value.get_ref<const std::string&>())) std::abort();
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      if (!is_storable_text(item.key())) std::abort();
      require_storable(item.value());
    }
  }
  if (value.is_array()) {
    for (const auto& element : value) require_storable(element);
  }
}

template <class F>
void refused_or_fine(F&& decode) {
  try {
    decode();
  } catch (const ApiError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json body;
  try {
    body = json_body::parse_object(text);
  } catch (const ApiError&) {
    return 0;
  }
  require_storable(body);
  refused_or_fine([&] { json_body::reject_unknown(body, {"url", "description", "metadata", "enabled_events"}); });
  for (const auto& item : body.items()) {
    const std::string& name = item.key();
    refused_or_fine([&] { json_body::optional_string(body, name); });
    refused_or_fine([&] { json_body::required_string(body, name); });
    refused_or_fine([&] { json_body::optional_bool(body, name); });
    refused_or_fine([&] { json_body::optional_integer(body, name, 0, 7 * 24 * 3600); });
    refused_or_fine([&] { json_body::optional_string_array(body, name, 100); });
    refused_or_fine([&] { json_body::optional_string_map(body, name, 50, 40, 500); });
  }
  // What the server does with every accepted body: render it (idempotency
  // fingerprints, logs, storage).
  (void)body.dump();
  return 0;
}
