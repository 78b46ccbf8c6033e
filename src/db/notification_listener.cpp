#include "db/notification_listener.h"

#include "core/log.h"

#include <pqxx/pqxx>

namespace hookgate::db {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);  // how often stop() is noticed
constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel, const NotificationListener::OnNotify& on_notify)
      : pqxx::notification_receiver(conn, channel), on_notify_(on_notify) {}
  void operator()(const std::string& payload, int) override { on_notify_(channel(), payload); }

 private:
  const NotificationListener::OnNotify& on_notify_;
};

}  // namespace

NotificationListener::NotificationListener(std::string url, std::vector<std::string> channels, OnNotify on_notify,
                                           OnState on_state)
    : url_(std::move(url)),
      channels_(std::move(channels)),
      on_notify_(std::move(on_notify)),
      on_state_(std::move(on_state)) {}

NotificationListener::~NotificationListener() { stop(); }

void NotificationListener::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void NotificationListener::stop() {
  stopping_ = true;
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool NotificationListener::wait_listening(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return listening_; });
}

void NotificationListener::set_listening(bool listening) {
  {
    std::lock_guard lock(mutex_);
    if (listening_ == listening) return;
  }
  // The callback runs first: waiters must see "listening" only once the
  // caller's state (e.g. a freshly loaded catalogue) is ready. If it throws,
  // the connection is treated as lost and retried.
  on_state_(listening);
  {
    std::lock_guard lock(mutex_);
    listening_ = listening;
  }
  changed_.notify_all();
}

void NotificationListener::run() {
  auto backoff = std::chrono::milliseconds(50);
  while (!stopping_) {
    try {
      listen_until_stopped_or_lost();
      backoff = std::chrono::milliseconds(50);
    } catch (const std::exception& error) {
      set_listening(false);
      log::warn("notification connection lost; caches bypassed until it is back", {{"error", error.what()}});
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, backoff, [&] { return stopping_.load(); });
      backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
    }
  }
  set_listening(false);
}

void NotificationListener::listen_until_stopped_or_lost() {
  pqxx::connection conn(url_);
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SET application_name = 'hookgate-listener'");
  }
  std::vector<std::unique_ptr<Receiver>> receivers;
  for (const auto& channel : channels_) receivers.push_back(std::make_unique<Receiver>(conn, channel, on_notify_));
  // A round trip proves the LISTENs are in place before we report it.
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT 1");
  }
  // libpqxx may silently reconnect inside await_notification; a new backend
  // means notifications could have been missed, so it counts as a loss.
  const int backend = conn.backendpid();
  set_listening(true);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(kPollInterval);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(kPollInterval - seconds);
  while (!stopping_) {
    conn.await_notification(static_cast<long>(seconds.count()), static_cast<long>(micros.count()));
    if (!conn.is_open() || conn.backendpid() != backend) {
      throw pqxx::broken_connection("notification connection was lost");
    }
  }
}

}  // namespace hookgate::db
