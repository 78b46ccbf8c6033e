#pragma once
// A webhook receiver for tests: runs tests/receiver/receiver.mjs under Node,
// which verifies every delivery with the official Standard Webhooks library
// (npm `standardwebhooks`), so hookgate's signatures are checked by code that
// is not hookgate's. Needs `node` on PATH and `bash scripts/receiver-deps.sh`.

#include "support/process.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookgate::testing {

struct ReceivedWebhook {
  std::string path;
  // Absent headers are nullopt, so "sent empty" and "not sent" differ.
  std::optional<std::string> webhook_id;
  std::optional<std::string> webhook_timestamp;
  std::optional<std::string> signature_header;
  bool verified = false;
  std::string verify_error;  // empty when verified
  std::string body;
  std::int64_t received_at_ms = 0;
  int status_returned = 0;  // 0 when the scripted response dropped the connection
  std::map<std::string, std::string> headers;  // lower-case names
};

struct WebhookReceiverOptions {
  // Counts only: no bodies stored, no verification (for benchmarks).
  bool count_only = false;
};

class WebhookReceiver {
 public:
  struct Stats {
    std::int64_t total = 0;
    std::map<std::string, std::int64_t> by_path;
    std::int64_t unverified = 0;
    std::int64_t distinct_ids = 0;
  };

  // Starts the receiver and waits until it listens; throws std::runtime_error
  // with the receiver's output when it cannot start.
  explicit WebhookReceiver(WebhookReceiverOptions options = {});
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  // http://127.0.0.1:<port><path>; a missing leading slash is added.
  std::string url(std::string_view path) const;

  // Replaces the secrets ("whsec_...") the path's requests are verified with.
  void set_secrets(std::string_view path, const std::vector<std::string>& secrets);
  // Responses for the next requests to `path`, one each, then `default_response`
  // (null: 200 "ok"). Each is {status, headers?, body?, delay_ms?, drop?}.
  void script(std::string_view path, nlohmann::json queue, nlohmann::json default_response = {});

  std::vector<ReceivedWebhook> received(std::string_view path);
  std::vector<ReceivedWebhook> received_all();
  // Polls until `path` has at least `count` requests or `timeout` passes;
  // returns what arrived either way, so the caller asserts on the count.
  // (Nothing is stored with count_only: use stats() there.)
  std::vector<ReceivedWebhook> wait_for(std::string_view path, std::size_t count,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
  Stats stats();
  // Forgets received requests and counts; secrets and scripts stay.
  void clear();

  // The receiver's command line, state and output, for assertion messages.
  std::string describe() { return process_->describe(); }

 private:
  nlohmann::json control(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr);

  std::string state_dir_;
  std::optional<Process> process_;
  int port_ = 0;
};

}  // namespace hookgate::testing
