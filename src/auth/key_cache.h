#pragma once
// In-process cache of authenticated keys, keyed by the SHA-256 of the key
// text. Correctness rests on invalidation, not expiry:
//  * every change to a key is NOTIFYed and evicts it (invalidate_key);
//  * a lookup racing an invalidation cannot re-insert stale data, because
//    inserts carry the generation observed before the database read;
//  * while the notification connection is down the cache is untrusted: it
//    answers nothing and stores nothing, so every request reads Postgres.
// A TTL bounds the life of any entry regardless.
//
// Entries hold an immutable Principal behind a shared_ptr: a hit hands out a
// reference count, not a copy of the scope set (this is on every request).

#include "core/clock.h"
#include "domain/principal.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace hookgate {

// SHA-256 of a whole API key, as stored in Postgres.
using KeyDigest = std::array<unsigned char, 32>;

class KeyCache {
 public:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    std::optional<TimePoint> expires_at;  // a rolled-away secret's end of grace
  };

  explicit KeyCache(const Clock& clock, std::chrono::seconds ttl = std::chrono::seconds(60),
                    std::size_t max_entries = 100'000);

  std::shared_ptr<const Principal> lookup(const KeyDigest& secret_hash) const;
  std::uint64_t generation() const { return generation_.load(); }
  // Stores only if nothing was invalidated since `generation` was read.
  void insert(const KeyDigest& secret_hash, Entry entry, std::uint64_t generation);

  void invalidate_key(const std::string& key_id);
  void invalidate_all();
  void set_trusted(bool trusted);
  bool trusted() const { return trusted_.load(); }

  std::uint64_t hits() const { return hits_.load(); }
  std::uint64_t misses() const { return misses_.load(); }
  std::size_t size() const;

 private:
  struct Stored {
    Entry entry;
    TimePoint stored_at;
  };
  // The key is already a uniformly distributed SHA-256 digest, so its first
  // bytes are the bucket hash; rehashing it would be wasted work. Only keys
  // found in Postgres are ever inserted, so callers cannot aim collisions.
  struct DigestHash {
    std::size_t operator()(const KeyDigest& digest) const {
      std::size_t value;
      std::memcpy(&value, digest.data(), sizeof value);
      return value;
    }
  };
  // Digests are compared in constant time, like every other secret.
  struct DigestEqual {
    bool operator()(const KeyDigest& a, const KeyDigest& b) const;
  };

  const Clock& clock_;
  const std::chrono::seconds ttl_;
  const std::size_t max_entries_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<KeyDigest, Stored, DigestHash, DigestEqual> entries_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> trusted_{false};
  mutable std::atomic<std::uint64_t> hits_{0};
  mutable std::atomic<std::uint64_t> misses_{0};
};

}  // namespace hookgate
