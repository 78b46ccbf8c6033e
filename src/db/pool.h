#pragma once
// A fixed-size pool of libpqxx connections. libpqxx blocks, so callers are
// the blocking-work threads, never the Asio threads serving sockets.

#include <pqxx/connection>
#include <pqxx/transaction_base>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace hookgate::db {

// A named SQL statement, declared as a constant next to the code that runs it
// and prepared once per connection on first use.
struct Statement {
  std::string_view name;
  std::string_view sql;
};

class Connection {
 public:
  // `session_sql`, when given, runs once right after connecting (session
  // settings such as a pool's plan_cache_mode).
  explicit Connection(const std::string& url, const std::string& session_sql = {});
  pqxx::connection& raw() { return conn_; }
  void ensure_prepared(const Statement& statement);

 private:
  pqxx::connection conn_;
  std::unordered_set<std::string_view> prepared_;
};

template <class... Args>
pqxx::result exec(pqxx::transaction_base& tx, Connection& conn, const Statement& statement, Args&&... args) {
  conn.ensure_prepared(statement);
  return tx.exec_prepared(std::string(statement.name), std::forward<Args>(args)...);
}

struct PoolStats {
  std::size_t size = 0;
  std::size_t in_use = 0;
  std::size_t waiting = 0;
};

class ConnectionPool {
 public:
  ConnectionPool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout,
                 std::string session_sql = {});
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Returns the connection to the pool on destruction. A connection found
  // broken, here or when an acquire takes it from the idle list (the server
  // may have closed it meanwhile), is dropped and replaced by a new one.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Throws Unavailable (db/storage_error.h) when the pool is closed, no
  // connection frees up in time or the database cannot be reached (a new
  // connection is tried each time).
  Lease acquire();
  PoolStats stats() const;
  // Drops idle connections and refuses new acquires.
  void close();
  const std::string& url() const { return url_; }

 private:
  void release(std::unique_ptr<Connection> conn);

  const std::string url_;
  const std::string session_sql_;
  const std::size_t size_;
  const std::chrono::milliseconds acquire_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;     // connections that exist, idle or leased
  std::size_t waiting_ = 0;
  bool closed_ = false;
};

}  // namespace hookgate::db
