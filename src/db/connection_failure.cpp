#include "db/connection_failure.h"

#include <pqxx/except>

#include <typeinfo>

namespace hookgate::db {

bool is_unavailable_sqlstate(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
         sqlstate == "53300";
}

bool is_connection_failure(const std::exception& error) {
  // broken_connection covers libpqxx's "not connected" and SQLSTATE class 08;
  // in_doubt_error and statement_completion_unknown mean the connection broke
  // before the server's answer arrived.
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr ||
      dynamic_cast<const pqxx::statement_completion_unknown*>(&error) != nullptr) {
    return true;
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) return is_unavailable_sqlstate(sql->sqlstate());
  // A bare pqxx::failure is libpq trouble below SQL, such as a reset of a
  // lost connection that could not reach the server; its subclasses are not.
  return typeid(error) == typeid(pqxx::failure);
}

}  // namespace hookgate::db
