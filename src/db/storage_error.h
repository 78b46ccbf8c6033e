#pragma once
// The exceptional outcomes of storage, as storage sees them. What a client
// is told about them is decided above (api/storage_failure.h); expected
// outcomes such as "not found" or "limit reached" are return values of the
// repositories instead.

#include <stdexcept>
#include <string>

namespace hookgate::db {

enum class UnavailableReason {
  shutting_down,   // the pool was closed: the process is stopping
  pool_exhausted,  // no connection freed up within the acquire timeout
  unreachable,     // a new connection to the server could not be opened
};

// The database cannot serve this request now; a retry may succeed.
class Unavailable : public std::runtime_error {
 public:
  explicit Unavailable(UnavailableReason reason);
  UnavailableReason reason() const { return reason_; }

 private:
  UnavailableReason reason_;
};

}  // namespace hookgate::db
