#include "auth/key_cache.h"

#include <mutex>

namespace hookgate {

KeyCache::KeyCache(const Clock& clock, std::chrono::seconds ttl, std::size_t max_entries)
    : clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

std::optional<Principal> KeyCache::lookup(const std::string& secret_hash) const {
  if (trusted_.load()) {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(secret_hash);
    if (it != entries_.end()) {
      auto now = clock_.now();
      const auto& stored = it->second;
      bool fresh = now - stored.stored_at < ttl_ && (!stored.entry.expires_at || now < *stored.entry.expires_at);
      if (fresh) {
        ++hits_;
        return stored.entry.principal;
      }
    }
  }
  ++misses_;
  return std::nullopt;
}

void KeyCache::insert(const std::string& secret_hash, Entry entry, std::uint64_t generation) {
  std::unique_lock lock(mutex_);
  // Checked under the lock: invalidations bump the generation under it too.
  if (!trusted_.load() || generation != generation_.load()) return;
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(secret_hash, Stored{std::move(entry), clock_.now()});
}

void KeyCache::invalidate_key(const std::string& key_id) {
  std::unique_lock lock(mutex_);
  ++generation_;
  std::erase_if(entries_, [&](const auto& item) { return item.second.entry.principal.key_id.str() == key_id; });
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

}  // namespace hookgate
