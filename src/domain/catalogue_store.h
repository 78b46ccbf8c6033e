#pragma once
// The current catalogue snapshot, swapped whole when Postgres announces a change.

#include "core/error.h"
#include "domain/scopes.h"

#include <memory>
#include <mutex>

namespace hookgate {

class CatalogueStore {
 public:
  explicit CatalogueStore(std::shared_ptr<const Catalogue> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const Catalogue> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  // The snapshot, or 503 while none could be loaded yet.
  std::shared_ptr<const Catalogue> require() const {
    auto current = get();
    if (!current) throw ApiError(Errc::service_unavailable, "The scope catalogue is not loaded yet; retry shortly.");
    return current;
  }
  void set(std::shared_ptr<const Catalogue> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Catalogue> current_;
};

}  // namespace hookgate
