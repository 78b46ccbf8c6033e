#include "cli/commands.h"

#include "app/app.h"
#include "cli/operator_commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/config.h"
#include "core/log.h"
#include "db/migrator.h"
#include "http/server.h"

#include <algorithm>
#include <iostream>

namespace hookgate::cli {

namespace {

constexpr const char* kUsage = R"(usage: hookgate <command> [options]

commands:
  serve [--no-migrate]   serve the API (migrating first unless told not to)
  migrate                apply pending database migrations and exit
  accounts create --name NAME
  keys create|list|revoke|set-scopes|roll ...   (hookgate keys help)
  demo                   create the demo account and its two keys, once
  help                   show this text

Configuration comes from HOOKGATE_* environment variables; see README.md.
)";

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
  return std::find(args.begin(), args.end(), flag) != args.end();
}

Config config_with_database() {
  Config config = load_config();
  log::Level level = log::Level::info;
  if (log::parse_level(config.log_level, level)) log::set_level(level);
  if (config.database_url.empty()) {
    throw ConfigError("HOOKGATE_DATABASE_URL is not set: give a libpq connection string or URI");
  }
  return config;
}

int serve(const std::vector<std::string>& args) {
  Config config = config_with_database();
  if (has_flag(args, "--no-migrate")) config.migrate_on_start = false;
  if (config.migrate_on_start) run_migrations(config.database_url);
  App app(config);
  http::Server server(http::server_options(config), [&app](http::Request& request) { return app.handle(request); });
  server.run_until_signal();
  app.shutdown();
  log::info("stopped");
  return 0;
}

int migrate() {
  Config config = config_with_database();
  auto applied = run_migrations(config.database_url);
  std::cout << "applied " << applied.size() << " migration(s)\n";
  return 0;
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
    if (command == "accounts") return accounts_command(rest);
    if (command == "keys") return keys_command(rest);
    if (command == "demo") return demo_command();
  } catch (const UsageError& error) {
    std::cerr << "hookgate: " << error.what() << "\n";
    return 2;
  } catch (const ApiError& error) {
    std::cerr << "hookgate: " << error_code(error.code()) << ": " << error.what() << "\n";
    return 1;
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
