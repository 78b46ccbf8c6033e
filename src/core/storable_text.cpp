#include "core/storable_text.h"

#include <boost/locale/utf.hpp>

#include <string>

namespace hookgate {

bool is_storable_text(std::string_view text) {
  using utf = boost::locale::utf::utf_traits<char>;
  for (auto it = text.begin(); it != text.end();) {
    auto code_point = utf::decode(it, text.end());
    if (code_point == boost::locale::utf::illegal || code_point == boost::locale::utf::incomplete ||
        code_point == 0) {
      return false;
    }
  }
  return true;
}

ApiError unstorable_text(std::string_view param) {
  return invalid_parameter(param, std::string(param) + " must be UTF-8 text without U+0000.");
}

void require_storable_text(std::string_view text, std::string_view param) {
  if (!is_storable_text(text)) throw unstorable_text(param);
}

}  // namespace hookgate
