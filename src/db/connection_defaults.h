#pragma once
// Connection settings hookgate adds to HOOKGATE_DATABASE_URL unless the URL
// sets them itself, so that losing the database's machine (no TCP reset, as
// in a failover) costs seconds, not libpq's defaults of waiting forever to
// connect and hours to notice a dead peer:
//   connect_timeout=3         each host of a multi-host URL gets 3 s
//   keepalives_idle=10, keepalives_interval=3, keepalives_count=3
//                             an idle connection (the LISTEN one) found dead in ~20 s
//   tcp_user_timeout=15000    a statement whose bytes the peer never acknowledges
//                             fails after 15 s instead of the kernel's ~15 minutes
// Both libpq forms are understood (URI and keyword=value); the result is in
// keyword=value form.

#include <string>

namespace hookgate::db {

// `conninfo` with the defaults above added; throws std::invalid_argument with
// libpq's message when libpq cannot parse it.
std::string with_connection_defaults(const std::string& conninfo);

}  // namespace hookgate::db
