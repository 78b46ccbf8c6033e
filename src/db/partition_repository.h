#pragma once
// Day partitions of the history tables (V018, hookgate_partitioned_tables):
// making them before the rows that need them arrive.

#include "db/pool.h"

#include <optional>

namespace hookgate::db {

// The advisory lock that makes partition upkeep run in one process at a time.
inline constexpr long long kPartitionUpkeepLock = 0x686b67'70617274;  // "hkgpart"

// Creates every partitioned table's partitions from today (UTC) through
// `days_ahead` days ahead that do not exist yet, and returns how many it
// made; nullopt when another process holds kPartitionUpkeepLock (it is
// doing the same).
std::optional<int> create_partitions_ahead(Connection& conn, int days_ahead);

}  // namespace hookgate::db
