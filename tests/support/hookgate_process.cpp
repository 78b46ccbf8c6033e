#include "support/hookgate_process.h"

#include "app/config.h"
#include "support/http_client.h"
#include "support/test_database.h"
#include "support/test_server.h"

#include <chrono>
#include <csignal>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace hookgate::testing {

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(text.substr(0, text.rfind('\n') + 1));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

unsigned short wait_until_ready(Process& process) {
  std::optional<unsigned short> port;
  for (int i = 0; i < 400 && !process.poll(); ++i) {
    for (const auto& line : json_lines(process.stderr_text())) {
      if (!port && line.value("msg", "") == "listening") port = line["port"].get<unsigned short>();
    }
    if (port && request(*port, "GET", "/readyz").status == 200) return *port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("hookgate did not become ready: " + process.describe());
}

Process serve_hookgate(const std::string& database_url, const std::map<std::string, std::string>& settings) {
  ProcessOptions options;
  for (auto name : known_config_variables()) options.unset_env.emplace_back(name);
  options.env = {{"HOOKGATE_DATABASE_URL", database_url},
                 {"HOOKGATE_LISTEN", "127.0.0.1:0"},
                 {"HOOKGATE_OPERATOR_TOKEN", kOperatorToken},
                 {"HOOKGATE_SECRETS_KEYS", kTestSecretsKeys},
                 {"HOOKGATE_ALLOW_PRIVATE_TARGETS", "1"},
                 {"HOOKGATE_RATE_LIMIT_PER_SECOND", "1000000"},
                 {"HOOKGATE_RATE_LIMIT_BURST", "1000000"},
                 {"HOOKGATE_LOG_LEVEL", "info"}};
  for (const auto& [name, value] : settings) options.env[name] = value;
  return Process({hookgate_binary(), "serve"}, options);
}

CliResult run_hookgate(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  ProcessOptions options;
  for (auto name : known_config_variables()) options.unset_env.emplace_back(name);
  options.env = env;
  std::vector<std::string> argv{hookgate_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process process(argv, options);
  auto status = process.wait_for(std::chrono::seconds(60));
  if (!status) {
    process.kill(SIGKILL);
    status = process.wait();
  }
  return {*status, process.stdout_text(), process.stderr_text(), process.describe()};
}

}  // namespace hookgate::testing
