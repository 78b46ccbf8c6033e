#include "cli/commands.h"

#include "api/storage_failure.h"
#include "app/app.h"
#include "app/config.h"
#include "app/server_options.h"
#include "cli/command_config.h"
#include "cli/maintenance_commands.h"
#include "cli/operator_commands.h"
#include "cli/options.h"
#include "cli/secrets_commands.h"
#include "core/error.h"
#include "core/log.h"
#include "db/migrator.h"
#include "db/storage_error.h"
#include "services/secrets_at_rest.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <optional>
#include <pthread.h>
#include <iostream>

namespace hookgate::cli {

namespace {

constexpr const char* kUsage = R"(usage: hookgate <command> [options]

commands:
  serve [--no-migrate] [--role all|api|worker]
                         serve the API and run delivery workers (migrating
                         first unless told not to); --role api runs no
                         workers, --role worker runs only workers
  migrate                apply pending database migrations and exit
  maintain [--as-of TIME] [--dry-run]
                         create the coming days' partitions and drop the
                         expired ones (as of TIME, RFC 3339); --dry-run
                         prints what it would do
  accounts create --name NAME
  accounts delete --id ACCT_ID [--wait]
                         erase the account: its keys stop at once, its rows
                         go in the background (--wait: erase here and wait)
  keys create|list|revoke|set-scopes|roll ...   (hookgate keys help)
  events publish --account ID --type TYPE --data JSON [--id evt_...]
  demo                   create the demo account and its two keys, once
  secrets rewrap [--batch N]
                         re-seal every stored secret under the first key of
                         HOOKGATE_SECRETS_KEYS and print how many
  help                   show this text

Configuration comes from HOOKGATE_* environment variables; see README.md.
)";

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
  return std::find(args.begin(), args.end(), flag) != args.end();
}

Config::Role parse_role(const std::vector<std::string>& args, Config::Role role) {
  auto flag = std::find(args.begin(), args.end(), "--role");
  if (flag == args.end()) return role;
  if (flag + 1 == args.end()) throw UsageError("--role needs a value: all, api or worker");
  if (flag[1] == "all") return Config::Role::all;
  if (flag[1] == "api") return Config::Role::api;
  if (flag[1] == "worker") return Config::Role::worker;
  throw UsageError("--role must be all, api or worker");
}

// SIGINT/SIGTERM are blocked in every thread (before App starts any) and
// taken here, so one place starts the shutdown of both halves at once.
sigset_t termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

void wait_for_termination(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  log::info("shutting down", {{"signal", signal}});
}

int serve(const std::vector<std::string>& args) {
  Config config = database_command_config();
  if (has_flag(args, "--no-migrate")) config.migrate_on_start = false;
  config.role = parse_role(args, config.role);
  require_secrets_keys(config.secrets_keys);  // before touching the database
  require_retention(config);
  if (config.migrate_on_start) run_migrations(config.database_url);
  prepare_secrets_for_serving(config);
  auto signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  App app(config);
  std::unique_ptr<http::Server> server;
  if (config.role == Config::Role::worker) {
    log::info("delivery worker running (no API listener)");
  } else {
    server = make_server(config, app);
    auto port = server->start();
    log::info("listening", {{"host", config.listen.host}, {"port", port}});
  }
  wait_for_termination(signals);
  // One grace for both: the server drains its requests while the delivery
  // worker lets its sends finish, then releases what is still in flight.
  auto deadline = std::chrono::steady_clock::now() + config.shutdown_grace;
  if (server) server->request_stop();
  app.stop_background(deadline);
  if (server) server->wait();
  app.shutdown();
  log::info("stopped");
  return 0;
}

int migrate() {
  Config config = database_command_config();
  auto result = run_migrations(config.database_url);
  std::cout << "applied " << result.applied.size() << " migration(s) and " << result.repeatables_applied.size()
            << " repeatable migration(s)\n";
  seal_after_migrating(config);
  return 0;
}

int report(const ApiError& error) {
  std::cerr << "hookgate: " << error_code(error.code()) << ": " << error.what() << "\n";
  return 1;
}

}  // namespace

int run(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (command == "serve") return serve(rest);
    if (command == "migrate") return migrate();
    if (command == "maintain") return maintain_command(rest);
    if (command == "accounts") return accounts_command(rest);
    if (command == "keys") return keys_command(rest);
    if (command == "events") return events_command(rest);
    if (command == "demo") return demo_command();
    if (command == "secrets") return secrets_command(rest);
  } catch (const UsageError& error) {
    std::cerr << "hookgate: " << error.what() << "\n";
    return 2;
  } catch (const ApiError& error) {
    return report(error);
  } catch (const db::Unavailable& error) {
    // Told as a request would be told (api/storage_failure.h).
    return report(*as_unavailable(error));
  } catch (const ConfigError& error) {
    std::cerr << "hookgate: configuration error: " << error.what() << "\n";
    return 2;
  } catch (const db::MigrationError& error) {
    std::cerr << "hookgate: migration refused: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "hookgate: " << error.what() << "\n";
    return 1;
  }
  std::cerr << "hookgate: unknown command '" << command << "'\n" << kUsage;
  return 2;
}

}  // namespace hookgate::cli
