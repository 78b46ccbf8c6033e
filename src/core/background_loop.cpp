#include "core/background_loop.h"

#include "core/log.h"

namespace hookgate {

BackgroundLoop::BackgroundLoop(std::string what, std::chrono::milliseconds busy_interval,
                               std::chrono::milliseconds idle_interval, Round round)
    : what_(std::move(what)),
      busy_interval_(busy_interval),
      idle_interval_(idle_interval),
      round_(std::move(round)) {}

BackgroundLoop::BackgroundLoop(std::string what, std::chrono::milliseconds interval, std::function<void()> round)
    : BackgroundLoop(std::move(what), interval, interval, [round = std::move(round)] {
        round();
        return true;
      }) {}

BackgroundLoop::~BackgroundLoop() { stop(); }

void BackgroundLoop::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void BackgroundLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    bool found_work = false;
    try {
      found_work = round_();
    } catch (const std::exception& e) {
      log::warn(what_ + ": round failed", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, found_work ? busy_interval_ : idle_interval_, [this] { return stopping_; });
  }
}

}  // namespace hookgate
