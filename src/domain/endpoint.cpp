#include "domain/endpoint.h"

namespace hookgate {

std::vector<std::string> EndpointRecord::patterns() const {
  std::vector<std::string> out;
  for (const auto& subscription : subscriptions) out.push_back(subscription.pattern);
  return out;
}

}  // namespace hookgate
