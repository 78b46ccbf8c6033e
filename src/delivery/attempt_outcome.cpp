#include "delivery/attempt_outcome.h"

namespace hookgate::delivery {

namespace {

// Length of the valid UTF-8 sequence starting at `i`, or 0 when invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > s.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  if (length == 2 && lead < 0xC2) return 0;                                    // overlong
  if (length == 3 && lead == 0xE0 && byte(i + 1) < 0xA0) return 0;             // overlong
  if (length == 3 && lead == 0xED && byte(i + 1) >= 0xA0) return 0;            // surrogates
  if (length == 4 && (lead > 0xF4 || (lead == 0xF0 && byte(i + 1) < 0x90) ||
                      (lead == 0xF4 && byte(i + 1) >= 0x90))) return 0;        // overlong / > U+10FFFF
  return length;
}

std::string describe_failure(const SendResult& sent) {
  switch (sent.outcome) {
    case SendOutcome::response:
      return "HTTP " + std::to_string(sent.status_code);
    case SendOutcome::refused_address:
    case SendOutcome::network_error:
    case SendOutcome::cancelled:
      return sent.error;
  }
  return sent.error;
}

AttemptResult result_for(const ClaimedDelivery& claimed, TimePoint now) {
  return AttemptResult(claimed, now);
}

}  // namespace

std::string utf8_snippet(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t length = utf8_sequence_length(bytes, i);
    std::size_t emit = length == 0 ? 1 : length;
    if (out.size() + emit > max_bytes) break;
    if (length == 0 || bytes[i] == '\0') {
      out += '?';
    } else {
      out.append(bytes.substr(i, length));
    }
    i += emit;
  }
  return out;
}

AttemptResult attempt_result(const ClaimedDelivery& claimed, const SendResult& sent, TimePoint now,
                                 const RetryPolicy& policy, RandomSource& random, std::size_t snippet_bytes) {
  auto result = result_for(claimed, now);
  result.duration = sent.duration;
  bool responded = sent.outcome == SendOutcome::response;
  if (responded) {
    result.status_code = sent.status_code;
    result.response_snippet = utf8_snippet(sent.response_snippet, snippet_bytes);
  }
  if (responded && sent.status_code >= 200 && sent.status_code < 300) {
    result.outcome = "succeeded";
    return result;
  }
  result.error = describe_failure(sent);
  if (sent.outcome == SendOutcome::cancelled) {
    // The worker is stopping: not the endpoint's fault, so neither a used-up
    // retry nor a mark against its health; due again at once elsewhere.
    result.outcome = "interrupted";
    result.next_attempt = now;
    result.counts_for_health = false;
    return result;
  }
  result.outcome = "failed";
  if (responded && sent.status_code == 410) {
    // 410 Gone: the receiver asks to stop. The endpoint is disabled, so no retry.
    result.endpoint_gone = true;
    return result;
  }
  std::optional<std::chrono::seconds> retry_after;
  if (responded && sent.retry_after) retry_after = parse_retry_after(*sent.retry_after, now);
  result.next_attempt = next_attempt_time(policy, claimed.attempt_number, now, responded ? sent.status_code : 0,
                                          retry_after, random);
  return result;
}

AttemptResult not_sent_result(const ClaimedDelivery& claimed, TimePoint now, std::string reason) {
  auto result = result_for(claimed, now);
  result.outcome = "failed";
  result.error = std::move(reason);
  result.counts_for_health = false;
  return result;
}

}  // namespace hookgate::delivery
