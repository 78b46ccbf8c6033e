#include "cli/options.h"

namespace hookgate::cli {

Options::Options(const std::vector<std::string>& args, std::set<std::string> valued, std::set<std::string> switches) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg.rfind("--", 0) == 0) {
      if (switches.count(arg) != 0) {
        switches_.insert(arg);
      } else if (valued.count(arg) != 0) {
        if (i + 1 >= args.size()) throw UsageError(arg + " needs a value");
        values_.emplace(arg, args[++i]);
      } else {
        throw UsageError("unknown option " + arg);
      }
    } else if (command_.empty()) {
      command_ = arg;
    } else {
      positionals_.push_back(arg);
    }
  }
  if (positionals_.size() > 1) throw UsageError("unexpected argument " + positionals_[1]);
}

const std::string& Options::positional() const {
  if (positionals_.empty()) throw UsageError(command_ + " needs an id argument");
  return positionals_.front();
}

std::optional<std::string> Options::optional(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Options::required(const std::string& flag) const {
  auto value = optional(flag);
  if (!value) throw UsageError("missing " + flag);
  return *value;
}

std::vector<std::string> Options::all(const std::string& flag) const {
  std::vector<std::string> out;
  auto [begin, end] = values_.equal_range(flag);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

}  // namespace hookgate::cli
