#include "cli/operator_commands.h"

#include "api/views.h"
#include "app/config.h"
#include "cli/command_config.h"
#include "app/delivery_engine.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/json_body.h"
#include "core/timefmt.h"
#include "db/account_erasure_repository.h"
#include "db/account_repository.h"
#include "db/catalogue_repository.h"
#include "services/account_erasure_service.h"
#include "services/event_service.h"
#include "services/operator_service.h"

#include <iostream>
#include <thread>

namespace hookgate::cli {

namespace {

// The operator service and what it needs, for one command.
struct OperatorContext {
  explicit OperatorContext(const Config& config)
      : pool(config.database_url, 1, config.db_acquire_timeout), service(pool, catalogue, random) {
    auto conn = pool.acquire();
    catalogue.set(db::load_catalogue(*conn));
  }
  db::ConnectionPool pool;
  CatalogueStore catalogue{nullptr};
  OpenSslRandom random;
  OperatorService service;
};

void print(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

template <class IdType>
IdType parse_id_arg(const std::string& text, const char* what) {
  auto id = IdType::parse(text);
  if (!id) throw UsageError(std::string("not a valid ") + what + " id: " + text);
  return *id;
}

ScopeRequest scope_request(const Options& options) {
  return ScopeRequest{options.all("--scope"), options.optional("--bundle")};
}

}  // namespace

namespace {

// The DELETE's synchronous part, then (with --wait) the background batches
// in this process too, beside any serve processes, until the job completes.
int delete_account(const Options& options) {
  Config config = database_command_config();
  OperatorContext context(config);
  AccountErasureService erasures(context.pool, context.random, worker_options(config).lease);
  auto job = erasures.erase(parse_id_arg<AccountId>(options.required("--id"), "account")).job;
  while (options.has("--wait") && job.status != "completed") {
    {
      auto conn = context.pool.acquire();
      db::run_account_erasures(*conn, static_cast<int>(config.erasure_batch), config.erasure_pause, 1);
    }
    job = erasures.find(job.id);
    if (job.status != "completed") std::this_thread::sleep_for(config.erasure_pause);
  }
  print(views::account_erasure(job));
  return 0;
}

}  // namespace

int accounts_command(const std::vector<std::string>& args) {
  Options options(args, {"--name", "--id"}, {"--wait"});
  if (options.command() == "delete") return delete_account(options);
  if (options.command() != "create") {
    throw UsageError("usage: hookgate accounts create --name NAME\n"
                     "       hookgate accounts delete --id ACCT_ID [--wait]");
  }
  OperatorContext context(database_command_config());
  print(views::account(context.service.create_account(options.required("--name"))));
  return 0;
}

int keys_command(const std::vector<std::string>& args) {
  Options options(args, {"--account", "--kind", "--bundle", "--scope", "--description", "--grace-period-seconds",
                         "--limit", "--starting-after"},
                  {});
  OperatorContext context(database_command_config());
  auto& service = context.service;
  auto catalogue = context.catalogue.require();
  const auto& command = options.command();
  if (command == "create") {
    auto kind = parse_key_kind(options.required("--kind"));
    if (!kind) throw UsageError("--kind must be pk or sk");
    auto account = parse_id_arg<AccountId>(options.required("--account"), "account");
    auto request = scope_request(options);
    if (request.scopes.empty() && !request.bundle) throw UsageError("give --bundle and/or --scope");
    print(views::api_key_with_secret(
        service.create_key(account, *kind, request, options.optional("--description").value_or("")), *catalogue));
  } else if (command == "list") {
    PageRequest page;
    page.limit = 100;
    page.starting_after = options.optional("--starting-after");
    auto account = parse_id_arg<AccountId>(options.required("--account"), "account");
    print(views::list(service.list_keys(account, page), "keys",
                      [&](const KeyRecord& key) { return views::api_key(key, *catalogue); }));
  } else if (command == "revoke") {
    print(views::api_key(service.revoke_key(parse_id_arg<ApiKeyId>(options.positional(), "key")), *catalogue));
  } else if (command == "set-scopes") {
    auto id = parse_id_arg<ApiKeyId>(options.positional(), "key");
    print(views::api_key(service.replace_scopes(id, scope_request(options)), *catalogue));
  } else if (command == "roll") {
    auto id = parse_id_arg<ApiKeyId>(options.positional(), "key");
    auto grace = std::stol(options.optional("--grace-period-seconds").value_or("0"));
    if (grace < 0) throw UsageError("--grace-period-seconds must not be negative");
    print(views::api_key_with_secret(service.roll_key(id, std::chrono::seconds(grace)), *catalogue));
  } else {
    throw UsageError(
        "usage: hookgate keys create --account ID --kind pk|sk [--bundle B] [--scope S]... [--description D]\n"
        "       hookgate keys list --account ID [--starting-after KEY_ID]\n"
        "       hookgate keys revoke KEY_ID\n"
        "       hookgate keys set-scopes KEY_ID [--bundle B] [--scope S]...\n"
        "       hookgate keys roll KEY_ID [--grace-period-seconds N]");
  }
  return 0;
}

int events_command(const std::vector<std::string>& args) {
  Options options(args, {"--account", "--type", "--data", "--id", "--occurred-at"}, {});
  if (options.command() != "publish") {
    throw UsageError(
        "usage: hookgate events publish --account ID --type TYPE --data JSON [--id evt_...] [--occurred-at RFC3339]");
  }
  Config config = database_command_config();
  OperatorContext context(config);
  EventService events(context.pool, context.catalogue, config.max_event_bytes);
  PublishRequest request{std::nullopt, parse_id_arg<AccountId>(options.required("--account"), "account"),
                         options.required("--type"), {}, std::nullopt};
  // The route's checks, so the command refuses what the database cannot store.
  request.data = json_body::parse_value(options.required("--data"), "--data");
  if (auto id = options.optional("--id")) request.id = parse_id_arg<EventId>(*id, "event");
  if (auto when = options.optional("--occurred-at")) {
    request.occurred_at = parse_rfc3339(*when);
    if (!request.occurred_at) throw UsageError("--occurred-at must be an RFC 3339 timestamp");
  }
  print(views::published_event(events.publish(request)));
  return 0;
}

int demo_command() {
  Config config = database_command_config();
  OperatorContext context(config);
  {
    auto conn = context.pool.acquire();
    if (auto existing = db::find_account_by_name(*conn, "demo")) {
      std::cout << "demo account " << existing->id.str()
                << " already exists; its keys were printed when it was created.\n"
                << "Create more with: scripts/hookgate keys create --account " << existing->id.str()
                << " --kind sk --bundle full\n";
      return 0;
    }
  }
  auto account = context.service.create_account("demo");
  auto secret = context.service.create_key(account.id, KeyKind::secret, {{}, "full"}, "demo secret key");
  auto publishable = context.service.create_key(account.id, KeyKind::publishable, {{}, "store"}, "demo dashboard key");
  std::cout << "demo account: " << account.id.str() << "\n"
            << "  sk_ key (full bundle):  " << secret.secret << "\n"
            << "  pk_ key (store bundle): " << publishable.secret << "\n"
            << "These keys are shown once; only their hashes are stored.\n";
  return 0;
}

}  // namespace hookgate::cli
