#pragma once
// What one attempt's outcome means for its delivery (DESIGN §5): success,
// a retry at the scheduled time, the final failure, or an endpoint to
// disable. Pure apart from the injected randomness of the jitter.

#include "core/clock.h"
#include "core/random.h"
#include "delivery/http_sender.h"
#include "domain/delivery_attempt.h"
#include "domain/retry_policy.h"

#include <string>
#include <string_view>

namespace hookgate::delivery {

// At most `max_bytes` of `bytes`, cut on a character boundary, with invalid
// UTF-8 replaced by '?': response bodies are arbitrary bytes, the attempt
// record is text.
std::string utf8_snippet(std::string_view bytes, std::size_t max_bytes);

AttemptResult attempt_result(const ClaimedDelivery& claimed, const SendResult& sent, TimePoint now,
                                 const RetryPolicy& policy, RandomSource& random, std::size_t snippet_bytes);

// A claimed delivery that must not be sent (its subscription lost its
// authorization since fan-out): recorded as a final failed attempt.
AttemptResult not_sent_result(const ClaimedDelivery& claimed, TimePoint now, std::string reason);

}  // namespace hookgate::delivery
