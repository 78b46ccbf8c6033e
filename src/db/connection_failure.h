#pragma once
// Which database failures mean "the database is away" rather than "this
// statement failed": the server stopped, restarted or refuses connections,
// or the connection broke. Requests that meet one get 503 with Retry-After
// (api/storage_failure.h; the server may well be back in a moment); every
// other failure keeps its own meaning.

#include <exception>
#include <string_view>

namespace hookgate::db {

// SQLSTATEs of a server that went or is going away: class 08 (connection
// exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
// cannot_connect_now, 53300 too_many_connections.
bool is_unavailable_sqlstate(std::string_view sqlstate);

bool is_connection_failure(const std::exception& error);

}  // namespace hookgate::db
