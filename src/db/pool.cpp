#include "db/pool.h"

#include "db/storage_error.h"

#include <pqxx/except>
#include <pqxx/nontransaction>

#include <poll.h>

namespace hookgate::db {

namespace {

// An idle connection has nothing to read: waiting bytes (a stopping server's
// goodbye) or end-of-file mean the server closed it while it sat in the pool,
// so it is replaced before a request can fail on it.
bool still_connected(pqxx::connection& conn) {
  if (!conn.is_open()) return false;
  pollfd socket{conn.sock(), POLLIN, 0};
  return ::poll(&socket, 1, 0) == 0;
}

}  // namespace

Connection::Connection(const std::string& url, const std::string& session_sql) : conn_(url) {
  if (!session_sql.empty()) pqxx::nontransaction(conn_).exec0(session_sql);
}

void Connection::ensure_prepared(const Statement& statement) {
  if (prepared_.insert(statement.name).second) {
    conn_.prepare(std::string(statement.name), std::string(statement.sql));
  }
}

ConnectionPool::ConnectionPool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout,
                               std::string session_sql)
    : url_(std::move(url)), session_sql_(std::move(session_sql)), size_(size), acquire_timeout_(acquire_timeout) {}

ConnectionPool::~ConnectionPool() { close(); }

ConnectionPool::Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  ++waiting_;
  bool ready = available_.wait_for(lock, acquire_timeout_,
                                   [&] { return closed_ || !idle_.empty() || open_ < size_; });
  --waiting_;
  if (closed_) throw Unavailable(UnavailableReason::shutting_down);
  if (!ready) throw Unavailable(UnavailableReason::pool_exhausted);
  std::vector<std::unique_ptr<Connection>> dead;  // closed outside the lock
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (still_connected(conn->raw())) return Lease(*this, std::move(conn));
    --open_;
    dead.push_back(std::move(conn));
  }
  ++open_;
  lock.unlock();
  dead.clear();
  try {
    return Lease(*this, std::make_unique<Connection>(url_, session_sql_));
  } catch (const std::exception&) {
    lock.lock();
    --open_;
    available_.notify_one();
    throw Unavailable(UnavailableReason::unreachable);
  }
}

void ConnectionPool::release(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mutex_);
  if (closed_ || !still_connected(conn->raw())) {
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  available_.notify_one();
}

PoolStats ConnectionPool::stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{size_, open_ - idle_.size(), waiting_};
}

void ConnectionPool::close() {
  std::vector<std::unique_ptr<Connection>> dropping;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    open_ -= idle_.size();
    dropping.swap(idle_);
  }
  available_.notify_all();
}

}  // namespace hookgate::db
