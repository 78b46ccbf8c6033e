#include "support/webhook_receiver.h"

#include "support/http_client.h"
#include "support/test_database.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace hookgate::testing {

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(2);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::string receiver_dir() { return source_dir() + "/tests/receiver"; }

void require_dependencies() {
  if (!std::filesystem::exists(receiver_dir() + "/node_modules/standardwebhooks/package.json")) {
    throw std::runtime_error("the test receiver's npm packages are not installed (" + receiver_dir() +
                             "/node_modules); run `bash scripts/receiver-deps.sh`");
  }
}

std::string make_state_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hookgate-receiver.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  return pattern;
}

// The port once the receiver has renamed its port file into place.
std::optional<int> read_port(const std::string& port_file) {
  std::ifstream in(port_file);
  int port = 0;
  if (in >> port && port > 0) return port;
  return std::nullopt;
}

// "/hooks/a" or "hooks/a" -> "hooks/a", as the control routes spell it.
std::string control_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) throw std::invalid_argument("WebhookReceiver: the webhook path must not be empty");
  return std::string(path);
}

std::optional<std::string> optional_string(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<std::string>();
}

ReceivedWebhook to_received(const nlohmann::json& record) {
  ReceivedWebhook out;
  out.path = record.at("path").get<std::string>();
  out.webhook_id = optional_string(record.at("webhook_id"));
  out.webhook_timestamp = optional_string(record.at("webhook_timestamp"));
  out.signature_header = optional_string(record.at("signature_header"));
  out.verified = record.at("verified").get<bool>();
  out.verify_error = record.at("verify_error").is_null() ? "" : record.at("verify_error").get<std::string>();
  out.body = record.at("body").get<std::string>();
  out.received_at_ms = record.at("received_at_ms").get<std::int64_t>();
  out.status_returned = record.at("status_returned").get<int>();
  for (const auto& [name, value] : record.at("headers").items()) {
    out.headers[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return out;
}

std::vector<ReceivedWebhook> to_received_list(const nlohmann::json& list) {
  std::vector<ReceivedWebhook> out;
  for (const auto& record : list) out.push_back(to_received(record));
  return out;
}

}  // namespace

WebhookReceiver::WebhookReceiver(WebhookReceiverOptions options) {
  require_dependencies();
  state_dir_ = make_state_dir();
  try {
    std::string port_file = state_dir_ + "/port";
    std::vector<std::string> argv{"node", receiver_dir() + "/receiver.mjs", "--port", "0", "--port-file", port_file,
                                  "--quiet"};
    if (options.count_only) argv.emplace_back("--count-only");
    process_.emplace(std::move(argv));

    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (true) {
      if (auto port = read_port(port_file)) {
        port_ = *port;
        break;
      }
      if (process_->poll()) throw std::runtime_error("the webhook receiver exited at start:\n" + process_->describe());
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("the webhook receiver wrote no port file within 30 s:\n" + process_->describe());
      }
      std::this_thread::sleep_for(kPollInterval);
    }
  } catch (...) {
    process_.reset();
    std::filesystem::remove_all(state_dir_);
    throw;
  }
}

WebhookReceiver::~WebhookReceiver() {
  if (process_) {
    process_->kill(SIGTERM);
    process_->wait_for(kStopTimeout);
    process_.reset();  // SIGKILLs a receiver that did not stop in time
  }
  std::error_code ignored;
  std::filesystem::remove_all(state_dir_, ignored);
}

std::string WebhookReceiver::url(std::string_view path) const {
  std::string out = "http://127.0.0.1:" + std::to_string(port_);
  if (path.empty() || path.front() != '/') out += '/';
  out += path;
  return out;
}

nlohmann::json WebhookReceiver::control(const std::string& method, const std::string& target,
                                        const nlohmann::json& body) {
  std::string text = body.is_null() ? std::string() : body.dump();
  std::vector<std::pair<std::string, std::string>> headers;
  if (!text.empty()) headers.emplace_back("Content-Type", "application/json");
  auto response = request(static_cast<unsigned short>(port_), method, target, text, headers);
  if (response.status < 200 || response.status > 299) {
    throw std::runtime_error("webhook receiver: " + method + " " + target + " answered " +
                             std::to_string(response.status) + ": " + response.body);
  }
  return response.json();
}

void WebhookReceiver::set_secrets(std::string_view path, const std::vector<std::string>& secrets) {
  control("PUT", "/_paths/" + control_path(path) + "/secrets", {{"secrets", secrets}});
}

void WebhookReceiver::script(std::string_view path, nlohmann::json queue, nlohmann::json default_response) {
  nlohmann::json body{{"queue", std::move(queue)}};
  if (!default_response.is_null()) body["default"] = std::move(default_response);
  control("PUT", "/_paths/" + control_path(path) + "/behaviour", body);
}

std::vector<ReceivedWebhook> WebhookReceiver::received(std::string_view path) {
  return to_received_list(control("GET", "/_paths/" + control_path(path) + "/received").at("received"));
}

std::vector<ReceivedWebhook> WebhookReceiver::received_all() {
  return to_received_list(control("GET", "/_received").at("received"));
}

std::vector<ReceivedWebhook> WebhookReceiver::wait_for(std::string_view path, std::size_t count,
                                                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto seen = received(path);
  while (seen.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kPollInterval);
    seen = received(path);
  }
  return seen;
}

WebhookReceiver::Stats WebhookReceiver::stats() {
  auto json = control("GET", "/_stats");
  Stats out;
  out.total = json.at("total").get<std::int64_t>();
  out.unverified = json.at("unverified").get<std::int64_t>();
  out.distinct_ids = json.at("distinct_ids").get<std::int64_t>();
  for (const auto& [path, count] : json.at("by_path").items()) out.by_path[path] = count.get<std::int64_t>();
  return out;
}

void WebhookReceiver::clear() { control("DELETE", "/_received"); }

}  // namespace hookgate::testing
