#include "support/concurrent_calls.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <mutex>
#include <thread>

namespace hookgate::testing {

using json = nlohmann::json;

std::vector<std::string> run_concurrently(const std::vector<Call>& calls, const std::vector<unsigned short>& ports,
                                          const Check& check, int clients) {
  constexpr auto kClientTimeout = std::chrono::seconds(10);  // a hang fails the request, and so the test
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int client = 0; client < clients; ++client) {
    threads.emplace_back([&, client] {
      auto port = ports[static_cast<std::size_t>(client) % ports.size()];
      for (std::size_t i = 0; i < calls.size(); ++i) {
        const auto& call = calls[(i + static_cast<std::size_t>(client)) % calls.size()];
        std::string failure;
        try {
          failure = check(call, request(port, call.method, call.target, call.body, call.headers, kClientTimeout));
        } catch (const std::exception& error) {
          failure = std::string("no response: ") + error.what();
        }
        if (!failure.empty()) {
          std::lock_guard lock(mutex);
          failures.push_back(std::to_string(port) + " " + call.method + " " + call.target + ": " + failure);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return failures;
}

std::string summary(const std::vector<std::string>& failures) {
  if (failures.empty()) return "";
  std::string text = std::to_string(failures.size()) + " failed, first:";
  for (std::size_t i = 0; i < failures.size() && i < 3; ++i) text += "\n  " + failures[i];
  return text;
}

std::string unless_unavailable(const Call& call, const HttpResponse& response) {
  if (response.status != 503) return "status " + std::to_string(response.status) + " " + response.body;
  if (response.header("retry-after") != "1") return "Retry-After is '" + response.header("retry-after") + "'";
  auto body = json::parse(response.body, nullptr, false);
  if (call.target == "/readyz") {
    if (body.is_discarded() || body["status"] != "not_ready" || body["checks"]["database"] != false) {
      return "readyz body " + response.body;
    }
    return "";
  }
  if (body.is_discarded() || body["error"]["code"] != "SERVICE_UNAVAILABLE" || !body["error"]["request_id"].is_string()) {
    return "error body " + response.body;
  }
  return "";
}

int hookgate_connections(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  return tx.exec("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                 "AND pid <> pg_backend_pid() AND application_name <> 'hookgate-listener'")[0][0]
      .as<int>();
}

std::size_t undelivered(const std::string& url, const std::set<std::string>& event_ids) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  std::size_t missing = 0;
  for (const auto& id : event_ids) {
    if (tx.exec_params("SELECT 1 FROM webhook_deliveries WHERE event_id = $1 AND status = 'succeeded'", id).empty()) {
      ++missing;
    }
  }
  return missing;
}

}  // namespace hookgate::testing
