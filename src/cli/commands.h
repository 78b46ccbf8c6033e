#pragma once
// The hookgate command line: `hookgate <command> [options]`.

#include <string>
#include <vector>

namespace hookgate::cli {

// Returns the process exit code.
int run(const std::vector<std::string>& args);

}  // namespace hookgate::cli
