#include "support/bad_inputs.h"

#include "support/text.h"

#include <algorithm>

namespace hookgate::testing {

namespace {

using json = nlohmann::json;

constexpr std::size_t kDeepNesting = 10000;
// Beyond the server's 1 MiB body limit (413), and well within it (each
// field's own length limit).
constexpr std::size_t kOverBodyLimit = 1100 * 1024;
constexpr std::size_t kLongString = 100 * 1024;

const std::vector<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};

const json& resolve(const json& document, const json& node) {
  const json* current = &node;
  while (current->is_object() && current->contains("$ref")) {
    auto ref = current->at("$ref").get<std::string>();
    current = &document.at(json::json_pointer(ref.substr(1)));  // "#/components/..."
  }
  return *current;
}

json resolved_schema(const json& document, const json& schema) {
  json out = resolve(document, schema);
  if (out.contains("properties")) {
    for (auto& [name, property] : out["properties"].items()) property = resolve(document, property);
  }
  return out;
}

// A JSON object as (key, raw value text) members, so a body can hold
// duplicate keys and numbers no JSON library would write.
using Members = std::vector<std::pair<std::string, std::string>>;

std::string object_text(const Members& members) {
  std::string out = "{";
  for (const auto& [key, raw] : members) {
    if (out.size() > 1) out += ",";
    out += json(key).dump() + ":" + raw;
  }
  return out + "}";
}

std::string deep_arrays() { return repeat("[", kDeepNesting) + repeat("]", kDeepNesting); }
std::string deep_objects() { return repeat("{\"a\":", kDeepNesting) + "1" + repeat("}", kDeepNesting); }

json schema_value(const json& schema) {
  if (schema.contains("default")) return schema["default"];
  if (schema.contains("enum")) return schema["enum"][0];
  auto type = schema.value("type", json("string"));
  if (type.is_array()) type = type[0];
  if (type == "integer" || type == "number") return schema.value("minimum", 0);
  if (type == "boolean") return false;
  if (type == "array") return json::array({schema_value(schema.value("items", json::object()))});
  if (type == "object") return json::object();
  if (type == "null") return nullptr;
  return "x";
}

json good_value(const std::string& name, const json& schema, const KnownGoodValues& known_good) {
  auto it = known_good.find(name);
  return it != known_good.end() ? it->second : schema_value(schema);
}

// The valid body's members: the required properties, in document order.
Members valid_members(const Operation& operation, const KnownGoodValues& known_good) {
  Members members;
  if (!operation.body_schema.is_object()) return members;
  const auto required = operation.body_schema.value("required", json::array());
  const auto properties = operation.body_schema.value("properties", json::object());
  for (const auto& [name, schema] : properties.items()) {
    if (std::find(required.begin(), required.end(), name) != required.end()) {
      members.emplace_back(name, good_value(name, schema, known_good).dump());
    }
  }
  return members;
}

Members with_member(Members members, const std::string& name, const std::string& raw) {
  auto it = std::find_if(members.begin(), members.end(), [&](const auto& member) { return member.first == name; });
  if (it != members.end()) it->second = raw;
  else members.emplace_back(name, raw);
  return members;
}

// Raw values of every kind, for a field that expects one of them.
const std::vector<std::pair<std::string, std::string>> kWrongTypes = {
    {"an integer", "42"},         {"a negative float", "-1.5"}, {"true", "true"},
    {"false", "false"},           {"null", "null"},             {"a string", "\"text\""},
    {"an empty string", "\"\""},  {"an empty array", "[]"},     {"a mixed array", "[1,\"a\",null,{}]"},
    {"an empty object", "{}"},    {"an object", "{\"a\":{\"b\":1}}"},
};

const std::vector<std::pair<std::string, std::string>> kNulValues = {
    {"U+0000 in a string", "\"a\\u0000b\""},
    {"U+0000 alone", "\"\\u0000\""},
    {"U+0000 in an array item", "[\"a\\u0000\"]"},
    {"U+0000 in a key", "{\"k\\u0000\":\"v\"}"},
    {"U+0000 in a member value", "{\"k\":\"v\\u0000\"}"},
    {"U+0000 nested", "{\"k\":[{\"\\u0000\":[\"\\u0000\"]}]}"},
};

const std::vector<std::pair<std::string, std::string>> kHugeNumbers = {
    {"1e400", "1e400"},
    {"-1e400", "-1e400"},
    {"2^64", "18446744073709551616"},
    {"-2^63-1", "-9223372036854775809"},
    {"2^63", "9223372036854775808"},
    {"a 30-digit integer", "123456789012345678901234567890"},
    {"1e-400", "1e-400"},
    {"a long fraction", "0." + repeat("1", 400)},
};

const std::vector<std::pair<std::string, std::string>> kBadUtf8 = {
    {"bytes FF FE", "\"\xff\xfe\""},
    {"an overlong '/'", "\"\xc0\xaf\""},
    {"an encoded surrogate", "\"\xed\xa0\x80\""},
    {"a truncated sequence", "\"a\xe2\x98\""},
    {"a lone high surrogate escape", "\"\\ud800\""},
    {"a lone low surrogate escape", "\"\\udc00x\""},
    {"a code point beyond U+10FFFF", "\"\xf4\x90\x80\x80\""},
    {"an invalid key", "{\"\xff\":\"v\"}"},
};

// Whole bodies that are no valid JSON object.
std::vector<std::pair<std::string, std::string>> bad_bodies() {
  return {
      {"blank", "   "},
      {"plain text", "not json"},
      {"an unfinished object", "{"},
      {"an unfinished member", "{\"a\":"},
      {"a trailing comma", "{\"a\":1,}"},
      {"single quotes", "{'a':1}"},
      {"garbage after the object", "{}garbage"},
      {"two objects", "{}{}"},
      {"an array", "[]"},
      {"an array of objects", "[{}]"},
      {"a string", "\"s\""},
      {"a number", "1"},
      {"null", "null"},
      {"true", "true"},
      {"a byte FF", "\xff"},
      {"a UTF-8 BOM", "\xef\xbb\xbf{}"},
      {"a UTF-16 body", std::string("{\0}\0", 4)},
      {"a NUL byte", std::string("{\0}", 3)},
      {"10,000 nested arrays", deep_arrays()},
      {"10,000 nested objects", deep_objects()},
      {"10,000 unclosed arrays", repeat("[", kDeepNesting)},
      {"U+0000 in an unknown key", "{\"\\u0000\":1}"},
      {"an invalid UTF-8 key", "{\"\xc3\x28\":1}"},
      {"a huge number member", "{\"zz\":1e400}"},
  };
}

// Path parameter values, percent-encoded as sent.
const std::vector<std::string> kBadPathValues = {
    "x", "0", "-1", "99999999999999999999999", "we_", "whd_", "whr_", "%00", "a%00b", "%FF", "%C0%AF",
    "%ED%A0%80", "%E2%98%83", "%2E%2E", "a%2Fb", "%20", "%25", "we_%00", "%27%20OR%201=1--", "%5B%5D",
    "we_AAAAAAAAAAAAAAAAAAAAAA", "whd_AAAAAAAAAAAAAAAAAAAAAA", "whr_AAAAAAAAAAAAAAAAAAAAAA",
    "acct_AAAAAAAAAAAAAAAAAAAAAA", std::string(300, 'a'), "we_" + std::string(4000, 'Z'),
};

const std::vector<std::string> kBadQueryValues = {
    "%00", "a%00b", "%FF", "%C0%AF", "", "1e400", "18446744073709551616", "-9223372036854775809", "-1", "0",
    "1.5", "abc", "%E2%98%83", "%20", std::string(2000, 'x'), "we_AAAAAAAAAAAAAAAAAAAAAA", "true", "null",
    "%5B%5D", "%7B%7D",
};

// Target-level query strings that are wrong whatever the operation.
const std::vector<std::string> kBadQueries = {
    "zz_unknown=1", "%00=1", "%FF=1", "=1", "&&&", "a", "a%00b=1", "zz%5B%5D=1", "zz[x]=1",
};

const std::vector<std::pair<std::string, std::string>> kBadHeaderValues = {
    {"empty", ""},
    {"too long", std::string(300, 'k')},
    {"non-ASCII bytes", "\xff\xfe"},
    {"UTF-8", "\xe2\x98\x83"},
    {"a control byte", "a\x01b"},
    {"a tab", "a\tb"},
    {"spaces", "key with spaces"},
};

std::string fill_path(const std::string& pattern, const PathValues& values) {
  std::string out = pattern;
  for (const auto& [name, value] : values) {
    auto at = out.find("{" + name + "}");
    if (at != std::string::npos) out.replace(at, name.size() + 2, value);
  }
  return out;
}

std::string type_of(const json& schema) {
  auto type = schema.value("type", json("string"));
  return type.is_array() ? type[0].get<std::string>() : type.get<std::string>();
}

}  // namespace

