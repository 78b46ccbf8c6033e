#include "api/storage_failure.h"

#include "core/log.h"
#include "db/connection_failure.h"
#include "db/storage_error.h"

namespace hookgate {

namespace {

ApiError unavailable(db::UnavailableReason reason) {
  switch (reason) {
    case db::UnavailableReason::shutting_down:
      return ApiError(Errc::service_unavailable, "The service is shutting down.");
    case db::UnavailableReason::pool_exhausted:
      return ApiError(Errc::service_unavailable, "The database is busy; try again shortly.");
    case db::UnavailableReason::unreachable: break;
  }
  return ApiError(Errc::service_unavailable, "The database is unavailable; retry shortly.");
}

}  // namespace

std::optional<ApiError> as_unavailable(const std::exception& error) {
  if (const auto* away = dynamic_cast<const db::Unavailable*>(&error)) return unavailable(away->reason());
  if (db::is_connection_failure(error)) return unavailable(db::UnavailableReason::unreachable);
  return std::nullopt;
}

std::optional<ApiError> translate_storage_failure(const std::exception& error, const http::Request& request) {
  auto translated = as_unavailable(error);
  // The pool's refusals are expected under load; a connection lost mid-request is worth a line.
  if (translated && dynamic_cast<const db::Unavailable*>(&error) == nullptr) {
    log::warn("database unavailable", {{"request_id", request.request_id}, {"error", error.what()}});
  }
  return translated;
}

}  // namespace hookgate
