// Parsing for json_body: nlohmann's parser driven through its SAX interface,
// so that every value the database could not store as sent is refused while
// parsing, naming its place in the document (e.g. `data[items][2][name]`).

#include "core/json_body.h"

#include "core/error.h"
#include "core/storable_text.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace hookgate::json_body {

namespace {

using json = nlohmann::json;

// Paths in error messages and `param` are cut to this many bytes: keys may be
// as long as the body.
constexpr std::size_t kMaxPathBytes = 200;

// A SAX handler that checks each value, keeps track of where it is, and hands
// the value on to nlohmann's own DOM builder (its detail API: building the DOM
// is the library's job, checking is ours).
class CheckingParser {
 public:
  CheckingParser(json& root, std::string_view name, std::size_t max_depth)
      : dom_(root), name_(name), max_depth_(max_depth) {}

  bool null() { return done(dom_.null()); }
  bool boolean(bool value) { return done(dom_.boolean(value)); }
  bool number_integer(json::number_integer_t value) { return done(dom_.number_integer(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return done(dom_.number_unsigned(value)); }

  bool number_float(json::number_float_t value, const json::string_t& text) {
    // nlohmann reads an integer that fits no 64-bit type as a double, and a
    // number too close to zero as 0: both would be stored changed.
    if (text.find_first_of(".eE") == std::string::npos) {
      throw invalid_parameter(path(), label() + " is an integer outside the 64-bit range; send it as a string.");
    }
    if (value == 0 && text.substr(0, text.find_first_of("eE")).find_first_of("123456789") != std::string::npos) {
      throw invalid_parameter(path(), label() + " is too close to zero to be read as a double; send it as a string.");
    }
    return done(dom_.number_float(value, text));
  }

  bool string(json::string_t& value) {
    if (!is_storable_text(value)) throw unstorable_text(path());
    return done(dom_.string(value));
  }

  bool binary(json::binary_t& value) { return done(dom_.binary(value)); }

  bool key(json::string_t& key) {
    auto& frame = frames_.back();
    frame.key = key;
    if (!is_storable_text(key)) throw unstorable_text(path());
    // RFC 8259 leaves a repeated name's meaning open (nlohmann keeps the
    // last); refusing it means no two readers of a body can disagree.
    if (!frame.keys.insert(key).second) {
      throw ApiError(Errc::invalid_json, label() + " is given more than once; send each key once.",
                     {{"param", path()}});
    }
    return dom_.key(key);
  }

  bool start_object(std::size_t size) { return open(false) && dom_.start_object(size); }
  bool end_object() { return close() && done(dom_.end_object()); }
  bool start_array(std::size_t size) { return open(true) && dom_.start_array(size); }
  bool end_array() { return close() && done(dom_.end_array()); }

  bool parse_error(std::size_t position, const std::string& token, const json::exception& error) {
    constexpr int kNumberOverflow = 406;
    if (error.id == kNumberOverflow) {
      throw invalid_parameter(path(), label() + " is a number too large to be read as a double; send it as a string.");
    }
    // nlohmann's own message quotes raw input bytes, which may not be UTF-8;
    // report the position, and the place when the error is inside a string.
    std::string where = " (error at byte " + std::to_string(position) + ").";
    if (!token.empty() && token.front() == '"') {
      throw ApiError(Errc::invalid_json,
                     label() + " is not valid JSON: a string is not valid UTF-8, or holds a lone surrogate or an "
                               "unescaped control character" + where,
                     {{"param", path()}});
    }
    throw ApiError(Errc::invalid_json, whole() + " is not valid JSON" + where);
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;               // in an array: the element being read
    std::optional<std::string> key;  // in an object: the member being read
    std::set<std::string> keys;      // in an object: the members read so far
  };

  // The parser itself is iterative; the depth limit stops it before a deeply
  // nested body can cost memory or stack anywhere else (dump, destructors).
  bool open(bool array) {
    if (frames_.size() >= max_depth_) {
      throw ApiError(Errc::invalid_json,
                     whole() + " is nested more than " + std::to_string(max_depth_) + " levels deep.");
    }
    frames_.push_back({array, 0, std::nullopt, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  // After each complete value: move on to the next element or member.
  bool done(bool result) {
    if (!frames_.empty()) {
      auto& frame = frames_.back();
      if (frame.array) ++frame.index;
      else frame.key.reset();
    }
    return result;
  }

  // Where the parser is, Stripe style: name[key][index]...; a key being read
  // is included (U+0000 in it spelled out), so its own errors name it.
  std::string path() const {
    std::string out(name_);
    for (const auto& frame : frames_) {
      if (frame.array) {
        out += "[" + std::to_string(frame.index) + "]";
      } else if (frame.key) {
        std::string key;
        for (char c : *frame.key) key += c == '\0' ? std::string("\\u0000") : std::string(1, c);
        out += out.empty() ? key : "[" + key + "]";
      }
    }
    return cut(std::move(out));
  }

  static std::string cut(std::string text) {
    if (text.size() <= kMaxPathBytes) return text;
    std::size_t end = kMaxPathBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // whole characters only
    text.resize(end);
    return text + "...";
  }

  std::string whole() const { return name_.empty() ? "Request body" : std::string(name_); }
  std::string label() const {
    auto here = path();
    return here.empty() ? whole() : here;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string_view name_;
  std::size_t max_depth_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_value(std::string_view text, std::string_view name, std::size_t max_depth) {
  json parsed;
  CheckingParser parser(parsed, name, max_depth);
  try {
    json::sax_parse(text.begin(), text.end(), &parser);
  } catch (const ApiError&) {
    throw;
  } catch (const json::exception&) {
    // Anything the SAX path did not report itself.
    throw ApiError(Errc::invalid_json, std::string(name.empty() ? "Request body" : name) + " is not valid JSON.");
  }
  return parsed;
}

namespace {

// "url=https%3A%2F%2F...&enabled_events[]=...": what `curl -d` and Stripe's
// form-encoded habit send. A name of form characters, then '='.
bool looks_form_encoded(std::string_view text) {
  auto equals = text.find('=');
  if (equals == 0 || equals == std::string_view::npos) return false;
  return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(equals), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '%' || c == '[' ||
           c == ']';
  });
}

}  // namespace

json parse_object(std::string_view text, std::size_t max_depth) {
  if (text.empty()) return json::object();
  json parsed;
  try {
    parsed = parse_value(text, "", max_depth);
  } catch (const ApiError& error) {
    if (error.code() != Errc::invalid_json || !looks_form_encoded(text)) throw;
    throw ApiError(Errc::invalid_json,
                   "Request body is form-encoded (name=value&...); hookgate takes a JSON object: send it with "
                   "Content-Type: application/json.");
  }
  if (!parsed.is_object()) throw ApiError(Errc::invalid_json, "Request body must be a JSON object.");
  return parsed;
}

}  // namespace hookgate::json_body
