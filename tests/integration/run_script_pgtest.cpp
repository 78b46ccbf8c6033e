// scripts/run.sh as a new user meets it (issue 22, item 1), in a state
// directory of the test's own (HOOKGATE_LOCAL_DIR) and with the built binary
// (HOOKGATE_BIN): a second run keeps the first's database URL and operator
// token, printed the same way and written to .local/env; the operator token
// of the first run still works after a restart; SIGTERM and SIGINT both stop
// the PostgreSQL the script started; `status`, `stop` and `reset` do what
// they say; scripts/hookgate runs the CLI against that database.

#include "support/hookgate_process.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/test_database.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace hookgate::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RunScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hookgate-run-sh.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) FAIL() << "mkdtemp failed";
    dir_ = pattern;
    // PostgreSQL (run as the postgres user when the suite runs as root) must reach it.
    fs::permissions(dir_, fs::perms::all);
  }
  void TearDown() override {
    script({"reset"});
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  ProcessOptions options() const {
    ProcessOptions options;
    for (auto name : known_config_variables()) options.unset_env.emplace_back(name);
    options.env = {{"HOOKGATE_LOCAL_DIR", dir_}, {"HOOKGATE_BIN", hookgate_binary()}, {"HOOKGATE_LISTEN", "127.0.0.1:0"}};
    return options;
  }

  Process start() { return Process({"bash", source_dir() + "/scripts/run.sh"}, options()); }

  // Runs `scripts/<name> args...` to its end (run.sh by default).
  CliResult script(const std::vector<std::string>& args, const std::string& name = "run.sh") {
    std::vector<std::string> argv = {"bash", source_dir() + "/scripts/" + name};
    argv.insert(argv.end(), args.begin(), args.end());
    Process process(argv, options());
    auto status = process.wait_for(60s);
    if (!status) {
      process.kill(SIGKILL);
      status = process.wait();
    }
    return {*status, process.stdout_text(), process.stderr_text(), process.describe()};
  }

  // The port of the `hookgate serve` the script runs, once it is ready.
  static unsigned short wait_until_serving(Process& run) {
    for (int i = 0; i < 1200 && !run.poll(); ++i) {
      std::istringstream lines(run.stderr_text());
      std::string line;
      while (std::getline(lines, line)) {
        if (!line.starts_with("{")) continue;  // the script's own "==>" lines
        auto entry = json::parse(line, nullptr, false);
        if (entry.is_discarded() || entry.value("msg", "") != "listening") continue;
        auto port = entry["port"].get<unsigned short>();
        if (request(port, "GET", "/readyz").status == 200) return port;
      }
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("run.sh did not serve: " + run.describe());
  }

  // The `export NAME=value` lines of .local/env.
  std::map<std::string, std::string> env_file() const {
    std::ifstream file(dir_ + "/.local/env");
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(file, line)) {
      auto eq = line.find('=');
      if (line.starts_with("export ") && eq != std::string::npos) values[line.substr(7, eq - 7)] = line.substr(eq + 1);
    }
    return values;
  }

  bool postgres_running() const { return fs::exists(dir_ + "/.pgdata/postmaster.pid"); }

  std::string dir_;
};

TEST_F(RunScriptTest, ASecondRunKeepsTheDatabaseUrlAndOperatorTokenAndEveryWayOutStopsPostgres) {
  auto first = start();
  auto port = wait_until_serving(first);
  auto settings = env_file();
  const auto url = settings["HOOKGATE_DATABASE_URL"];
  const auto token = settings["HOOKGATE_OPERATOR_TOKEN"];
  ASSERT_TRUE(url.starts_with("postgresql://hookgate@127.0.0.1:")) << url;
  ASSERT_EQ(token.size(), 64u) << token;
  EXPECT_NE(first.stdout_text().find("database: " + url), std::string::npos) << first.stdout_text();
  EXPECT_NE(first.stdout_text().find("operator token: " + token), std::string::npos) << first.stdout_text();
  EXPECT_EQ(settings["OP"], "Authorization:\\ Bearer\\ " + token) << "quoted for the shell";

  const Headers op = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  auto account = request(port, "POST", "/internal/v1/accounts", R"({"name":"kept"})", op);
  ASSERT_EQ(account.status, 200) << account.body;
  auto account_id = account.json()["id"].get<std::string>();

  auto status = script({"status"});
  EXPECT_NE(status.out.find("PostgreSQL: running at " + url), std::string::npos) << status.description;
  EXPECT_NE(status.out.find("hookgate: running"), std::string::npos) << status.description;
  // The CLI wrapper finds the local database by itself.
  auto created = script({"keys", "create", "--account", account_id, "--kind", "sk", "--bundle", "full"}, "hookgate");
  EXPECT_TRUE(created.status.exited(0)) << created.description;
  EXPECT_NE(created.out.find("sk_"), std::string::npos) << created.out;

  first.kill(SIGTERM);
  EXPECT_TRUE(first.wait().exited(0)) << first.describe();
  EXPECT_FALSE(postgres_running()) << "SIGTERM left PostgreSQL running";
  EXPECT_NE(script({"status"}).out.find("PostgreSQL: stopped"), std::string::npos);
  auto refused = script({"keys", "list", "--account", account_id}, "hookgate");
  EXPECT_FALSE(refused.status.exited(0));
  EXPECT_NE(refused.err.find("not running"), std::string::npos) << refused.description;

  // The second run: the same URL and token, and the first run's data.
  auto second = start();
  auto second_port = wait_until_serving(second);
  EXPECT_EQ(env_file()["HOOKGATE_DATABASE_URL"], url);
  EXPECT_EQ(env_file()["HOOKGATE_OPERATOR_TOKEN"], token);
  EXPECT_NE(second.stdout_text().find("database: " + url), std::string::npos) << second.stdout_text();
  EXPECT_NE(second.stdout_text().find("operator token: " + token), std::string::npos) << second.stdout_text();
  auto keys = request(second_port, "GET", "/internal/v1/accounts/" + account_id + "/api_keys", "", op);
  ASSERT_EQ(keys.status, 200) << "the first run's token, after a restart: " << keys.body;
  EXPECT_EQ(keys.json()["data"].size(), 1u);
  auto listed = script({"keys", "list", "--account", account_id}, "hookgate");
  EXPECT_TRUE(listed.status.exited(0)) << listed.description;

  second.kill(SIGINT);
  EXPECT_TRUE(second.wait().exited(0)) << second.describe();
  EXPECT_FALSE(postgres_running()) << "Ctrl-C left PostgreSQL running";

  // `stop` stops a run it did not start; `reset` deletes the state.
  auto third = start();
  wait_until_serving(third);
  EXPECT_TRUE(script({"stop"}).status.exited(0));
  EXPECT_TRUE(third.wait_for(30s).has_value()) << "stop left hookgate running";
  EXPECT_FALSE(postgres_running());
  EXPECT_TRUE(script({"reset"}).status.exited(0));
  EXPECT_FALSE(fs::exists(dir_ + "/.pgdata"));
  EXPECT_FALSE(fs::exists(dir_ + "/.local"));
}

}  // namespace
}  // namespace hookgate::testing
