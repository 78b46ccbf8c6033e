#pragma once
// The columns that hold sealed secret material (V015), the binding that ties
// each sealed value to its column and row (the AES-GCM associated data), and
// the whole-table passes over them: sealing what is still plaintext,
// rewrapping under a new key, and the start-up check that the key ring opens
// what is stored.

#include "core/secret_sealing.h"
#include "db/pool.h"
#include "domain/ids.h"

#include <cstddef>
#include <string>
#include <vector>

namespace hookgate::db {

// endpoint_secrets.sealed_secret: bound to the endpoint (its current and
// previous secrets are interchangeable, another endpoint's are not).
std::string endpoint_secret_binding(const EndpointId& endpoint);
// idempotency_keys.sealed_response_body: bound to the account and the key.
std::string idempotency_response_binding(const AccountId& account, const std::string& key);

enum class SealedColumn { endpoint_secret, idempotency_response };
const std::vector<SealedColumn>& sealed_columns();
// "endpoint_secrets.sealed_secret", for messages.
std::string column_label(SealedColumn column);

// One stored value with the row it belongs to.
struct StoredSecret {
  std::string row_key_1;  // endpoint_id / account_id
  std::string row_key_2;  // seq / key
  std::string binding;
  std::string value;      // plaintext or sealed bytes, as the query says
};

// Up to `limit` rows still holding plaintext.
std::vector<StoredSecret> plaintext_batch(Connection& conn, SealedColumn column, std::size_t limit);

// Up to `limit` sealed rows not sealed under `key_id`, in row-key order after
// (after_1, after_2); ("", "") starts at the beginning.
std::vector<StoredSecret> sealed_batch(Connection& conn, SealedColumn column, const SecretKeyRing::KeyId& key_id,
                                       const std::string& after_1, const std::string& after_2, std::size_t limit);

// One sealed value per distinct key id in the column.
std::vector<StoredSecret> sealed_samples_per_key(Connection& conn, SealedColumn column);

// Stores `sealed` in place of what `row` held (plaintext, which is cleared,
// or an older sealed value), in one transaction for the batch; a row whose
// value changed meanwhile is left alone. Returns how many were replaced.
std::size_t replace_with_sealed(Connection& conn, SealedColumn column, const std::vector<StoredSecret>& rows,
                                const std::vector<std::string>& sealed, bool from_plaintext);

std::size_t count_plaintext(Connection& conn, SealedColumn column);

}  // namespace hookgate::db
