// Bytes as a client could send them on one connection, read the way the
// server reads them (http/request_reader): no crash, no sanitizer report, and
// every request that is accepted respects the limits.

#include "http/request_reader.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace hookgate::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small limits, so inputs of a few KiB reach them.
  static const ReadLimits limits{2048, 4096};
  auto outcomes = read_requests(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  for (const auto& outcome : outcomes) {
    const auto* request = std::get_if<Request>(&outcome);
    if (!request) continue;
    if (request->body.size() > limits.max_body_bytes) std::abort();
    if (request->header_count("Transfer-Encoding") > 0 && request->header_count("Content-Length") > 0) std::abort();
    if (request->method.empty()) std::abort();
  }
  return 0;
}
