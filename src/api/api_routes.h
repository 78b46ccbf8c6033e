#pragma once
// The one table of /v1 routes and the scopes each declares for its resource.
// The gate enforces them; tests generate the authorization matrix from it.

#include "api/gate.h"
#include "domain/catalogue_store.h"
#include "services/delivery_service.h"
#include "services/endpoint_service.h"

#include <vector>

namespace hookgate {

struct ApiServices {
  const CatalogueStore& catalogue;
  EndpointService& endpoints;
  DeliveryService& deliveries;
};

std::vector<ApiRoute> api_routes(ApiServices services);

}  // namespace hookgate
