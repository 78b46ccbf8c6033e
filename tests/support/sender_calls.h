#pragma once
// Calling the real outbound sender from a test: options for loopback
// receivers, and sends that wait for their completion with a generous bound
// (a safety net for a broken sender, not a timing assertion).

#include "delivery/beast_sender.h"
#include "support/test_http_peer.h"

#include <chrono>
#include <future>
#include <string>

namespace hookgate::testing {

// Local development settings: loopback receivers and plain http are fine.
delivery::SenderOptions local_options();
delivery::SenderOptions local_options(std::chrono::milliseconds total_timeout);

std::future<delivery::SendResult> send_async(delivery::BeastSender& sender, delivery::OutboundRequest request);
// The result, or a test failure and an empty result after 30 s.
delivery::SendResult await_result(std::future<delivery::SendResult>& future);
// A small JSON POST to `url`, awaited.
delivery::SendResult send(delivery::BeastSender& sender, const std::string& url,
                          std::string body = R"({"type":"order.accepted"})");

std::string http_url(const TestHttpPeer& peer, const std::string& path = "/hooks");

}  // namespace hookgate::testing
