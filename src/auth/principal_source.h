#pragma once
// Where the gate gets the caller's principal from. The Authenticator is the
// one implementation; the interface lets the gate's decisions be unit-tested
// without a database.

#include "domain/principal.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace hookgate {

class PrincipalSource {
 public:
  virtual ~PrincipalSource() = default;

  // `authorization` is the Authorization header if present; `header_count`
  // how many times it was sent. Never null: a refusal throws an ApiError
  // (authentication_required or invalid_api_key).
  virtual std::shared_ptr<const Principal> authenticate(std::optional<std::string_view> authorization,
                                                        std::size_t header_count) = 0;
  // The same from what is known good without a lookup: null when the key is
  // not known (or invalid).
  virtual std::shared_ptr<const Principal> authenticate_cached(std::optional<std::string_view> authorization,
                                                               std::size_t header_count) = 0;
};

}  // namespace hookgate
