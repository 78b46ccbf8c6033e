#pragma once
// /internal/v1: the platform's operator plane, authenticated by
// HOOKGATE_OPERATOR_TOKEN and answered 404 OPERATOR_PLANE_DISABLED when no
// token is configured.

#include "auth/failure_throttle.h"
#include "http/router.h"
#include "services/account_erasure_service.h"
#include "services/event_service.h"
#include "services/operator_service.h"

#include <optional>
#include <string>

namespace hookgate {

// Wrong operator tokens spend the caller's address's failure budget, as
// refused API keys do.
struct OperatorThrottle {
  AuthFailureThrottle& failures;
  std::string client_ip_header;
};

struct OperatorServices {
  OperatorService& accounts;
  EventService& events;
  AccountErasureService& erasures;
};

void add_operator_routes(http::Router& router, OperatorServices services, std::optional<std::string> token,
                         OperatorThrottle throttle);

}  // namespace hookgate
