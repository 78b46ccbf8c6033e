#include "db/keyset_page.h"

#include <functional>
#include <map>
#include <mutex>

namespace hookgate::db {

namespace {

// Statement texts live for the process so connections can prepare them by name.
Statement remembered(std::string name, const std::function<std::string()>& sql) {
  static std::mutex mutex;
  static std::map<std::string, std::string, std::less<>> texts;
  std::lock_guard lock(mutex);
  auto it = texts.find(name);
  if (it == texts.end()) it = texts.emplace(std::move(name), sql()).first;
  return {it->first, it->second};
}

}  // namespace

KeysetPage::KeysetPage(const KeysetList& list, const AccountId& account, const PageRequest& page)
    : list_(list), page_(page), params_{account.str(), std::to_string(page.rows_to_fetch())},
      name_(list.name), where_("WHERE " + std::string(list.account_column) + " = $1") {}

std::string KeysetPage::bind(std::string value) {
  params_.push_back(std::move(value));
  return "$" + std::to_string(params_.size());
}

void KeysetPage::where(std::string_view tag, std::string condition) {
  name_ += "_";
  name_ += tag;
  where_ += " AND " + condition;
}

std::optional<pqxx::result> KeysetPage::run(pqxx::transaction_base& tx, Connection& conn) {
  auto direction = page_.direction();
  std::string keyset;
  if (const auto& cursor = page_.cursor()) {
    auto found = exec(tx, conn, list_.cursor, params_[0], *cursor);
    if (found.empty()) return std::nullopt;
    std::string columns;
    std::string values;
    for (std::size_t i = 0; i < list_.sort.size(); ++i) {
      columns += (i ? ", " : "") + std::string(list_.sort[i].column);
      values += (i ? ", " : "") + bind(found[0][static_cast<int>(i)].as<std::string>()) + "::" +
                std::string(list_.sort[i].type);
    }
    keyset = " AND (" + columns + ") " + (direction == PageDirection::after ? "<" : ">") + " (" + values + ")";
  }
  const char* order = direction == PageDirection::before ? " ASC" : " DESC";
  auto statement = remembered(name_ + "_" + std::to_string(static_cast<int>(direction)), [&] {
    std::string by;
    for (const auto& column : list_.sort) by += (by.empty() ? "" : ", ") + std::string(column.column) + order;
    return std::string(list_.select) + where_ + keyset + " ORDER BY " + by + " LIMIT $2";
  });
  conn.ensure_prepared(statement);
  // LIMIT is a parameter, so PostgreSQL would plan every page afresh (a
  // generic plan looks dear when the limit is unknown): 5 ms a page over a
  // month of day partitions. The generic plan reads the partitions in order
  // and prunes by the cursor when it runs.
  tx.exec0("SET LOCAL plan_cache_mode = force_generic_plan");
  return tx.exec_prepared(std::string(statement.name), pqxx::prepare::make_dynamic_params(params_));
}

}  // namespace hookgate::db
