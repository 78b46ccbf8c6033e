#pragma once
// A setting the process cannot start with; the message names the variable.

#include <stdexcept>

namespace hookgate {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hookgate
