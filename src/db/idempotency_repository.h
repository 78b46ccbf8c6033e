#pragma once
// Storage for Idempotency-Key claims and the responses they replay.

#include "db/pool.h"
#include "domain/ids.h"

#include <string>

namespace hookgate::db {

enum class ClaimOutcome {
  claimed,      // the caller owns the key and must complete or release it
  replay,       // a finished request with the same fingerprint: status and body are set
  mismatch,     // the key was used for a different request
  in_progress,  // the same request is still running elsewhere
};

struct Claim {
  ClaimOutcome outcome;
  int status = 0;
  std::string body;          // for replay: sealed bytes, or plaintext from before V015
  bool body_sealed = false;  // bound with idempotency_response_binding()
};

// Claims the key for `owner_token` (fresh and secret per request) when it is
// new, older than 24 hours, or held by an in_progress claim not refreshed
// for 60 seconds; otherwise reports the existing row. Claims of one key
// take turns (hookgate_claim_idempotency_key), so one always settles it.
Claim claim_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                            const std::string& fingerprint, const std::string& owner_token);
// Stores the response a claimed request produced, sealed, for replay; false
// (nothing stored) when the claim is no longer `owner_token`'s because a
// retry took it over.
bool complete_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                              const std::string& owner_token, int status, const std::string& sealed_body);
// Forgets a claim whose request failed, so a retry runs it again; false when
// the claim is no longer `owner_token`'s.
bool release_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                             const std::string& owner_token);

}  // namespace hookgate::db
