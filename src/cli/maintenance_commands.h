#pragma once
// `hookgate maintain [--as-of <RFC 3339 time>] [--dry-run]`: partition
// maintenance from the command line (and from cron).

#include <string>
#include <vector>

namespace hookgate::cli {

int maintain_command(const std::vector<std::string>& args);

}  // namespace hookgate::cli
