#include "api/idempotency.h"

#include "core/crypto.h"
#include "core/error.h"
#include "core/json_body.h"
#include "core/log.h"
#include "db/idempotency_repository.h"
#include "db/sealed_columns.h"
#include "http/router.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>

namespace hookgate {

namespace {

constexpr std::string_view kHeader = "Idempotency-Key";
constexpr std::size_t kMaxKeyLength = 255;

// Cleanup after a failed request must not hide the failure itself; at worst
// the claim stays in_progress until it goes stale and is taken over.
void release_quietly(db::ConnectionPool& pool, const AccountId& account, const std::string& key,
                     const std::string& owner_token, const http::Request& request) {
  try {
    auto conn = pool.acquire();
    db::release_idempotency_key(*conn, account, key, owner_token);
  } catch (const std::exception& error) {
    log::error("could not release idempotency key", {{"request_id", request.request_id}, {"error", error.what()}});
  }
}

}  // namespace

std::optional<std::string> idempotency_key(const http::Request& request) {
  auto value = request.header(kHeader);
  if (!value) return std::nullopt;
  if (request.header_count(kHeader) > 1) {
    throw invalid_parameter(kHeader, "Send the Idempotency-Key header at most once.");
  }
  bool printable = std::all_of(value->begin(), value->end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (value->empty() || value->size() > kMaxKeyLength || !printable) {
    throw invalid_parameter(kHeader, "Idempotency-Key must be 1 to 255 printable ASCII characters.");
  }
  return std::string(*value);
}

std::optional<http::Response> answer_from_claim(db::Claim claim,
                                                const std::function<std::string(const std::string&)>& open) {
  switch (claim.outcome) {
    case db::ClaimOutcome::claimed: return std::nullopt;
    case db::ClaimOutcome::replay: {
      http::Response replayed;
      replayed.status = claim.status;
      replayed.body = claim.body_sealed ? open(claim.body) : std::move(claim.body);
      replayed.set_header("Idempotent-Replayed", "true");
      return replayed;
    }
    case db::ClaimOutcome::mismatch:
      throw ApiError(Errc::idempotency_key_reused,
                     "This Idempotency-Key was already used with a different request; use a new key for a new "
                     "request.");
    case db::ClaimOutcome::in_progress:
      throw ApiError(Errc::idempotency_request_in_progress,
                     "A request with this Idempotency-Key is still being processed; retry it shortly.");
  }
  throw std::logic_error("unknown idempotency claim outcome");
}

std::string request_fingerprint(const http::Request& request) {
  // Through the strict, depth-limited parser: a body nested a million levels
  // deep must not reach the recursive dump(). A body it refuses is
  // fingerprinted as sent (the handler refuses it the same way each time).
  std::string canonical = request.body;
  try {
    canonical = json_body::parse_value(request.body, "body").dump();
  } catch (const ApiError&) {
  }
  return crypto::sha256_hex(request.method + "\n" + request.path + "\n" + canonical);
}

Idempotency::Idempotency(db::ConnectionPool& pool, const SecretKeyRing& secrets, RandomSource& random)
    : pool_(pool), secrets_(secrets), random_(random) {}

std::string Idempotency::open_stored(const std::string& sealed, const AccountId& account,
                                     const std::string& key) const {
  auto body = secrets_.open(sealed, db::idempotency_response_binding(account, key));
  // serve checked at start that its keys open what is stored; this is a
  // value sealed since under a key this process lacks.
  if (!body) throw std::runtime_error("a stored idempotent response does not open with HOOKGATE_SECRETS_KEYS");
  return *body;
}

namespace {

// As Stripe does: a request refused before it ran (its input invalid, its
// key lacking a scope) stores no result, so the corrected request may use
// the same key. A refusal that depends on state (404, 409, 422) is stored.
bool refused_before_running(Errc code) {
  switch (code) {
    case Errc::malformed_request:
    case Errc::invalid_json:
    case Errc::invalid_parameter:
    case Errc::unknown_parameter:
    case Errc::missing_parameter:
    case Errc::scope_required: return true;
    default: return false;
  }
}

}  // namespace

http::Response Idempotency::run(const AccountId& account, const http::Request& request,
                                const std::function<http::Response()>& handler) {
  if (request.method != "POST") return handler();
  auto key = idempotency_key(request);
  if (!key) return handler();

  const std::string owner = crypto::hex_encode(random_.bytes(16));
  auto claim = [&] {
    // The lease ends before the handler runs: it may need a connection itself.
    auto conn = pool_.acquire();
    return db::claim_idempotency_key(*conn, account, *key, request_fingerprint(request), owner);
  }();
  auto answer = answer_from_claim(std::move(claim),
                                  [&](const std::string& sealed) { return open_stored(sealed, account, *key); });
  if (answer) return std::move(*answer);

  http::Response response;
  try {
    response = handler();
  } catch (const ApiError& error) {
    if (http_status(error.code()) >= 500 || refused_before_running(error.code())) {
      release_quietly(pool_, account, *key, owner, request);
      throw;
    }
    // Any other client error is the request's answer: replay it like any other.
    response = http::error_response(std::current_exception(), request);
  } catch (...) {
    release_quietly(pool_, account, *key, owner, request);
    throw;
  }
  if (response.status >= 500) {
    release_quietly(pool_, account, *key, owner, request);
    return response;
  }
  try {
    auto conn = pool_.acquire();
    bool stored = db::complete_idempotency_key(*conn, account, *key, owner, response.status,
                                               secrets_.seal(response.body, db::idempotency_response_binding(account, *key)));
    if (!stored) {
      // This request outlived its claim and a retry took the key over: the
      // retry's response is the one replayed.
      log::warn("idempotency claim was taken over; response not stored", {{"request_id", request.request_id}});
    }
  } catch (const std::exception& error) {
    // The work is done, so answer with it; a retry after the claim goes
    // stale (60 s) may run the handler again.
    log::error("could not store idempotent response", {{"request_id", request.request_id}, {"error", error.what()}});
  }
  return response;
}

}  // namespace hookgate
