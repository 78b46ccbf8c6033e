#include "db/sealed_columns.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

// The statements of one sealed column, over its table's primary key (two
// columns, the second of type `key_2_type`), so that every batch walks the
// key's index from where the previous one stopped.
struct ColumnStatements {
  ColumnStatements(std::string_view table, std::string_view key_1, std::string_view key_2,
                   std::string_view key_2_type, std::string_view plain, std::string_view sealed) {
    std::string t(table), k1(key_1), k2(key_2), k2t(key_2_type), p(plain), s(sealed);
    std::string keys = k1 + ", " + k2 + "::text, ";
    std::string key_id = "substring(" + s + " FROM 2 FOR 4)";  // bytes 2 to 5: the key id
    std::string row = " WHERE " + k1 + " = $1 AND " + k2 + " = $2::" + k2t;
    sql = {
        "SELECT " + keys + p + " FROM " + t + " WHERE " + p + " IS NOT NULL LIMIT $1",
        "SELECT " + keys + s + " FROM " + t + " WHERE (" + k1 + ", " + k2 + ") > ($2, $3::" + k2t + ") AND " + s +
            " IS NOT NULL AND " + key_id + " <> $1 ORDER BY " + k1 + ", " + k2 + " LIMIT $4",
        "SELECT DISTINCT ON (" + key_id + ") " + keys + s + " FROM " + t + " WHERE " + s + " IS NOT NULL ORDER BY " +
            key_id,
        "UPDATE " + t + " SET " + s + " = $3, " + p + " = NULL" + row + " AND " + p + " = $4",
        "UPDATE " + t + " SET " + s + " = $3" + row + " AND " + s + " = $4",
        "SELECT count(*) FROM " + t + " WHERE " + p + " IS NOT NULL",
    };
    const char* suffixes[] = {"plain", "sealed", "samples", "seal", "reseal", "count"};
    for (std::size_t i = 0; i < sql.size(); ++i) names.push_back("sealed_" + t + "_" + suffixes[i]);
  }

  Statement get(std::size_t i) const { return {names[i], sql[i]}; }
  Statement plaintext() const { return get(0); }
  Statement sealed_after() const { return get(1); }
  Statement samples() const { return get(2); }
  Statement seal() const { return get(3); }
  Statement reseal() const { return get(4); }
  Statement count() const { return get(5); }

  std::vector<std::string> sql;
  std::vector<std::string> names;
};

const ColumnStatements& statements(SealedColumn column) {
  static const ColumnStatements endpoint_secrets("endpoint_secrets", "endpoint_id", "seq", "bigint", "secret",
                                                 "sealed_secret");
  static const ColumnStatements idempotency_keys("idempotency_keys", "account_id", "key", "text", "response_body",
                                                 "sealed_response_body");
  return column == SealedColumn::endpoint_secret ? endpoint_secrets : idempotency_keys;
}

std::string binding_of(SealedColumn column, const std::string& key_1, const std::string& key_2) {
  return column == SealedColumn::endpoint_secret ? endpoint_secret_binding(EndpointId::from_trusted(key_1))
                                                 : idempotency_response_binding(AccountId::from_trusted(key_1), key_2);
}

std::string bytes_of(const pqxx::field& field) { return pqxx::binarystring(field).str(); }

std::vector<StoredSecret> rows_of(SealedColumn column, const pqxx::result& result, bool sealed) {
  std::vector<StoredSecret> out;
  out.reserve(result.size());
  for (const auto& row : result) {
    auto key_1 = row[0].as<std::string>();
    auto key_2 = row[1].as<std::string>();
    auto binding = binding_of(column, key_1, key_2);
    out.push_back({key_1, key_2, std::move(binding), sealed ? bytes_of(row[2]) : row[2].as<std::string>()});
  }
  return out;
}

std::string_view key_id_bytes(const SecretKeyRing::KeyId& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

}  // namespace

std::string endpoint_secret_binding(const EndpointId& endpoint) {
  return std::string("endpoint_secrets.sealed_secret") + '\0' + endpoint.str();
}

std::string idempotency_response_binding(const AccountId& account, const std::string& key) {
  return std::string("idempotency_keys.sealed_response_body") + '\0' + account.str() + '\0' + key;
}

const std::vector<SealedColumn>& sealed_columns() {
  static const std::vector<SealedColumn> all = {SealedColumn::endpoint_secret, SealedColumn::idempotency_response};
  return all;
}

std::string column_label(SealedColumn column) {
  return column == SealedColumn::endpoint_secret ? "endpoint_secrets.sealed_secret"
                                                 : "idempotency_keys.sealed_response_body";
}

std::vector<StoredSecret> plaintext_batch(Connection& conn, SealedColumn column, std::size_t limit) {
  pqxx::read_transaction tx(conn.raw());
  return rows_of(column, exec(tx, conn, statements(column).plaintext(), static_cast<long>(limit)), false);
}

std::vector<StoredSecret> sealed_batch(Connection& conn, SealedColumn column, const SecretKeyRing::KeyId& key_id,
                                       const std::string& after_1, const std::string& after_2, std::size_t limit) {
  pqxx::read_transaction tx(conn.raw());
  // ("", "0") sorts before every row: ids are never empty.
  pqxx::binarystring id(key_id_bytes(key_id).data(), key_id.size());
  auto result = exec(tx, conn, statements(column).sealed_after(), id, after_1, after_1.empty() ? "0" : after_2,
                     static_cast<long>(limit));
  return rows_of(column, result, true);
}

std::vector<StoredSecret> sealed_samples_per_key(Connection& conn, SealedColumn column) {
  pqxx::read_transaction tx(conn.raw());
  return rows_of(column, exec(tx, conn, statements(column).samples()), true);
}

std::size_t replace_with_sealed(Connection& conn, SealedColumn column, const std::vector<StoredSecret>& rows,
                                const std::vector<std::string>& sealed, bool from_plaintext) {
  pqxx::work tx(conn.raw());
  std::size_t replaced = 0;
  const auto& all = statements(column);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    pqxx::binarystring value(sealed[i].data(), sealed[i].size());
    auto result = from_plaintext
                      ? exec(tx, conn, all.seal(), row.row_key_1, row.row_key_2, value, row.value)
                      : exec(tx, conn, all.reseal(), row.row_key_1, row.row_key_2, value,
                             pqxx::binarystring(row.value.data(), row.value.size()));
    replaced += result.affected_rows();
  }
  tx.commit();
  return replaced;
}

std::size_t count_plaintext(Connection& conn, SealedColumn column) {
  pqxx::read_transaction tx(conn.raw());
  return exec(tx, conn, statements(column).count())[0][0].as<std::size_t>();
}

}  // namespace hookgate::db
