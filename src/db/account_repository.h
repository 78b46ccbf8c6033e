#pragma once

#include "core/clock.h"
#include "db/pool.h"
#include "domain/account.h"
#include "domain/ids.h"

#include <optional>
#include <string>

namespace hookgate::db {


AccountRecord insert_account(Connection& conn, const AccountId& id, const std::string& name);
std::optional<AccountRecord> find_account(Connection& conn, const AccountId& id);
std::optional<AccountRecord> find_account_by_name(Connection& conn, const std::string& name);

}  // namespace hookgate::db
