#pragma once
// Standard Webhooks signing (DESIGN §5): what hookgate puts in the
// `webhook-signature` header. Pure: no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::delivery {

// "v1,<base64 HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")>" for each
// secret, space-separated: during a secret roll both the new and the previous
// secret sign, so receivers holding either accept the request. Secrets are
// "whsec_" + base64; one that does not decode is skipped (storage only holds
// secrets hookgate generated, so this does not happen in practice).
std::string signature_header(std::string_view message_id, std::int64_t timestamp, std::string_view body,
                             const std::vector<std::string>& secrets);

}  // namespace hookgate::delivery
