#include "services/operator_service.h"

#include "core/error.h"
#include "db/account_erasure_repository.h"
#include "db/account_repository.h"
#include "db/key_repository.h"
#include "services/account_erasure_service.h"
#include "services/list_page.h"

namespace hookgate {

namespace {

ApiError no_such_key(const std::string& id) {
  return ApiError(Errc::resource_missing, "No such API key: " + id + ".", {{"param", "id"}});
}

ApiError no_such_account(const std::string& id) {
  return ApiError(Errc::resource_missing, "No such account: " + id + ".", {{"param", "account"}});
}

}  // namespace

OperatorService::OperatorService(db::ConnectionPool& pool, const CatalogueStore& catalogue, RandomSource& random)
    : pool_(pool), catalogue_(catalogue), random_(random) {}

AccountRecord OperatorService::create_account(const std::string& name) {
  if (name.empty() || name.size() > 200) throw invalid_parameter("name", "name must be 1 to 200 characters.");
  auto conn = pool_.acquire();
  return db::insert_account(*conn, AccountId::generate(random_), name);
}

KeyWithSecret OperatorService::create_key(const AccountId& account, KeyKind kind, const ScopeRequest& request,
                                          const std::string& description) {
  if (description.size() > 500) throw invalid_parameter("description", "description must be at most 500 characters.");
  auto scopes = resolve_scope_request(*catalogue_.require(), request.scopes, request.bundle);
  auto conn = pool_.acquire();
  auto secret = generate_api_key(kind, random_);
  NewKey key{ApiKeyId::generate(random_), account, kind, description, std::move(scopes),
                 api_key_hash(secret), api_key_display_prefix(secret)};
  auto record = db::insert_key(*conn, key);
  if (!record) {
    if (db::account_state(*conn, account) == AccountState::erased) throw account_erased(account);
    throw no_such_account(account.str());
  }
  return KeyWithSecret{*record, std::move(secret)};
}

Page<KeyRecord> OperatorService::list_keys(const AccountId& account, const PageRequest& page) {
  auto conn = pool_.acquire();
  if (!db::find_account(*conn, account)) throw no_such_account(account.str());
  return found_page(db::list_keys(*conn, account, page), page, "API key");
}

KeyRecord OperatorService::revoke_key(const ApiKeyId& id) {
  auto conn = pool_.acquire();
  auto record = db::revoke_key(*conn, id);
  if (!record) throw no_such_key(id.str());
  return *record;
}

KeyRecord OperatorService::replace_scopes(const ApiKeyId& id, const ScopeRequest& request) {
  auto scopes = resolve_scope_request(*catalogue_.require(), request.scopes, request.bundle);
  auto conn = pool_.acquire();
  auto record = db::replace_key_scopes(*conn, id, scopes);
  if (!record) throw no_such_key(id.str());
  return *record;
}

KeyWithSecret OperatorService::roll_key(const ApiKeyId& id, std::chrono::seconds grace_period) {
  auto conn = pool_.acquire();
  auto existing = db::find_key(*conn, id);
  if (!existing) throw no_such_key(id.str());
  if (existing->revoked) throw ApiError(Errc::conflict, "API key " + id.str() + " is revoked and cannot be rolled.");
  auto secret = generate_api_key(existing->kind, random_);
  auto record = db::roll_key(*conn, id, api_key_hash(secret), api_key_display_prefix(secret), grace_period);
  if (!record) throw no_such_key(id.str());
  return KeyWithSecret{*record, std::move(secret)};
}

}  // namespace hookgate
