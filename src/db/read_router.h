#pragma once
// Where dashboard reads go (DESIGN §11): lists and gets of an account's
// endpoints, deliveries, attempts and retry jobs may be served by a hot
// standby (HOOKGATE_DATABASE_READ_URL); everything else, and every read the
// replica cannot serve correctly, uses the primary.
//
// Read-your-writes: after an account's write commits, its reads stay on the
// primary until the replica has replayed a WAL position sampled after that
// commit (db/replica_freshness.h). The writing process knows at once; other
// processes learn it from a notification the writer sends right after its
// commit (kAccountWritesChannel), so a key's next request finds its write
// whichever process serves it, as long as that process heard the
// notification first (sub-millisecond on one network; while a process's
// LISTEN connection is down it sends every read to the primary).
//
// Lag: a probe samples the primary's WAL position and the replica's replay
// position every probe interval; a replica further behind than `max_lag`, or
// whose position is unknown, gets no reads. A read the replica fails with a
// lost connection or a full pool is run again on the primary.

#include "core/background_loop.h"
#include "db/connection_failure.h"
#include "db/pool.h"
#include "db/replica_freshness.h"
#include "db/storage_error.h"
#include "domain/ids.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hookgate::db {

inline constexpr const char* kAccountWritesChannel = "hookgate_account_writes";

struct ReplicaOptions {
  std::string url;
  std::size_t pool_size = 4;
  std::chrono::milliseconds acquire_timeout{2000};
  std::chrono::milliseconds max_lag{1000};
  std::chrono::milliseconds probe_interval{100};
};

class ReadRouter {
 public:
  using Clock = std::chrono::steady_clock;
  // Called for every routed read (metrics).
  using OnRead = std::function<void(ReadTarget, ReadReason)>;

  // Without `replica` every read is the primary's; with it, reads go to the
  // replica when it is fresh enough (the probe starts with start()).
  explicit ReadRouter(ConnectionPool& primary, std::optional<ReplicaOptions> replica = std::nullopt);
  ~ReadRouter();
  ReadRouter(const ReadRouter&) = delete;
  ReadRouter& operator=(const ReadRouter&) = delete;

  bool has_replica() const { return replica_ != nullptr; }
  ConnectionPool* replica_pool() { return replica_.get(); }
  void on_read(OnRead on_read) { on_read_ = std::move(on_read); }
  void start();
  void stop();

  // Runs `read(Connection&)` where `account`'s reads go now and returns what it returns.
  template <class Read>
  auto read(const AccountId& account, Read&& read) -> decltype(read(std::declval<Connection&>())) {
    auto choice = has_replica() ? choose(account) : ReadChoice{ReadTarget::primary, ReadReason::no_replica};
    if (choice.target == ReadTarget::replica) {
      try {
        auto lease = replica_->acquire();
        auto result = read(*lease);
        counted(choice);
        return result;
      } catch (const Unavailable&) {
        replica_failed();
      } catch (const std::exception& error) {
        if (!is_connection_failure(error)) throw;
        replica_failed();
      }
      choice = {ReadTarget::primary, ReadReason::replica_failed};
    }
    auto lease = primary_.acquire();
    auto result = read(*lease);
    counted(choice);
    return result;
  }

  // After `account`'s write committed on `conn` (a primary connection): its
  // next reads stay on the primary until the replica has the write, and the
  // other processes are told. Nothing to do without a replica.
  void wrote(Connection& conn, const AccountId& account);
  // A write another process announced.
  void note_write(const std::string& account);
  // Whether this process hears other processes' announcements; while it
  // does not, every read goes to the primary.
  void set_hearing_writes(bool hearing);

  // How far behind the replica is; nullopt without one or while unknown.
  std::optional<std::chrono::milliseconds> replica_lag() const;

 private:
  ReadChoice choose(const AccountId& account);
  void counted(ReadChoice choice) const;
  void replica_failed();
  void note_write_at(const std::string& account, Clock::time_point at);
  void probe_once();

  ConnectionPool& primary_;
  std::unique_ptr<ConnectionPool> replica_;
  ReplicaOptions options_;
  OnRead on_read_;
  std::atomic<bool> hearing_writes_{false};  // until the LISTEN connection is in place

  mutable std::mutex mutex_;  // guards freshness_ and last_writes_
  ReplicaFreshness freshness_;
  std::unordered_map<std::string, Clock::time_point> last_writes_;  // until the replica has them

  // Probe connections of their own, so a busy pool cannot delay the sample.
  std::unique_ptr<Connection> primary_probe_;
  std::unique_ptr<Connection> replica_probe_;
  std::unique_ptr<BackgroundLoop> probe_;
};

}  // namespace hookgate::db
