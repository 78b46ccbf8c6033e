#pragma once
// Endpoint URLs as the API checks them: domain/url_policy.h's verdict, a
// refusal told as invalid_parameter on "url".

#include "domain/url_policy.h"

#include <string_view>

namespace hookgate {

// Throws invalid_parameter("url", ...) saying what is wrong when the URL is
// not acceptable under `policy`.
EndpointUrl validate_endpoint_url(std::string_view text, const UrlPolicy& policy);

}  // namespace hookgate
