#include "db/replica_freshness.h"

#include <charconv>

namespace hookgate::db {

void ReplicaFreshness::primary_at(TimePoint taken_at, std::uint64_t lsn) {
  // A replica that stopped replaying would grow the list without end. Losing
  // the oldest samples costs nothing but precision: a newer one, once
  // replayed, still tells the truth.
  if (pending_.size() >= kMaxPending) pending_.pop_front();
  pending_.emplace_back(taken_at, lsn);
}

void ReplicaFreshness::replica_replayed(std::uint64_t lsn) {
  while (!pending_.empty() && pending_.front().second <= lsn) {
    complete_until_ = pending_.front().first;
    pending_.pop_front();
  }
}

void ReplicaFreshness::replica_lost() {
  pending_.clear();
  complete_until_.reset();
}

std::string_view to_string(ReadReason reason) {
  switch (reason) {
    case ReadReason::fresh: return "fresh";
    case ReadReason::no_replica: return "no_replica";
    case ReadReason::unknown: return "unknown";
    case ReadReason::lagging: return "lagging";
    case ReadReason::own_write: return "own_write";
    case ReadReason::replica_failed: return "replica_failed";
  }
  return "unknown";
}

ReadChoice choose_read(std::optional<ReplicaFreshness::TimePoint> complete_until,
                       std::optional<ReplicaFreshness::TimePoint> last_write, ReplicaFreshness::TimePoint now,
                       std::chrono::milliseconds max_lag) {
  if (!complete_until) return {ReadTarget::primary, ReadReason::unknown};
  if (now - *complete_until > max_lag) return {ReadTarget::primary, ReadReason::lagging};
  if (last_write && *last_write >= *complete_until) return {ReadTarget::primary, ReadReason::own_write};
  return {ReadTarget::replica, ReadReason::fresh};
}

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  auto hex = [](std::string_view part) -> std::optional<std::uint32_t> {
    std::uint32_t value = 0;
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value, 16);
    if (error != std::errc() || end != part.data() + part.size()) return std::nullopt;
    return value;
  };
  auto high = hex(text.substr(0, slash));
  auto low = hex(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return (std::uint64_t{*high} << 32) | *low;
}

}  // namespace hookgate::db
