// Endpoint URLs through the outbound-safety policy. Nothing may be thrown
// (the verdict is a value), and a URL accepted under the strict policy never
// names a refused address by an IP literal, however it is spelled.

#include "domain/ip_policy.h"
#include "domain/url_policy.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

using namespace hookgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)classify_ip_literal(text);
  for (bool allow_private : {false, true}) {
    UrlPolicy policy;
    policy.allow_private_targets = allow_private;
    auto verdict = check_endpoint_url(text, policy);
    if (const auto* refusal = std::get_if<UrlRefusal>(&verdict)) {
      if (describe(*refusal).empty()) std::abort();
      continue;
    }
    const auto& url = std::get<EndpointUrl>(verdict);
    if (!allow_private) {
      if (url.scheme != "https") std::abort();
      auto address = classify_ip_literal(url.host);
      if (address && *address != AddressClass::public_address) std::abort();
    }
    // What was accepted is accepted again as it was normalized.
    auto again = check_endpoint_url(url.normalized, policy);
    if (!std::holds_alternative<EndpointUrl>(again) || std::get<EndpointUrl>(again).normalized != url.normalized)
      std::abort();
  }
  return 0;
}
