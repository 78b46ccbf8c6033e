#pragma once
// How far a read replica is behind, in the primary's own terms (DESIGN §11).
// Now and then the primary's WAL position is sampled together with the time
// just before the sample was asked for: every commit acknowledged before
// that time lies at or below the position. Once the replica has replayed a
// sample's position it holds every such commit, so "complete until" is the
// newest replayed sample's time. An idle primary does not look like lag: its
// position stands still and the replica has already replayed it.
//
// Pure bookkeeping with times passed in (no clock, no database), so the
// decisions are tested without either; db/read_router.h feeds it.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

namespace hookgate::db {

class ReplicaFreshness {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // The primary's WAL position `lsn`, asked for just after `taken_at`.
  void primary_at(TimePoint taken_at, std::uint64_t lsn);
  // The replica has replayed the WAL up to `lsn`.
  void replica_replayed(std::uint64_t lsn);
  // The replica could not be asked (or is no standby): nothing is known
  // until it has replayed a position sampled after now.
  void replica_lost();
  // Every commit acknowledged before this time is on the replica; nullopt
  // while nothing is known.
  std::optional<TimePoint> complete_until() const { return complete_until_; }

 private:
  static constexpr std::size_t kMaxPending = 4096;
  std::deque<std::pair<TimePoint, std::uint64_t>> pending_;  // sampled, not yet replayed, oldest first
  std::optional<TimePoint> complete_until_;
};

// Where one read goes, and why.
enum class ReadTarget { replica, primary };
enum class ReadReason {
  fresh,         // replica: it holds every write the account made
  no_replica,    // primary: none is configured
  unknown,       // primary: the replica's position is not known (unreachable, starting, not a standby)
  lagging,       // primary: the replica is further behind than the allowed lag
  own_write,     // primary: the account wrote something the replica has not replayed yet
  replica_failed,  // primary: the replica failed this read (a lost connection, its pool full)
};
std::string_view to_string(ReadReason reason);

struct ReadChoice {
  ReadTarget target;
  ReadReason reason;
};

// The replica when it is complete past the account's last write (noted
// after that write was acknowledged) and no more than `max_lag` behind `now`.
ReadChoice choose_read(std::optional<ReplicaFreshness::TimePoint> complete_until,
                       std::optional<ReplicaFreshness::TimePoint> last_write, ReplicaFreshness::TimePoint now,
                       std::chrono::milliseconds max_lag);

// A pg_lsn's text ("16/B374D848") as a number; nullopt for anything else.
std::optional<std::uint64_t> parse_lsn(std::string_view text);

}  // namespace hookgate::db
