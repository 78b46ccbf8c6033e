// Operator settings through their parsers: any HOOKGATE_* variable set to
// arbitrary text either loads or stops start-up with a ConfigError naming
// it; the retry schedule and Retry-After parsers never fail otherwise.

#include "app/config.h"
#include "core/clock.h"
#include "domain/retry_policy.h"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace hookgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& variables = known_config_variables();
  std::string_view chosen = variables[data[0] % variables.size()];
  std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);

  try {
    load_config([&](std::string_view name) -> std::optional<std::string> {
      if (name == chosen) return value;
      return std::nullopt;
    });
  } catch (const ConfigError& error) {
    if (std::string_view(error.what()).find(chosen) == std::string_view::npos) std::abort();
  }
  try {
    (void)delivery::parse_retry_schedule(value);
  } catch (const std::invalid_argument&) {
  }
  (void)delivery::parse_retry_after(value, TimePoint{} + std::chrono::hours(24 * 365 * 50));
  try {
    (void)parse_listen_address(value, "HOOKGATE_LISTEN");
  } catch (const ConfigError&) {
  }
  return 0;
}
