#pragma once
// A dedicated connection that LISTENs on a few channels on its own thread and
// reports each notification, and each loss or recovery of the connection (so
// caches can stop trusting themselves while notifications may be missed).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hookgate::db {

class NotificationListener {
 public:
  using OnNotify = std::function<void(const std::string& channel, const std::string& payload)>;
  // Called with true once LISTEN is in place (after every reconnect), false on loss.
  using OnState = std::function<void(bool listening)>;

  NotificationListener(std::string url, std::vector<std::string> channels, OnNotify on_notify, OnState on_state);
  ~NotificationListener();
  NotificationListener(const NotificationListener&) = delete;
  NotificationListener& operator=(const NotificationListener&) = delete;

  void start();
  void stop();
  // Blocks until LISTEN is in place or the timeout passes; true when listening.
  bool wait_listening(std::chrono::milliseconds timeout);

 private:
  void run();
  void listen_until_stopped_or_lost();
  void set_listening(bool listening);

  const std::string url_;
  const std::vector<std::string> channels_;
  OnNotify on_notify_;
  OnState on_state_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool listening_ = false;
  std::thread thread_;
};

}  // namespace hookgate::db
