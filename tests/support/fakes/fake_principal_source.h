#pragma once
// Principals by the exact Authorization header, with no database: the
// gate's decisions are tested against it.

#include "auth/principal_source.h"
#include "core/error.h"

#include <map>
#include <memory>
#include <string>

namespace hookgate::testing {

class FakePrincipalSource final : public PrincipalSource {
 public:
  // Requests sending `authorization` are `principal`; `cached` ones are
  // also answered while the client is throttled.
  void add(std::string authorization, Principal principal, bool cached = false) {
    keys_[std::move(authorization)] = {std::make_shared<const Principal>(std::move(principal)), cached};
  }
  // Every lookup (not the cached ones) throws this, e.g. a lost database.
  void fail_with(std::exception_ptr failure) { failure_ = std::move(failure); }

  std::shared_ptr<const Principal> authenticate(std::optional<std::string_view> authorization,
                                                std::size_t header_count) override {
    ++lookups;
    if (failure_) std::rethrow_exception(failure_);
    if (!authorization || header_count == 0) throw ApiError(Errc::authentication_required, "No API key provided.");
    auto found = header_count == 1 ? keys_.find(std::string(*authorization)) : keys_.end();
    if (found == keys_.end()) throw ApiError(Errc::invalid_api_key, "The API key provided is invalid.");
    return found->second.principal;
  }
  std::shared_ptr<const Principal> authenticate_cached(std::optional<std::string_view> authorization,
                                                       std::size_t header_count) override {
    if (!authorization || header_count != 1) return nullptr;
    auto found = keys_.find(std::string(*authorization));
    return found != keys_.end() && found->second.cached ? found->second.principal : nullptr;
  }

  int lookups = 0;  // calls to authenticate()

 private:
  struct Known {
    std::shared_ptr<const Principal> principal;
    bool cached;
  };
  std::map<std::string, Known, std::less<>> keys_;
  std::exception_ptr failure_;
};

}  // namespace hookgate::testing
