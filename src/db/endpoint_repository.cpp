#include "db/endpoint_repository.h"

#include "core/timefmt.h"
#include "db/sql_text.h"
#include "db/storage_error.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>


namespace hookgate::db {

namespace {

#define HG_ENDPOINT_COLUMNS                                                                          \
  "SELECT e.id, e.account_id, e.url, e.description, e.metadata::text, e.status, e.disabled_reason, " \
  HG_MICROS("e.created_at") " FROM webhook_endpoints e "
constexpr Statement kLockAccount{"endpoint_lock_account", "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE"};
constexpr Statement kCount{"endpoint_count", "SELECT count(*) FROM webhook_endpoints WHERE account_id = $1"};
constexpr Statement kInsert{
    "endpoint_insert",
    "INSERT INTO webhook_endpoints (id, account_id, url, description, metadata) VALUES ($1, $2, $3, $4, $5::jsonb)"};
constexpr Statement kInsertSecret{"endpoint_insert_secret",
                                  "INSERT INTO endpoint_secrets (endpoint_id, sealed_secret) VALUES ($1, $2)"};
constexpr Statement kSetSubscriptions{
    "endpoint_set_subscriptions",
    "INSERT INTO endpoint_subscriptions (endpoint_id, pattern, authorized_by) "
    "SELECT $1, p, k FROM unnest(string_to_array($2, ' '), string_to_array($3, ' ')) AS t(p, k) "
    "ON CONFLICT (endpoint_id, pattern) DO UPDATE SET authorized_by = EXCLUDED.authorized_by, "
    "authorized_at = CASE WHEN endpoint_subscriptions.authorized_by = EXCLUDED.authorized_by "
    "THEN endpoint_subscriptions.authorized_at ELSE now() END"};
constexpr Statement kPruneSubscriptions{
    "endpoint_prune_subscriptions",
    "DELETE FROM endpoint_subscriptions WHERE endpoint_id = $1 AND NOT (pattern = ANY (string_to_array($2, ' ')))"};
constexpr Statement kFind{"endpoint_find", HG_ENDPOINT_COLUMNS "WHERE e.account_id = $1 AND e.id = $2"};
constexpr Statement kFindForUpdate{"endpoint_find_for_update",
                                   HG_ENDPOINT_COLUMNS "WHERE e.account_id = $1 AND e.id = $2 FOR UPDATE"};
constexpr Statement kSubscriptions{
    "endpoint_subscriptions",
    "SELECT s.endpoint_id, s.pattern, s.authorized_by, k.kind, k.revoked_at IS NOT NULL, "
    "coalesce((SELECT string_agg(scope, ' ') FROM api_key_scopes WHERE key_id = k.id), ''), " HG_MICROS(
        "s.authorized_at") " FROM endpoint_subscriptions s JOIN api_keys k ON k.id = s.authorized_by "
                           "WHERE s.endpoint_id = ANY (string_to_array($1, ' ')) ORDER BY s.endpoint_id, s.pattern"};
constexpr Statement kCursor{"endpoint_cursor", "SELECT seq FROM webhook_endpoints WHERE account_id = $1 AND id = $2"};
constexpr Statement kUpdate{
    "endpoint_update",
    "UPDATE webhook_endpoints SET url = $3, description = $4, metadata = $5::jsonb, status = $6, "
    "disabled_reason = nullif($7, ''), updated_at = now() WHERE account_id = $1 AND id = $2"};
constexpr Statement kDelete{"endpoint_delete", "DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2"};
constexpr Statement kExpireSecrets{
    "endpoint_expire_secrets",
    "UPDATE endpoint_secrets SET expires_at = now() + make_interval(secs => $2) "
    "WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2))"};

std::string metadata_json(const Metadata& metadata) { return nlohmann::json(metadata).dump(); }

pqxx::binarystring bytea(const std::string& bytes) { return pqxx::binarystring(bytes.data(), bytes.size()); }


EndpointRecord to_record(const pqxx::row& row) {
  EndpointRecord record{EndpointId::from_trusted(row[0].as<std::string>()),
                        AccountId::from_trusted(row[1].as<std::string>()),
                        row[2].as<std::string>(),
                        row[3].as<std::string>(),
                        nlohmann::json::parse(row[4].as<std::string>()).get<Metadata>(),
                        row[5].as<std::string>() == "enabled",
                        row[6].is_null() ? std::nullopt : std::optional<std::string>(row[6].as<std::string>()),
                        from_epoch_micros(row[7].as<std::int64_t>()),
                        {}};
  return record;
}

// One query for the subscriptions of all the given endpoints (no N+1).
void attach_subscriptions(pqxx::transaction_base& tx, Connection& conn, std::vector<EndpointRecord>& endpoints) {
  if (endpoints.empty()) return;
  std::vector<std::string> ids;
  std::map<std::string, EndpointRecord*> by_id;
  for (auto& endpoint : endpoints) {
    ids.push_back(endpoint.id.str());
    by_id[endpoint.id.str()] = &endpoint;
  }
  for (const auto& row : exec(tx, conn, kSubscriptions, join_words(ids))) {
    AuthorizingKey key{row[2].as<std::string>(),
                       row[3].as<std::string>() == "sk" ? KeyKind::secret : KeyKind::publishable, row[4].as<bool>(),
                       split_words<ScopeSet>(row[5].as<std::string>())};
    by_id[row[0].as<std::string>()]->subscriptions.push_back(
        {row[1].as<std::string>(), std::move(key), from_epoch_micros(row[6].as<std::int64_t>())});
  }
}

std::optional<EndpointRecord> load(pqxx::transaction_base& tx, Connection& conn, const Statement& statement,
                                   const AccountId& account, const EndpointId& id) {
  auto result = exec(tx, conn, statement, account.str(), id.str());
  if (result.empty()) return std::nullopt;
  std::vector<EndpointRecord> records{to_record(result[0])};
  attach_subscriptions(tx, conn, records);
  return std::move(records.front());
}

void write_subscriptions(pqxx::transaction_base& tx, Connection& conn, const EndpointId& id,
                         const std::map<std::string, std::string>& subscriptions) {
  std::vector<std::string> patterns;
  std::vector<std::string> keys;
  for (const auto& [pattern, key] : subscriptions) {
    patterns.push_back(pattern);
    keys.push_back(key);
  }
  exec(tx, conn, kPruneSubscriptions, id.str(), join_words(patterns));
  exec(tx, conn, kSetSubscriptions, id.str(), join_words(patterns), join_words(keys));
}

enum class ListDirection { first, after, before };

// One prepared statement per combination of filters and direction, with no
// parameter-dependent ORs: a generic plan can then always walk the
// (account_id, seq) index in order and stop after limit+1 rows.
class ListStatement {
 public:
  ListStatement(bool by_status, bool by_event, ListDirection direction) {
    int next = 3;
    std::string where = "WHERE e.account_id = $1";
    if (direction != ListDirection::first) {
      where += direction == ListDirection::after ? " AND e.seq < $" : " AND e.seq > $";
      where += std::to_string(next++);
    }
    if (by_status) where += " AND e.status = $" + std::to_string(next++);
    if (by_event) {
      auto param = "$" + std::to_string(next++);
      // The parameter is every pattern that matches the type (space-separated;
      // patterns never contain spaces): one primary-key probe per row.
      where += " AND EXISTS (SELECT 1 FROM endpoint_subscriptions s WHERE s.endpoint_id = e.id"
               " AND s.pattern = ANY (string_to_array(" + param + "::text, ' ')))";
    }
    sql_ = std::string(HG_ENDPOINT_COLUMNS) + where + " ORDER BY e.seq " +
           (direction == ListDirection::before ? "ASC" : "DESC") + " LIMIT $2";
    name_ = "endpoint_list_" + std::to_string(static_cast<int>(direction)) + (by_status ? "_s" : "") +
            (by_event ? "_e" : "");
  }
  Statement statement() const { return {name_, sql_}; }

