#pragma once
// Bad requests generated from an OpenAPI document: each operation's request
// body properties, path, query and header parameters get wrong types, U+0000,
// numbers no 64-bit type or double holds, 10,000-deep nesting, over-long and
// invalid UTF-8 strings, unknown and duplicate fields, and bodies that are
// not JSON at all. The cases are bytes as sent (a body is raw text, so it can
// hold what no JSON library would write).

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::testing {

struct Operation {
  std::string method;         // "GET", ...
  std::string path;           // as documented: "/v1/webhook_endpoints/{id}"
  nlohmann::json parameters;  // resolved Parameter objects (path-level ones included)
  nlohmann::json body_schema; // resolved request body schema, null when the operation takes none
  bool body_required = false;
  bool authenticated = false; // false when `security: []`
};

// Every operation under `paths`, $refs resolved (one level per property).
std::vector<Operation> document_operations(const nlohmann::json& document);

// The number of operations the document lists, counted on its own.
std::size_t count_operations(const nlohmann::json& document);

struct BadRequest {
  std::string label;   // what is wrong, for failure messages
  std::string target;  // path and query, percent-encoded as sent
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Values that are valid for a property whose schema alone cannot say what is
// valid (a URL the server accepts, a subscribable pattern, a recent time),
// by property name; other properties get a value made from their schema.
using KnownGoodValues = std::map<std::string, nlohmann::json>;

// Path parameter values (percent-encoded) by name, for one operation.
using PathValues = std::map<std::string, std::string>;

// The valid request of `operation`: `path_values` fills each `{name}`,
// required body properties get valid values.
BadRequest valid_request(const Operation& operation, const PathValues& path_values,
                         const KnownGoodValues& known_good);

// Every bad variant of the valid request, each with one thing wrong.
std::vector<BadRequest> bad_requests(const Operation& operation, const PathValues& path_values,
                                     const KnownGoodValues& known_good);

}  // namespace hookgate::testing
