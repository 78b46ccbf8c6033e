#pragma once
// Minimal parsing of `<command> [positional] --flag value ...` arguments.

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace hookgate::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Options {
 public:
  // `valued`: flags that take a value (may repeat); `switches`: flags without one.
  Options(const std::vector<std::string>& args, std::set<std::string> valued, std::set<std::string> switches);

  const std::string& command() const { return command_; }
  // The single positional argument after the command; UsageError if absent.
  const std::string& positional() const;
  std::optional<std::string> optional(const std::string& flag) const;
  std::string required(const std::string& flag) const;
  std::vector<std::string> all(const std::string& flag) const;
  bool has(const std::string& flag) const { return switches_.count(flag) != 0; }

 private:
  std::string command_;
  std::vector<std::string> positionals_;
  std::multimap<std::string, std::string> values_;
  std::set<std::string> switches_;
};

}  // namespace hookgate::cli
