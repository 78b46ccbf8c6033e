#include "services/endpoint_url.h"

#include "core/error.h"

namespace hookgate {

EndpointUrl validate_endpoint_url(std::string_view text, const UrlPolicy& policy) {
  auto verdict = check_endpoint_url(text, policy);
  if (const auto* refusal = std::get_if<UrlRefusal>(&verdict)) throw invalid_parameter("url", describe(*refusal));
  return std::get<EndpointUrl>(std::move(verdict));
}

}  // namespace hookgate
