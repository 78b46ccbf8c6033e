#pragma once
// Load for tests of a database that goes away (an outage, a failover): many
// clients at once, each going through a list of calls, with a check of every
// answer. The checks share one meaning of "an outage answer".

#include "support/api_fixture.h"
#include "support/http_client.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace hookgate::testing {

struct Call {
  std::string method;
  std::string target;
  std::string body;
  Headers headers;
};

// Returns what is wrong with a response, or "" when it is as expected.
using Check = std::function<std::string(const Call&, const HttpResponse&)>;

// Runs `calls` from `clients` threads at once, each going through all of them
// (thread i against ports[i % ports.size()]); returns what `check` found
// wrong, and every call that got no answer within ten seconds (a hang).
std::vector<std::string> run_concurrently(const std::vector<Call>& calls, const std::vector<unsigned short>& ports,
                                          const Check& check, int clients = 16);

// "" for none, else how many and the first few (a failing run has thousands).
std::string summary(const std::vector<std::string>& failures);

// An outage answer: 503 with Retry-After: 1 and the API's JSON error shape
// (for /readyz, its not-ready body).
std::string unless_unavailable(const Call& call, const HttpResponse& response);

// Connections that hookgate processes hold on the database at `url`, other
// than their LISTEN connections.
int hookgate_connections(const std::string& url);

// Of the events `event_ids`, how many have no succeeded delivery in the
// database at `url`.
std::size_t undelivered(const std::string& url, const std::set<std::string>& event_ids);

}  // namespace hookgate::testing
