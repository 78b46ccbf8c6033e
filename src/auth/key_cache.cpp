#include "auth/key_cache.h"

#include "core/crypto.h"

#include <mutex>
#include <string_view>

namespace hookgate {

namespace {

std::string_view as_chars(const KeyDigest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

bool KeyCache::DigestEqual::operator()(const KeyDigest& a, const KeyDigest& b) const {
  return crypto::constant_time_equal(as_chars(a), as_chars(b));
}

KeyCache::KeyCache(const Clock& clock, std::chrono::seconds ttl, std::size_t max_entries)
    : clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

std::shared_ptr<const Principal> KeyCache::lookup(const KeyDigest& secret_hash) const {
  if (trusted_.load()) {
    auto now = clock_.now();  // read before locking, to hold the lock for less
    std::shared_lock lock(mutex_);
    auto it = entries_.find(secret_hash);
    if (it != entries_.end()) {
      const auto& stored = it->second;
      bool fresh = now - stored.stored_at < ttl_ && (!stored.entry.expires_at || now < *stored.entry.expires_at);
      if (fresh) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        return stored.entry.principal;
      }
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

void KeyCache::insert(const KeyDigest& secret_hash, Entry entry, std::uint64_t generation) {
  std::unique_lock lock(mutex_);
  // Checked under the lock: invalidations bump the generation under it too.
  if (!trusted_.load() || generation != generation_.load()) return;
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(secret_hash, Stored{std::move(entry), clock_.now()});
}

void KeyCache::invalidate_key(const std::string& key_id) {
  std::unique_lock lock(mutex_);
  ++generation_;
  std::erase_if(entries_, [&](const auto& item) { return item.second.entry.principal->key_id.str() == key_id; });
}

void KeyCache::invalidate_all() {
  std::unique_lock lock(mutex_);
  ++generation_;
  entries_.clear();
}

void KeyCache::set_trusted(bool trusted) {
  std::unique_lock lock(mutex_);
  ++generation_;
  entries_.clear();
  trusted_ = trusted;
}

std::size_t KeyCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace hookgate
