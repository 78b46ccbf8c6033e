#pragma once
// The operator plane's use cases: accounts and API keys. Shared by the
// /internal/v1 routes and the `hookgate accounts|keys` commands.

#include "core/random.h"
#include "db/pool.h"
#include "domain/account.h"
#include "domain/api_key.h"
#include "domain/catalogue_store.h"
#include "domain/pagination.h"

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
  KeyRecord key;
  std::string secret;  // the full key text; shown once, never stored
};

class OperatorService {
 public:
  OperatorService(db::ConnectionPool& pool, const CatalogueStore& catalogue, RandomSource& random);

  AccountRecord create_account(const std::string& name);
  KeyWithSecret create_key(const AccountId& account, KeyKind kind, const ScopeRequest& scopes,
                           const std::string& description);
  Page<KeyRecord> list_keys(const AccountId& account, const PageRequest& page);
  KeyRecord revoke_key(const ApiKeyId& id);
  KeyRecord replace_scopes(const ApiKeyId& id, const ScopeRequest& scopes);
  KeyWithSecret roll_key(const ApiKeyId& id, std::chrono::seconds grace_period);

  const CatalogueStore& catalogue() const { return catalogue_; }

 private:
  db::ConnectionPool& pool_;
  const CatalogueStore& catalogue_;
  RandomSource& random_;
};

}  // namespace hookgate
