#pragma once
// A thread that runs one round of background work, then waits `interval`
// (or until stopped) and runs the next. A round that throws is logged and
// the next round tries again: the work it stands for waits in the database.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace hookgate {

class BackgroundLoop {
 public:
  // Returns whether the round found work; a round that threw found none.
  using Round = std::function<bool()>;

  // `what` names the work in the log line of a failed round. After a round
  // that found work the loop waits `busy_interval`, after one that found
  // none `idle_interval`, so an idle process asks the database seldom.
  BackgroundLoop(std::string what, std::chrono::milliseconds busy_interval, std::chrono::milliseconds idle_interval,
                 Round round);
  // Every round waits `interval`.
  BackgroundLoop(std::string what, std::chrono::milliseconds interval, std::function<void()> round);
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void start();
  // Waits for the round in progress, if any, to end.
  void stop();

 private:
  void loop();

  std::string what_;
  std::chrono::milliseconds busy_interval_;
  std::chrono::milliseconds idle_interval_;
  Round round_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hookgate
