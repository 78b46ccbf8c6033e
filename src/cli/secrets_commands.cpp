#include "cli/secrets_commands.h"

#include "cli/command_config.h"
#include "cli/options.h"
#include "core/log.h"
#include "db/pool.h"
#include "services/secrets_at_rest.h"

#include <charconv>
#include <iostream>

namespace hookgate::cli {

namespace {

constexpr const char* kUsage = "usage: hookgate secrets rewrap [--batch N]";

std::size_t batch_size(const Options& options) {
  auto text = options.optional("--batch");
  if (!text) return kSecretsBatch;
  std::size_t batch = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), batch);
  if (ec != std::errc{} || end != text->data() + text->size() || batch < 1 || batch > 100'000) {
    throw UsageError("--batch must be a whole number from 1 to 100000");
  }
  return batch;
}

std::size_t seal_plaintext(db::Connection& conn, const Config& config) {
  require_secrets_open(conn, config.secrets_keys);
  auto sealed = seal_plaintext_secrets(conn, config.secrets_keys);
  if (sealed > 0) log::info("sealed secrets that were stored as plaintext", {{"count", sealed}});
  return sealed;
}

}  // namespace

void prepare_secrets_for_serving(const Config& config) {
  db::Connection conn(config.database_url);
  seal_plaintext(conn, config);
}

void seal_after_migrating(const Config& config) {
  db::Connection conn(config.database_url);
  if (!config.secrets_keys.empty()) {
    auto sealed = seal_plaintext(conn, config);
    if (sealed > 0) std::cout << "sealed " << sealed << " plaintext secret(s)\n";
    return;
  }
  if (auto plaintext = count_plaintext_secrets(conn); plaintext > 0) {
    std::cerr << "hookgate: " << plaintext << " secret(s) are still stored as plaintext; `hookgate migrate` or "
              << "`hookgate serve` with " << kSecretsKeysVariable << " set seals them\n";
  }
}

int secrets_command(const std::vector<std::string>& args) {
  Options options(args, {"--batch"}, {});
  if (options.command() != "rewrap") throw UsageError(kUsage);
  auto batch = batch_size(options);
  Config config = database_command_config();
  require_secrets_keys(config.secrets_keys);
  db::Connection conn(config.database_url);
  auto report = rewrap_secrets(conn, config.secrets_keys, batch);
  auto key = key_id_hex(config.secrets_keys.key_ids().front());
  std::cout << "rewrapped " << report.rewrapped << " sealed value(s) under key " << key << "\n";
  if (report.sealed_plaintext > 0) {
    std::cout << "sealed " << report.sealed_plaintext << " plaintext value(s) under key " << key << "\n";
  }
  if (report.unopened > 0) {
    std::cerr << "hookgate: " << report.unopened << " sealed value(s) do not open with " << kSecretsKeysVariable
              << " and were left as they are; add the key they were sealed with and run rewrap again\n";
    return 1;
  }
  return 0;
}

}  // namespace hookgate::cli
