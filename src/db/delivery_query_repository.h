#pragma once
// What dashboards read about deliveries (lists, one delivery with its
// attempts) and the manual retry of one delivery. Every query takes the
// account id: another account's delivery is simply not found.

#include "core/clock.h"
#include "db/pool.h"
#include "domain/delivery.h"
#include "domain/ids.h"
#include "domain/pagination.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookgate::db {

// Newest first by id (which is by creation time); nullopt when the page's cursor is not a
// delivery of the account.
std::optional<Page<DeliverySummary>> list_deliveries(Connection& conn, const AccountId& account,
                                                     const DeliveryFilter& filter, const PageRequest& page);

std::optional<DeliveryDetail> find_delivery(Connection& conn, const AccountId& account, const DeliveryId& id);

// The statements that read one delivery, each taking $1 the account and $2
// the delivery id: a test reads their plans to see that each reaches one
// partition of each table.
const std::vector<Statement>& delivery_by_id_statements();


// Schedules an immediate attempt of the delivery (the same webhook-id) unless
// it is refused, recording `requested_by` for the audit. One transaction: a
// refusal is reported with the delivery as read under the same locks.
RetryResult retry_delivery(Connection& conn, const AccountId& account, const DeliveryId& id,
                           const ApiKeyId& requested_by);

}  // namespace hookgate::db
