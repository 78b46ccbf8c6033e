#pragma once
// Webhook endpoint use cases with the gatekeeper rules of DESIGN §3 (1-3).
// Every call acts for one authenticated key, within that key's account.

#include "core/random.h"
#include "core/secret_sealing.h"
#include "db/pool.h"
#include "db/read_router.h"
#include "domain/catalogue_store.h"
#include "domain/endpoint.h"
#include "domain/pagination.h"
#include "domain/principal.h"
#include "domain/url_policy.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookgate {

struct EndpointLimits {
  std::size_t max_endpoints_per_account = 100;
  std::size_t max_enabled_events = 100;
  std::size_t max_description_length = 1000;
  std::size_t max_metadata_keys = 50;
  std::size_t max_metadata_key_length = 40;
  std::size_t max_metadata_value_length = 500;
  std::chrono::seconds default_secret_grace{24 * 3600};
  std::chrono::seconds max_secret_grace{7 * 24 * 3600};
};

struct EndpointCreate {
  std::string url;
  std::string description;
  Metadata metadata;
  std::vector<std::string> enabled_events;
};

struct EndpointUpdate {
  std::optional<std::string> url;
  std::optional<std::string> description;
  std::optional<std::map<std::string, std::optional<std::string>>> metadata;  // merged; null removes a key
  std::optional<std::vector<std::string>> enabled_events;                     // replaces the list
  std::optional<bool> disabled;
};

struct EndpointWithSecret {
  EndpointRecord endpoint;
  std::string secret;
};

// The signing secret as revealed: the current one, and while a roll's grace
// period runs, when the previous one stops signing.
struct EndpointSecretView {
  EndpointId endpoint;
  std::string secret;
  std::optional<TimePoint> previous_expires_at;
};

class EndpointService {
 public:
  // Signing secrets are stored sealed under `secrets` (DESIGN §9) and
  // returned in plaintext only by create and roll_secret.
  EndpointService(db::ConnectionPool& pool, db::ReadRouter& reads, const CatalogueStore& catalogue, RandomSource& random,
                  const SecretKeyRing& secrets, UrlPolicy url_policy, EndpointLimits limits);

  EndpointWithSecret create(const Principal& caller, const EndpointCreate& request);
  EndpointRecord retrieve(const Principal& caller, const EndpointId& id);
  Page<EndpointRecord> list(const Principal& caller, const EndpointFilter& filter, const PageRequest& page);
  EndpointRecord update(const Principal& caller, const EndpointId& id, const EndpointUpdate& request);
  void remove(const Principal& caller, const EndpointId& id);
  // Needs webhooks.endpoints:read as well as :manage (the route's scope), so
  // only sk_ keys: revealing a secret is a write-grade power (DESIGN §13).
  EndpointSecretView reveal_secret(const Principal& caller, const EndpointId& id);
  EndpointWithSecret roll_secret(const Principal& caller, const EndpointId& id,
                                 std::optional<std::chrono::seconds> grace);

  const EndpointLimits& limits() const { return limits_; }

 private:
  std::vector<std::string> checked_patterns(const std::vector<std::string>& patterns) const;
  void check_description(const std::string& description) const;

  db::ConnectionPool& pool_;
  db::ReadRouter& reads_;  // retrieve and list may use a replica
  const CatalogueStore& catalogue_;
  RandomSource& random_;
  const SecretKeyRing& secrets_;
  UrlPolicy url_policy_;
  EndpointLimits limits_;
};

}  // namespace hookgate
