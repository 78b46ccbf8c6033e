#include "support/sender_calls.h"

#include <gtest/gtest.h>

#include <memory>

namespace hookgate::testing {

using delivery::BeastSender;
using delivery::OutboundRequest;
using delivery::SenderOptions;
using delivery::SendResult;

namespace {
constexpr auto result_wait_limit = std::chrono::seconds(30);
}  // namespace

SenderOptions local_options() {
  SenderOptions options;
  options.allow_private_targets = true;
  return options;
}

SenderOptions local_options(std::chrono::milliseconds total_timeout) {
  SenderOptions options = local_options();
  options.total_timeout = total_timeout;
  return options;
}

std::future<SendResult> send_async(BeastSender& sender, OutboundRequest request) {
  auto promise = std::make_shared<std::promise<SendResult>>();
  auto future = promise->get_future();
  sender.send(std::move(request), [promise](SendResult result) { promise->set_value(std::move(result)); });
  return future;
}

SendResult await_result(std::future<SendResult>& future) {
  if (future.wait_for(result_wait_limit) != std::future_status::ready) {
    ADD_FAILURE() << "the sender did not complete the send";
    return SendResult{};
  }
  return future.get();
}

SendResult send(BeastSender& sender, const std::string& url, std::string body) {
  auto future = send_async(sender, OutboundRequest{url, {{"webhook-id", "msg_1"}}, std::move(body)});
  return await_result(future);
}

std::string http_url(const TestHttpPeer& peer, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(peer.port()) + path;
}

}  // namespace hookgate::testing
