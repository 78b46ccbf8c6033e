#include "auth/authenticator.h"

#include "core/error.h"
#include "core/log.h"

#include <algorithm>
#include <stdexcept>

namespace hookgate {

namespace {

ApiError invalid_key() {
  return ApiError(Errc::invalid_api_key, "The API key provided is invalid, revoked or expired.");
}

}  // namespace

KeyUseRecorder::KeyUseRecorder(db::ConnectionPool& pool, const Clock& clock, std::chrono::milliseconds interval)
    : pool_(pool), clock_(clock), interval_(interval) {}

KeyUseRecorder::~KeyUseRecorder() { stop(); }

void KeyUseRecorder::record(const ApiKeyId& key) {
  auto now = clock_.now();
  std::lock_guard lock(mutex_);
  pending_[key.str()] = now;
}

void KeyUseRecorder::flush() {
  std::unordered_map<std::string, TimePoint> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  if (batch.empty()) return;
  std::vector<KeyUse> uses;
  uses.reserve(batch.size());
  for (const auto& [id, at] : batch) uses.push_back({ApiKeyId::from_trusted(id), at});
  try {
    auto conn = pool_.acquire();
    db::record_key_uses(*conn, uses);
  } catch (const std::exception& error) {
    // Last-used is informational; losing one batch is acceptable.
    log::warn("could not record key use", {{"error", error.what()}, {"keys", uses.size()}});
  }
}

void KeyUseRecorder::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, interval_, [&] { return stopping_; });
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

void KeyUseRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Authenticator::Authenticator(db::ConnectionPool& pool, KeyCache& cache, const CatalogueStore& catalogue,
                             KeyUseRecorder& uses)
    : pool_(pool), cache_(cache), catalogue_(catalogue), uses_(uses) {}

Authenticator::PresentedKey Authenticator::presented_key(std::optional<std::string_view> authorization,
                                                         std::size_t header_count) {
  if (!authorization || header_count == 0) {
    throw ApiError(Errc::authentication_required,
                   "No API key provided. Send it as 'Authorization: Bearer <key>'.");
  }
  if (header_count > 1) throw invalid_key();
  auto token = bearer_token(*authorization);
  std::string basic;  // holds the key a Basic header carried, for `token` to view
  if (!token) {
    if (auto user = basic_user(*authorization)) token = basic = std::move(*user);
  }
  if (!token) throw invalid_key();
  auto parsed = parse_api_key(*token);
  if (!parsed) throw invalid_key();

  PresentedKey key{parsed->kind, api_key_hash(*token), {}};
  if (key.hash.size() != key.digest.size()) throw std::logic_error("API key hashes must be SHA-256 digests");
  std::copy(key.hash.begin(), key.hash.end(), key.digest.begin());
  return key;
}

std::shared_ptr<const Principal> Authenticator::authenticate_cached(std::optional<std::string_view> authorization,
                                                                     std::size_t header_count) {
  std::shared_ptr<const Principal> cached;
  try {
    cached = cache_.lookup(presented_key(authorization, header_count).digest);
  } catch (const ApiError&) {
    return nullptr;
  }
  if (cached) uses_.record(cached->key_id);
  return cached;
}

std::shared_ptr<const Principal> Authenticator::authenticate(std::optional<std::string_view> authorization,
                                                              std::size_t header_count) {
  auto key = presented_key(authorization, header_count);
  if (auto cached = cache_.lookup(key.digest)) {
    uses_.record(cached->key_id);
    return cached;
  }
  auto generation = cache_.generation();
  std::optional<KeyGrant> grant;
  {
    auto conn = pool_.acquire();
    grant = db::find_grant_by_hash(*conn, key.hash);
  }
  if (!grant || grant->kind != key.kind) throw invalid_key();
  auto catalogue = catalogue_.require();
  auto principal = std::make_shared<const Principal>(
      Principal{grant->id, grant->account, grant->kind, effective_scopes(grant->kind, grant->assigned, *catalogue)});
  cache_.insert(key.digest, KeyCache::Entry{principal, grant->secret_expires_at}, generation);
  uses_.record(principal->key_id);
  return principal;
}

}  // namespace hookgate