 private:
  std::string name_;
  std::string sql_;
};

const ListStatement& list_statement(bool by_status, bool by_event, ListDirection direction) {
  static const std::vector<ListStatement> all = [] {
    std::vector<ListStatement> out;
    for (auto direction : {ListDirection::first, ListDirection::after, ListDirection::before}) {
      for (bool status : {false, true}) {
        for (bool event : {false, true}) out.emplace_back(status, event, direction);
      }
    }
    return out;
  }();
  return all[static_cast<std::size_t>(direction) * 4 + (by_status ? 2 : 0) + (by_event ? 1 : 0)];
}

}  // namespace

std::vector<std::string> EndpointRecord::patterns() const {
  std::vector<std::string> out;
  for (const auto& subscription : subscriptions) out.push_back(subscription.pattern);
  return out;
}

std::optional<EndpointRecord> insert_endpoint(Connection& conn, const NewEndpoint& endpoint,
                                              std::size_t max_endpoints) {
  pqxx::work tx(conn.raw());
  // Serializes creations per account so the limit holds under concurrency.
  exec(tx, conn, kLockAccount, endpoint.account.str());
  auto count = exec(tx, conn, kCount, endpoint.account.str())[0][0].as<std::size_t>();
  if (count >= max_endpoints) return std::nullopt;
  exec(tx, conn, kInsert, endpoint.id.str(), endpoint.account.str(), endpoint.url, endpoint.description,
       metadata_json(endpoint.metadata));
  exec(tx, conn, kInsertSecret, endpoint.id.str(), bytea(endpoint.sealed_secret));
  std::map<std::string, std::string> subscriptions;
  for (const auto& pattern : endpoint.patterns) subscriptions[pattern] = endpoint.authorized_by.str();
  write_subscriptions(tx, conn, endpoint.id, subscriptions);
  auto record = load(tx, conn, kFind, endpoint.account, endpoint.id);
  tx.commit();
  return *record;
}

std::optional<EndpointRecord> find_endpoint(Connection& conn, const AccountId& account, const EndpointId& id) {
  pqxx::read_transaction tx(conn.raw());
  return load(tx, conn, kFind, account, id);
}

Page<EndpointRecord> list_endpoints(Connection& conn, const AccountId& account, const EndpointFilter& filter,
                                    const PageRequest& page) {
  pqxx::read_transaction tx(conn.raw());
  auto fetch = static_cast<long>(page.limit + 1);
  std::vector<std::string> params = {account.str(), std::to_string(fetch)};
  auto direction = ListDirection::first;
  const auto& cursor = page.starting_after ? page.starting_after : page.ending_before;
  if (cursor) {
    auto found = exec(tx, conn, kCursor, account.str(), *cursor);
    if (found.empty()) {
      throw UnknownCursor(page.starting_after ? "starting_after" : "ending_before", *cursor);
    }
    params.push_back(found[0][0].as<std::string>());
    direction = page.starting_after ? ListDirection::after : ListDirection::before;
  }
  if (filter.status) params.push_back(*filter.status);
  if (filter.event_type) params.push_back(join_words(patterns_matching(*filter.event_type)));
  auto statement = list_statement(filter.status.has_value(), filter.event_type.has_value(), direction).statement();
  conn.ensure_prepared(statement);
  auto result = tx.exec_prepared(std::string(statement.name), pqxx::prepare::make_dynamic_params(params));
  std::vector<EndpointRecord> rows;
  for (const auto& row : result) rows.push_back(to_record(row));
  auto out = make_page(std::move(rows), page);
  attach_subscriptions(tx, conn, out.data);
  return out;
}

std::optional<EndpointRecord> update_endpoint(Connection& conn, const AccountId& account, const EndpointId& id,
                                              const std::function<EndpointWrite(const EndpointRecord&)>& decide) {
  pqxx::work tx(conn.raw());
  auto current = load(tx, conn, kFindForUpdate, account, id);
  if (!current) return std::nullopt;
  auto write = decide(*current);
  bool enabled = write.enabled.value_or(current->enabled);
  std::string reason = enabled ? "" : write.disabled_reason.value_or(current->disabled_reason.value_or("manual"));
  exec(tx, conn, kUpdate, account.str(), id.str(), write.url.value_or(current->url),
       write.description.value_or(current->description), metadata_json(write.metadata.value_or(current->metadata)),
       std::string(enabled ? "enabled" : "disabled"), reason);
  if (write.subscriptions) write_subscriptions(tx, conn, id, *write.subscriptions);
  auto record = load(tx, conn, kFind, account, id);
  tx.commit();
  return record;
}

bool delete_endpoint(Connection& conn, const AccountId& account, const EndpointId& id) {
  pqxx::work tx(conn.raw());
  auto result = exec(tx, conn, kDelete, account.str(), id.str());
  tx.commit();
  return result.affected_rows() > 0;
}

bool roll_endpoint_secret(Connection& conn, const AccountId& account, const EndpointId& id,
                          const std::string& sealed_secret, std::chrono::seconds grace) {
  pqxx::work tx(conn.raw());
  if (exec(tx, conn, kFindForUpdate, account.str(), id.str()).empty()) return false;
  exec(tx, conn, kExpireSecrets, id.str(), static_cast<double>(grace.count()));
  exec(tx, conn, kInsertSecret, id.str(), bytea(sealed_secret));
  tx.commit();
  return true;
}

}  // namespace hookgate::db
