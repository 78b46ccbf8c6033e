#pragma once
// How large JSON becomes once PostgreSQL holds it. jsonb keeps numbers as
// `numeric` and writes them out in plain decimal, so 1e300 (5 bytes as sent)
// comes back as a 301-digit number; a size limit checked on the text as sent
// would let a small body grow a hundredfold in storage and in every delivery.

#include <nlohmann/json_fwd.hpp>

#include <cstddef>

namespace hookgate {

// The compact serialization's size, with every floating-point number
// counted at the length of its plain decimal form.
std::size_t stored_json_size(const nlohmann::json& value);

}  // namespace hookgate
