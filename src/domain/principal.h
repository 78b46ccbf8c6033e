#pragma once

#include "domain/api_key_format.h"
#include "domain/ids.h"
#include "domain/scopes.h"

namespace hookgate {

// Who is calling: an authenticated API key and what it may effectively do.
struct Principal {
  ApiKeyId key_id;
  AccountId account;
  KeyKind kind;
  ScopeSet scopes;  // effective scopes (pk_ keys never hold sk_-only scopes)
};

}  // namespace hookgate
