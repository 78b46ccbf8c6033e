#pragma once
// Stripe-style Idempotency-Key handling for POST requests (DESIGN §4): the
// first request with a key runs and its response is stored; a retry with the
// same key and the same request gets that response again instead of running.

#include "core/random.h"
#include "core/secret_sealing.h"
#include "db/idempotency_repository.h"
#include "db/pool.h"
#include "domain/ids.h"
#include "http/message.h"

#include <functional>
#include <optional>
#include <string>

namespace hookgate {

class Idempotency {
 public:
  // Stored responses are sealed under `secrets`: a created endpoint's or a
  // rolled secret's response carries the signing secret in full.
  // `random` makes each claim's owner token.
  Idempotency(db::ConnectionPool& pool, const SecretKeyRing& secrets, RandomSource& random);

  // For POST requests: without an Idempotency-Key header, just runs `handler`.
  // With one (1..255 printable ASCII, else 400 invalid_parameter naming it):
  // claims the key for the account, then
  //  * runs the handler and stores its response when the status is < 500
  //    (unless a retry took the claim over meanwhile: only the owner of the
  //    current claim may complete or release it)
  //    (an ApiError below 500 becomes its error response and is stored too);
  //    on >= 500 or any other exception the claim is released so a retry runs
  //    again, and the response/exception propagates;
  //  * or replays the stored response with `Idempotent-Replayed: true`;
  //  * or throws ApiError idempotency_key_reused (different request) or
  //    idempotency_request_in_progress (the first is still running).
  // Other methods run `handler` unchanged.
  http::Response run(const AccountId& account, const http::Request& request,
                     const std::function<http::Response()>& handler);

 private:
  std::string open_stored(const std::string& sealed, const AccountId& account, const std::string& key) const;

  db::ConnectionPool& pool_;
  const SecretKeyRing& secrets_;
  RandomSource& random_;
};

// The request's Idempotency-Key: nullopt when it carries none; throws 400
// invalid_parameter when it carries a bad one (or more than one).
std::optional<std::string> idempotency_key(const http::Request& request);

// What a claim on a key answers without running the handler: nullopt when
// this request now owns the key; the stored response (its body opened with
// `open` when sealed) for a replay; throws idempotency_key_reused or
// idempotency_request_in_progress otherwise.
std::optional<http::Response> answer_from_claim(db::Claim claim,
                                                const std::function<std::string(const std::string&)>& open);

// sha256 hex of method, path and body; a JSON body is re-serialized first so
// key order and whitespace do not change it.
std::string request_fingerprint(const http::Request& request);

}  // namespace hookgate
