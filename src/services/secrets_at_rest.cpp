#include "services/secrets_at_rest.h"

#include "core/config_error.h"
#include "db/sealed_columns.h"

#include <set>
#include <stdexcept>

namespace hookgate {

namespace {

std::string ring_ids(const SecretKeyRing& ring) {
  std::string out;
  for (const auto& id : ring.key_ids()) out += (out.empty() ? "" : ", ") + key_id_hex(id);
  return out;
}

// Seals one batch of `rows` (plaintext, or opened from their old sealing).
std::size_t seal_rows(db::Connection& conn, db::SealedColumn column, const SecretKeyRing& ring,
                      const std::vector<db::StoredSecret>& rows, const std::vector<std::string>& plaintexts,
                      bool from_plaintext) {
  std::vector<std::string> sealed;
  sealed.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) sealed.push_back(ring.seal(plaintexts[i], rows[i].binding));
  return db::replace_with_sealed(conn, column, rows, sealed, from_plaintext);
}

}  // namespace

std::size_t seal_plaintext_secrets(db::Connection& conn, const SecretKeyRing& ring, std::size_t batch) {
  std::size_t sealed = 0;
  for (auto column : db::sealed_columns()) {
    while (true) {
      auto rows = db::plaintext_batch(conn, column, batch);
      if (rows.empty()) break;
      std::vector<std::string> plaintexts;
      for (const auto& row : rows) plaintexts.push_back(row.value);
      auto replaced = seal_rows(conn, column, ring, rows, plaintexts, true);
      sealed += replaced;
      // None replaced: another process is sealing the same rows; it finishes them.
      if (replaced == 0) break;
    }
  }
  return sealed;
}

std::size_t count_plaintext_secrets(db::Connection& conn) {
  std::size_t count = 0;
  for (auto column : db::sealed_columns()) count += db::count_plaintext(conn, column);
  return count;
}

RewrapReport rewrap_secrets(db::Connection& conn, const SecretKeyRing& ring, std::size_t batch) {
  if (ring.empty()) throw std::logic_error("rewrap needs a key ring");
  RewrapReport report;
  report.sealed_plaintext = seal_plaintext_secrets(conn, ring, batch);
  const auto first = ring.key_ids().front();
  for (auto column : db::sealed_columns()) {
    std::string after_1, after_2;
    while (true) {
      auto rows = db::sealed_batch(conn, column, first, after_1, after_2, batch);
      if (rows.empty()) break;
      after_1 = rows.back().row_key_1;
      after_2 = rows.back().row_key_2;
      std::vector<db::StoredSecret> openable;
      std::vector<std::string> plaintexts;
      for (auto& row : rows) {
        auto opened = ring.open(row.value, row.binding);
        if (!opened) {
          ++report.unopened;
          continue;
        }
        plaintexts.push_back(std::move(*opened));
        openable.push_back(std::move(row));
      }
      report.rewrapped += seal_rows(conn, column, ring, openable, plaintexts, false);
    }
  }
  return report;
}

void require_secrets_keys(const SecretKeyRing& ring) {
  if (ring.empty()) {
    throw ConfigError(std::string(kSecretsKeysVariable) +
                      " is not set: hookgate stores endpoint signing secrets sealed under it. Give one or more "
                      "comma-separated base64 32-byte keys (`openssl rand -base64 32` makes one; see README.md, "
                      "\"Secrets at rest\")");
  }
}

void require_secrets_open(db::Connection& conn, const SecretKeyRing& ring) {
  require_secrets_keys(ring);
  std::set<std::string> missing;
  for (auto column : db::sealed_columns()) {
    for (const auto& sample : db::sealed_samples_per_key(conn, column)) {
      if (!ring.open(sample.value, sample.binding)) {
        auto id = SecretKeyRing::key_id_of(sample.value);
        missing.insert(id ? key_id_hex(*id) : "(malformed in " + db::column_label(column) + ")");
      }
    }
  }
  if (missing.empty()) return;
  std::string ids;
  for (const auto& id : missing) ids += (ids.empty() ? "" : ", ") + id;
  throw ConfigError(std::string(kSecretsKeysVariable) + " does not open the sealed secrets in the database: they are "
                    "sealed under key id(s) " + ids + ", and the configured keys have id(s) " + ring_ids(ring) +
                    ". Give the key ring they were sealed with (a new key goes first, the old ones stay until "
                    "`hookgate secrets rewrap` has run)");
}

}  // namespace hookgate
