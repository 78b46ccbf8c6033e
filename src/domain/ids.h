#pragma once
// The kinds of id hookgate stores, each with its wire prefix.

#include "core/typed_id.h"

namespace hookgate {

struct AccountTag { static constexpr std::string_view prefix = "acct_"; };
struct ApiKeyTag { static constexpr std::string_view prefix = "key_"; };
struct EndpointTag { static constexpr std::string_view prefix = "we_"; };
struct EventTag { static constexpr std::string_view prefix = "evt_"; };
struct DeliveryTag { static constexpr std::string_view prefix = "whd_"; };
struct AttemptTag { static constexpr std::string_view prefix = "wha_"; };
struct RetryJobTag { static constexpr std::string_view prefix = "whr_"; };
struct AccountErasureTag { static constexpr std::string_view prefix = "acer_"; };

using AccountId = Id<AccountTag>;
using ApiKeyId = Id<ApiKeyTag>;
using EndpointId = Id<EndpointTag>;
using EventId = Id<EventTag>;
using DeliveryId = Id<DeliveryTag>;
using AttemptId = Id<AttemptTag>;
using RetryJobId = Id<RetryJobTag>;
using AccountErasureId = Id<AccountErasureTag>;

}  // namespace hookgate