std::vector<Operation> document_operations(const json& document) {
  std::vector<Operation> operations;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& method : kMethods) {
      if (!item.contains(method)) continue;
      const json& op = item[method];
      Operation operation;
      operation.method = upper_ascii(method);
      operation.path = path;
      operation.parameters = json::array();
      for (const auto* list : {&item, &op}) {
        for (const auto& parameter : list->value("parameters", json::array())) {
          operation.parameters.push_back(resolve(document, parameter));
        }
      }
      if (op.contains("requestBody")) {
        const json& body = resolve(document, op["requestBody"]);
        operation.body_required = body.value("required", false);
        operation.body_schema = resolved_schema(document, body.at("content").at("application/json").at("schema"));
      }
      auto security = op.contains("security") ? op["security"] : document.value("security", json::array());
      operation.authenticated = !security.empty();
      operations.push_back(std::move(operation));
    }
  }
  return operations;
}

std::size_t count_operations(const json& document) {
  std::size_t count = 0;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [key, value] : item.items()) {
      count += std::find(kMethods.begin(), kMethods.end(), key) != kMethods.end() ? 1 : 0;
    }
  }
  return count;
}

BadRequest valid_request(const Operation& operation, const PathValues& path_values,
                         const KnownGoodValues& known_good) {
  BadRequest request{"the valid request", fill_path(operation.path, path_values), "", {}};
  if (operation.body_schema.is_object()) {
    request.body = object_text(valid_members(operation, known_good));
    request.headers.emplace_back("Content-Type", "application/json");
  }
  return request;
}

