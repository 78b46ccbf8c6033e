#pragma once
// /v1/webhook_endpoints: decode, call the endpoint service, encode.

#include "api/gate.h"
#include "domain/catalogue_store.h"
#include "services/endpoint_service.h"

#include <vector>

namespace hookgate {

std::vector<ApiRoute> endpoint_routes(EndpointService& service, const CatalogueStore& catalogue);

}  // namespace hookgate
