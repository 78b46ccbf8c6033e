#pragma once
// Whole-database work on sealed secrets (DESIGN §9): sealing plaintext that
// predates V015, `hookgate secrets rewrap`, and the check `serve` makes at
// start that its key ring opens what the database holds.

#include "core/secret_sealing.h"
#include "db/pool.h"

#include <cstddef>

namespace hookgate {

inline constexpr std::size_t kSecretsBatch = 500;

// Seals every secret still stored as plaintext under the ring's first key
// and clears the plaintext; returns how many. Safe to run from several
// processes at once: a row sealed by another is skipped.
std::size_t seal_plaintext_secrets(db::Connection& conn, const SecretKeyRing& ring,
                                   std::size_t batch = kSecretsBatch);

// Secrets still stored as plaintext.
std::size_t count_plaintext_secrets(db::Connection& conn);

struct RewrapReport {
  std::size_t rewrapped = 0;         // sealed under another key, now under the first
  std::size_t sealed_plaintext = 0;  // were plaintext, now sealed
  std::size_t unopened = 0;          // sealed under a key the ring lacks (or damaged): left as they are
};

// Re-seals, batch by batch, everything not sealed under the ring's first
// key. Running it again rewraps nothing.
RewrapReport rewrap_secrets(db::Connection& conn, const SecretKeyRing& ring, std::size_t batch = kSecretsBatch);

// Throws ConfigError naming HOOKGATE_SECRETS_KEYS when the ring is empty.
void require_secrets_keys(const SecretKeyRing& ring);

// require_secrets_keys(), then throws ConfigError naming the variable when
// some key id found in the database is not in the ring or a value sealed
// under it (one per key id is tried) does not open.
void require_secrets_open(db::Connection& conn, const SecretKeyRing& ring);

}  // namespace hookgate
