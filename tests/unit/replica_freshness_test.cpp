// Read routing decisions (db/replica_freshness.h): samples of the primary's
// WAL position, the replica's replay position, and where an account's read
// goes, with times passed in.

#include "db/replica_freshness.h"

#include <gtest/gtest.h>

namespace hookgate::db {
namespace {

using namespace std::chrono_literals;
using TimePoint = ReplicaFreshness::TimePoint;

const TimePoint t0 = TimePoint{} + 1h;
constexpr auto kMaxLag = 1000ms;

TEST(ReplicaFreshness, NothingIsKnownUntilASampleIsReplayed) {
  ReplicaFreshness freshness;
  EXPECT_EQ(freshness.complete_until(), std::nullopt);
  freshness.primary_at(t0, 100);
  freshness.replica_replayed(99);
  EXPECT_EQ(freshness.complete_until(), std::nullopt);
  freshness.replica_replayed(100);
  EXPECT_EQ(freshness.complete_until(), t0);
}

TEST(ReplicaFreshness, CompleteUntilIsTheNewestReplayedSample) {
  ReplicaFreshness freshness;
  freshness.primary_at(t0, 100);
  freshness.primary_at(t0 + 100ms, 200);
  freshness.primary_at(t0 + 200ms, 300);
  freshness.replica_replayed(250);
  EXPECT_EQ(freshness.complete_until(), t0 + 100ms);
  freshness.replica_replayed(250);  // no progress: no change
  EXPECT_EQ(freshness.complete_until(), t0 + 100ms);
  freshness.replica_replayed(300);
  EXPECT_EQ(freshness.complete_until(), t0 + 200ms);
}

TEST(ReplicaFreshness, AnIdlePrimaryIsNotLag) {
  ReplicaFreshness freshness;
  for (int i = 0; i < 50; ++i) {
    freshness.primary_at(t0 + i * 100ms, 500);  // the position stands still
    freshness.replica_replayed(500);
  }
  EXPECT_EQ(freshness.complete_until(), t0 + 4900ms);
}

TEST(ReplicaFreshness, ALostReplicaIsUnknownUntilItReplaysANewSample) {
  ReplicaFreshness freshness;
  freshness.primary_at(t0, 100);
  freshness.replica_replayed(100);
  freshness.replica_lost();
  EXPECT_EQ(freshness.complete_until(), std::nullopt);
  freshness.replica_replayed(100);  // no sample since the loss
  EXPECT_EQ(freshness.complete_until(), std::nullopt);
  freshness.primary_at(t0 + 1s, 120);
  freshness.replica_replayed(120);
  EXPECT_EQ(freshness.complete_until(), t0 + 1s);
}

TEST(ReplicaFreshness, AStalledReplicaKeepsABoundedListAndStillTellsTheTruthLater) {
  ReplicaFreshness freshness;
  for (int i = 0; i < 100'000; ++i) freshness.primary_at(t0 + i * 1ms, static_cast<std::uint64_t>(i));
  EXPECT_EQ(freshness.complete_until(), std::nullopt);
  freshness.replica_replayed(99'999);
  EXPECT_EQ(freshness.complete_until(), t0 + 99'999ms);
}

TEST(ChooseRead, TheReplicaServesAnAccountWhoseWritesItHolds) {
  auto choice = choose_read(t0, t0 - 1ms, t0 + 100ms, kMaxLag);
  EXPECT_EQ(choice.target, ReadTarget::replica);
  EXPECT_EQ(choice.reason, ReadReason::fresh);
  EXPECT_EQ(choose_read(t0, std::nullopt, t0 + 100ms, kMaxLag).target, ReadTarget::replica);
}

TEST(ChooseRead, AWriteTheReplicaMayNotHoldKeepsTheAccountOnThePrimary) {
  // The write was acknowledged at or after the newest replayed sample was taken.
  EXPECT_EQ(choose_read(t0, t0, t0 + 1ms, kMaxLag).reason, ReadReason::own_write);
  EXPECT_EQ(choose_read(t0, t0 + 5ms, t0 + 6ms, kMaxLag).reason, ReadReason::own_write);
  EXPECT_EQ(choose_read(t0, t0 + 5ms, t0 + 6ms, kMaxLag).target, ReadTarget::primary);
}

TEST(ChooseRead, ALaggingOrUnknownReplicaServesNobody) {
  EXPECT_EQ(choose_read(t0, std::nullopt, t0 + kMaxLag, kMaxLag).target, ReadTarget::replica);
  auto lagging = choose_read(t0, std::nullopt, t0 + kMaxLag + 1ms, kMaxLag);
  EXPECT_EQ(lagging.target, ReadTarget::primary);
  EXPECT_EQ(lagging.reason, ReadReason::lagging);
  auto unknown = choose_read(std::nullopt, std::nullopt, t0, kMaxLag);
  EXPECT_EQ(unknown.target, ReadTarget::primary);
  EXPECT_EQ(unknown.reason, ReadReason::unknown);
}

TEST(ParseLsn, ReadsPostgresTextForm) {
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_EQ(parse_lsn("16/B374D848"), (std::uint64_t{0x16} << 32) | 0xB374D848u);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), ~std::uint64_t{0});
  for (const char* bad : {"", "/", "1/", "/1", "1", "1/2/3", "g/1", "-1/2", "100000000/0", " 1/2"}) {
    EXPECT_EQ(parse_lsn(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace hookgate::db
