#pragma once
// The one check that client text can be stored as it was sent. PostgreSQL's
// text and jsonb refuse invalid UTF-8 and U+0000 (and libpq would silently cut
// a parameter at a NUL byte), so such input is refused where it is decoded,
// naming the field, instead of failing in the database as a 500.

#include "core/error.h"

#include <string_view>

namespace hookgate {

// Valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF)
// without U+0000.
bool is_storable_text(std::string_view text);

// The invalid_parameter error for text that is not storable, naming `param`.
ApiError unstorable_text(std::string_view param);

// Throws unstorable_text(param) unless is_storable_text(text).
void require_storable_text(std::string_view text, std::string_view param);

}  // namespace hookgate
