#include "db/read_router.h"

#include "core/log.h"

#include <pqxx/nontransaction>

namespace hookgate::db {

namespace {

constexpr Statement kAnnounceWrite{"announce_account_write", "SELECT pg_notify('hookgate_account_writes', $1)"};

std::optional<std::uint64_t> read_lsn(Connection& conn, const char* sql) {
  pqxx::nontransaction tx(conn.raw());
  auto field = tx.exec1(sql)[0];
  if (field.is_null()) return std::nullopt;
  return parse_lsn(field.c_str());
}

}  // namespace

ReadRouter::ReadRouter(ConnectionPool& primary, std::optional<ReplicaOptions> replica)
    : primary_(primary),
      replica_(replica ? std::make_unique<ConnectionPool>(replica->url, replica->pool_size, replica->acquire_timeout)
                       : nullptr),
      options_(replica.value_or(ReplicaOptions{})) {}

ReadRouter::~ReadRouter() { stop(); }

void ReadRouter::start() {
  if (!replica_ || probe_) return;
  probe_ = std::make_unique<BackgroundLoop>("read replica probe", options_.probe_interval, [this] { probe_once(); });
  probe_->start();
}

void ReadRouter::stop() {
  if (probe_) probe_->stop();
  if (replica_) replica_->close();
}

ReadChoice ReadRouter::choose(const AccountId& account) {
  if (!hearing_writes_) return {ReadTarget::primary, ReadReason::unknown};
  std::lock_guard lock(mutex_);
  std::optional<Clock::time_point> last_write;
  if (auto found = last_writes_.find(account.str()); found != last_writes_.end()) last_write = found->second;
  return choose_read(freshness_.complete_until(), last_write, Clock::now(), options_.max_lag);
}

void ReadRouter::counted(ReadChoice choice) const {
  if (on_read_) on_read_(choice.target, choice.reason);
}

void ReadRouter::replica_failed() {
  std::lock_guard lock(mutex_);
  freshness_.replica_lost();
}

void ReadRouter::wrote(Connection& conn, const AccountId& account) {
  if (!replica_) return;
  note_write_at(account.str(), Clock::now());
  // After the write's commit: a process that hears this before the key's
  // next request keeps that request on the primary too.
  try {
    pqxx::nontransaction tx(conn.raw());
    exec(tx, conn, kAnnounceWrite, account.str());
  } catch (const std::exception& error) {
    // The write stands; only other processes may serve a stale read until
    // the replica catches up.
    log::warn("could not announce an account's write to other processes", {{"error", error.what()}});
  }
}

void ReadRouter::note_write(const std::string& account) {
  if (replica_) note_write_at(account, Clock::now());
}

void ReadRouter::note_write_at(const std::string& account, Clock::time_point at) {
  std::lock_guard lock(mutex_);
  auto& last = last_writes_[account];
  if (at > last) last = at;
}

void ReadRouter::set_hearing_writes(bool hearing) { hearing_writes_ = hearing; }

std::optional<std::chrono::milliseconds> ReadRouter::replica_lag() const {
  std::lock_guard lock(mutex_);
  auto complete = freshness_.complete_until();
  if (!complete) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *complete);
}

void ReadRouter::probe_once() {
  // The primary's position first, with the time before asking: every commit
  // acknowledged before that time lies at or below it.
  try {
    if (!primary_probe_) primary_probe_ = std::make_unique<Connection>(primary_.url());
    auto taken_at = Clock::now();
    if (auto lsn = read_lsn(*primary_probe_, "SELECT pg_current_wal_lsn()::text")) {
      std::lock_guard lock(mutex_);
      freshness_.primary_at(taken_at, *lsn);
    }
  } catch (const std::exception&) {
    primary_probe_.reset();  // the primary's own outage is the pool's to report
    return;
  }
  std::optional<std::uint64_t> replayed;
  try {
    if (!replica_probe_) replica_probe_ = std::make_unique<Connection>(replica_->url());
    // NULL on a server that is not in recovery: not a standby (perhaps a
    // promoted one), so its freshness cannot be told.
    replayed = read_lsn(*replica_probe_, "SELECT pg_last_wal_replay_lsn()::text");
  } catch (const std::exception&) {
    replica_probe_.reset();
  }
  std::lock_guard lock(mutex_);
  if (!replayed) {
    freshness_.replica_lost();
    return;
  }
  freshness_.replica_replayed(*replayed);
  // Writes the replica now holds need no remembering.
  if (auto complete = freshness_.complete_until()) {
    std::erase_if(last_writes_, [&](const auto& entry) { return entry.second < *complete; });
  }
}

}  // namespace hookgate::db
