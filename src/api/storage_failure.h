#pragma once
// What a client is told when storage cannot serve a request: 503
// SERVICE_UNAVAILABLE, which carries Retry-After (core/error.h), with a
// message that names no internals. Installed in the router by the
// composition root, so http/ needs no knowledge of the database.

#include "core/error.h"
#include "http/message.h"

#include <exception>
#include <optional>

namespace hookgate {

// The ApiError for db::Unavailable or a lost database connection
// (db/connection_failure.h); nullopt for every other failure.
std::optional<ApiError> as_unavailable(const std::exception& error);

// as_unavailable(), logging a lost connection with the request's id; the
// router's ErrorTranslator.
std::optional<ApiError> translate_storage_failure(const std::exception& error, const http::Request& request);

}  // namespace hookgate
