#include "http/request_reader.h"

#include "http/framing.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace hookgate::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(bhttp::error::bad_target).category();
}

}  // namespace

void configure_parser(RequestParser& parser, const ReadLimits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
}

std::optional<ApiError> read_failure(const beast::error_code& ec, const ReadLimits& limits) {
  if (ec == bhttp::error::header_limit) {
    return ApiError(Errc::headers_too_large,
                    "Request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes.");
  }
  if (ec == bhttp::error::body_limit) {
    return ApiError(Errc::body_too_large, "Request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes.");
  }
  if (ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message && is_parse_error(ec)) {
    return ApiError(Errc::malformed_request, "The request is not valid HTTP/1.1: " + ec.message() + ".");
  }
  return std::nullopt;
}

Request header_request(const RequestParser& parser) {
  const auto& message = parser.get();
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return request;
}

std::optional<ApiError> header_refusal(const RequestParser& parser, const Request& request,
                                       const ReadLimits& limits) {
  if (auto problem = framing_problem(parser.get().version(), request)) {
    return ApiError(Errc::malformed_request, std::move(*problem));
  }
  auto declared = parser.content_length();
  if (declared && *declared > limits.max_body_bytes) return read_failure(bhttp::error::body_limit, limits);
  return std::nullopt;
}

std::optional<ApiError> body_refusal(const Request& request) {
  if (auto problem = unexpected_body(request.method, request.body.size())) {
    return ApiError(Errc::malformed_request, std::move(*problem));
  }
  return std::nullopt;
}

std::vector<ReadOutcome> read_requests(std::string_view bytes, const ReadLimits& limits) {
  std::vector<ReadOutcome> outcomes;
  while (!bytes.empty()) {
    RequestParser parser;
    configure_parser(parser, limits);
    std::optional<Request> request;
    while (!parser.is_done()) {
      beast::error_code ec;
      auto used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == bhttp::error::need_more) return outcomes;  // an incomplete request: wait for more
      if (ec) {
        if (auto failure = read_failure(ec, limits)) outcomes.emplace_back(std::move(*failure));
        return outcomes;
      }
      if (parser.is_header_done() && !request) {
        request = header_request(parser);
        if (auto refusal = header_refusal(parser, *request, limits)) {
          outcomes.emplace_back(std::move(*refusal));
          return outcomes;
        }
      }
      if (!parser.is_done() && (bytes.empty() || used == 0)) return outcomes;
    }
    request->body = std::move(parser.get().body());
    if (auto refusal = body_refusal(*request)) {
      outcomes.emplace_back(std::move(*refusal));
    } else {
      outcomes.emplace_back(std::move(*request));
    }
  }
  return outcomes;
}

}  // namespace hookgate::http
