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

// A list was asked to continue after a row that is not the account's (or
// does not exist). Thrown rather than returned because the list functions'
// Page<> results are shared by every list; `param` is the cursor parameter.
class UnknownCursor : public std::runtime_error {
 public:
  UnknownCursor(std::string param, std::string cursor);
  const std::string& param() const { return param_; }
  const std::string& cursor() const { return cursor_; }

 private:
  std::string param_;
  std::string cursor_;
};

}  // namespace hookgate::db