std::vector<BadRequest> bad_requests(const Operation& operation, const PathValues& path_values,
                                     const KnownGoodValues& known_good) {
  const BadRequest valid = valid_request(operation, path_values, known_good);
  std::vector<BadRequest> out;
  auto add = [&](std::string label, std::string target, std::string body,
                 std::vector<std::pair<std::string, std::string>> headers) {
    out.push_back({std::move(label), std::move(target), std::move(body), std::move(headers)});
  };
  auto with_body = [&](const std::string& label, std::string body) { add(label, valid.target, std::move(body), valid.headers); };

  // Path parameters.
  for (const auto& parameter : operation.parameters) {
    auto name = parameter.at("name").get<std::string>();
    auto in = parameter.at("in").get<std::string>();
    if (in == "path") {
      for (const auto& value : kBadPathValues) {
        auto values = path_values;
        values[name] = value;
        add("path " + name + " = " + value.substr(0, 40), fill_path(operation.path, values), valid.body,
            valid.headers);
      }
    } else if (in == "query") {
      for (const auto& value : kBadQueryValues) {
        add("query " + name + " = " + value.substr(0, 40), valid.target + "?" + name + "=" + value, valid.body,
            valid.headers);
      }
      add("query " + name + " twice", valid.target + "?" + name + "=1&" + name + "=2", valid.body, valid.headers);
      add("query " + name + " without a value", valid.target + "?" + name, valid.body, valid.headers);
      add("query " + name + "[] (array style)", valid.target + "?" + name + "%5B%5D=1", valid.body, valid.headers);
    } else if (in == "header") {
      for (const auto& [label, value] : kBadHeaderValues) {
        auto headers = valid.headers;
        headers.emplace_back(name, value);
        add("header " + name + " " + label, valid.target, valid.body, headers);
      }
      // A valid header value with bodies that are bad: whatever reads the
      // body because of the header (an idempotency fingerprint) meets them too.
      for (const auto& [label, body] : {std::pair{"10,000 nested arrays", deep_arrays()},
                                        std::pair{"10,000 nested objects", deep_objects()},
                                        std::pair{"a duplicate key", std::string(R"({"a":1,"a":2})")},
                                        std::pair{"a byte FF", std::string("\xff")}}) {
        auto headers = valid.headers;
        headers.emplace_back(name, "bad-input-" + std::to_string(out.size()));
        add("header " + name + " with a body of " + label, valid.target, body, headers);
      }
    }
  }
  for (const auto& query : kBadQueries) add("query " + query.substr(0, 40), valid.target + "?" + query, valid.body, valid.headers);

  // Whole bodies. Operations without one get a few too: a body they do not
  // expect must not break them either.
  auto bodies = bad_bodies();
  if (!operation.body_schema.is_object()) bodies.resize(4);
  for (const auto& [label, body] : bodies) with_body("body " + label, body);
  if (!operation.body_schema.is_object()) return out;

  const Members members = valid_members(operation, known_good);
  if (operation.body_required) add("an empty body", valid.target, "", {{"Content-Type", "application/json"}});
  with_body("an unknown field", object_text(with_member(members, "zz_unknown_field", "1")));
  with_body("a body over the size limit",
            object_text(with_member(members, "zz_padding", json(std::string(kOverBodyLimit, 'p')).dump())));
  add("a text/plain body", valid.target, valid.body, {{"Content-Type", "text/plain"}});
  add("a form body", valid.target, "url=x&enabled_events=*", {{"Content-Type", "application/x-www-form-urlencoded"}});
  add("no content type", valid.target, valid.body, {});

  // Each property: wrong types, U+0000, huge numbers, deep nesting, long and
  // invalid strings, and the property twice.
  const auto properties = operation.body_schema.value("properties", json::object());
  for (const auto& [name, schema] : properties.items()) {
    auto field = [&](const std::string& label, const std::string& raw) {
      with_body(name + " as " + label, object_text(with_member(members, name, raw)));
    };
    for (const auto& [label, raw] : kWrongTypes) field(label, raw);
    for (const auto& [label, raw] : kNulValues) field(label, raw);
    for (const auto& [label, raw] : kHugeNumbers) field(label, raw);
    for (const auto& [label, raw] : kBadUtf8) field(label, raw);
    field("10,000 nested arrays", deep_arrays());
    field("10,000 nested objects", deep_objects());
    field("a 100 KiB string", json(std::string(kLongString, 's')).dump());
    if (type_of(schema) == "array") field("10,000 items", "[" + repeat("\"a\",", kDeepNesting - 1) + "\"a\"]");
    if (type_of(schema) == "object") field("10,000 members", object_text([] {
                                              Members many;
                                              for (std::size_t i = 0; i < kDeepNesting; ++i) {
                                                many.emplace_back("k" + std::to_string(i), "\"v\"");
                                              }
                                              return many;
                                            }()));
    auto good = good_value(name, schema, known_good).dump();
    auto twice = members;
    twice.emplace_back(name, good);
    twice.emplace_back(name, "42");
    with_body("duplicate " + name + " (valid, then wrong)", object_text(twice));
    twice = with_member(members, name, "42");
    twice.emplace_back(name, good);
    with_body("duplicate " + name + " (wrong, then valid)", object_text(twice));
    twice = with_member(members, name, good);
    twice.emplace_back(name, good);
    with_body("duplicate " + name + " (the same value twice)", object_text(twice));
  }
  return out;
}

}  // namespace hookgate::testing
