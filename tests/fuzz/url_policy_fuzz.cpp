// Endpoint URLs through the outbound-safety policy. Only ApiError may come
// out, and a URL accepted under the strict policy never names a refused
// address by an IP literal, however it is spelled.

#include "core/error.h"
#include "domain/ip_policy.h"
#include "domain/url_policy.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace hookgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)classify_ip_literal(text);
  for (bool allow_private : {false, true}) {
    UrlPolicy policy;
    policy.allow_private_targets = allow_private;
    try {
      auto url = validate_endpoint_url(text, policy);
      if (!allow_private) {
        if (url.scheme != "https") std::abort();
        auto address = classify_ip_literal(url.host);
        if (address && *address != AddressClass::public_address) std::abort();
      }
      // What was accepted is accepted again as it was normalized.
      if (validate_endpoint_url(url.normalized, policy).normalized != url.normalized) std::abort();
    } catch (const ApiError&) {
    }
  }
  return 0;
}
