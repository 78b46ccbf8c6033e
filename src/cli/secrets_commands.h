#pragma once
// `hookgate secrets rewrap`, and the secrets-at-rest steps that `serve` and
// `migrate` take at start (DESIGN §9).

#include "app/config.h"

#include <string>
#include <vector>

namespace hookgate::cli {

int secrets_command(const std::vector<std::string>& args);

// For `serve`, once migrated: refuses (ConfigError naming
// HOOKGATE_SECRETS_KEYS) unless the key ring opens every key id stored, then
// seals any plaintext left from before V015.
void prepare_secrets_for_serving(const Config& config);

// For `migrate`: with a key ring, the same as serve; without one, says how
// many secrets are still plaintext, if any.
void seal_after_migrating(const Config& config);

}  // namespace hookgate::cli
