#pragma once
// Storage for Idempotency-Key claims and the responses they replay.

#include "core/ids.h"
#include "db/pool.h"

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

// Claims the key when it is new, older than 24 hours, or held by an
// in_progress claim not refreshed for 60 seconds; otherwise reports the
// existing row.
Claim claim_idempotency_key(Connection& conn, const AccountId& account, const std::string& key,
                            const std::string& fingerprint);
// Stores the response a claimed request produced, sealed, for replay.
void complete_idempotency_key(Connection& conn, const AccountId& account, const std::string& key, int status,
                              const std::string& sealed_body);
// Forgets a claim whose request failed, so a retry runs it again.
void release_idempotency_key(Connection& conn, const AccountId& account, const std::string& key);

}  // namespace hookgate::db
