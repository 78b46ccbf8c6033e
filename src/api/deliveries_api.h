#pragma once
// /v1/webhook_deliveries, /v1/webhook_endpoints/{id}/recover and
// /v1/retry_jobs: decode, call the delivery service, encode.

#include "api/gate.h"
#include "services/delivery_service.h"

#include <vector>

namespace hookgate {

std::vector<ApiRoute> delivery_routes(DeliveryService& service);

}  // namespace hookgate
