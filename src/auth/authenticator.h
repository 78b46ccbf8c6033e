#pragma once
// Turns an Authorization header into a Principal, or a 401. Cached keys are
// answered from memory; the rest from Postgres. Work does not depend on how
// much of a key matches: lookups are by SHA-256 of the whole key.

#include "auth/key_cache.h"
#include "auth/principal_source.h"
#include "core/clock.h"
#include "db/key_repository.h"
#include "db/pool.h"
#include "domain/catalogue_store.h"
#include "domain/principal.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace hookgate {

// Collects when each key was last used and writes them in one batch every
// interval, so authentication never waits on a write.
class KeyUseRecorder {
 public:
  KeyUseRecorder(db::ConnectionPool& pool, const Clock& clock, std::chrono::milliseconds interval);
  ~KeyUseRecorder();
  void record(const ApiKeyId& key);
  void flush();  // writes what is pending now
  void start();
  void stop();  // flushes what is pending

 private:
  db::ConnectionPool& pool_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<std::string, TimePoint> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

class Authenticator final : public PrincipalSource {
 public:
  Authenticator(db::ConnectionPool& pool, KeyCache& cache, const CatalogueStore& catalogue, KeyUseRecorder& uses);

  // `authorization` is the Authorization header if present; `header_count`
  // how many times it was sent (more than once is refused). Never null: a
  // refusal throws. Shared, so a cache hit copies nothing.
  std::shared_ptr<const Principal> authenticate(std::optional<std::string_view> authorization,
                                                std::size_t header_count) override;
  // The same from the cache alone: null when the key is not cached (or
  // invalid), without touching the database.
  std::shared_ptr<const Principal> authenticate_cached(std::optional<std::string_view> authorization,
                                                       std::size_t header_count) override;

 private:
  struct PresentedKey {
    KeyKind kind;  // not the parsed text: a Basic header's key dies with presented_key()
    std::vector<unsigned char> hash;
    KeyDigest digest;
  };
  // Checks the header's shape and hashes the key; throws 401 when malformed.
  static PresentedKey presented_key(std::optional<std::string_view> authorization, std::size_t header_count);

  db::ConnectionPool& pool_;
  KeyCache& cache_;
  const CatalogueStore& catalogue_;
  KeyUseRecorder& uses_;
};

}  // namespace hookgate
