#pragma once
// The operator plane's use cases: accounts and API keys. Shared by the
// /internal/v1 routes and the `hookgate accounts|keys` commands.

#include "core/random.h"
#include "db/account_repository.h"
#include "db/key_repository.h"
#include "db/pool.h"
#include "domain/catalogue_store.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hookgate {

struct ScopeRequest {
  std::vector<std::string> scopes;
  std::optional<std::string> bundle;
};

struct KeyWithSecret {
  db::KeyRecord key;
  std::string secret;  // the full key text; shown once, never stored
};

class OperatorService {
 public:
  OperatorService(db::ConnectionPool& pool, const CatalogueStore& catalogue, RandomSource& random);

  db::AccountRecord create_account(const std::string& name);
  KeyWithSecret create_key(const AccountId& account, KeyKind kind, const ScopeRequest& scopes,
                           const std::string& description);
  Page<db::KeyRecord> list_keys(const AccountId& account, const PageRequest& page);
  db::KeyRecord revoke_key(const ApiKeyId& id);
  db::KeyRecord replace_scopes(const ApiKeyId& id, const ScopeRequest& scopes);
  KeyWithSecret roll_key(const ApiKeyId& id, std::chrono::seconds grace_period);

  const CatalogueStore& catalogue() const { return catalogue_; }

 private:
  db::ConnectionPool& pool_;
  const CatalogueStore& catalogue_;
  RandomSource& random_;
};

}  // namespace hookgate
