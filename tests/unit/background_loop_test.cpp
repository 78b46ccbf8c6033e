// BackgroundLoop: the wait after a round depends on whether it found work,
// a round that throws does not end the loop, and stop() ends any wait.
// No test sleeps: the idle wait is an hour, so a round past the expected
// ones could only come from a loop that did not wait it.

#include "core/background_loop.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace hookgate {
namespace {

using namespace std::chrono_literals;

class Rounds {
 public:
  // Round n (from 1) finds work while n <= busy; round `throwing` throws.
  explicit Rounds(int busy, int throwing = 0) : busy_(busy), throwing_(throwing) {}

  bool run() {
    int n;
    {
      std::lock_guard lock(mutex_);
      n = ++count_;
    }
    changed_.notify_all();
    if (n == throwing_) throw std::runtime_error("the database went away");
    return n <= busy_;
  }

  void wait_for(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return count_ >= n; });
  }

  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  int busy_;
  int throwing_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(BackgroundLoop, RunsAgainAtOnceWhileThereIsWorkAndThenWaitsTheIdleInterval) {
  Rounds rounds(3);
  BackgroundLoop loop("test", 0ms, 1h, [&] { return rounds.run(); });
  loop.start();
  rounds.wait_for(4);  // three busy rounds, then the first idle one
  loop.stop();         // ends the hour's wait
  EXPECT_EQ(rounds.count(), 4);
}

TEST(BackgroundLoop, ARoundThatThrowsIsLoggedAndWaitsLikeAnIdleOne) {
  Rounds rounds(10, 2);
  BackgroundLoop loop("test", 0ms, 1h, [&] { return rounds.run(); });
  loop.start();
  rounds.wait_for(2);
  loop.stop();
  EXPECT_EQ(rounds.count(), 2);
}

TEST(BackgroundLoop, AVoidRoundAlwaysWaitsItsOneInterval) {
  Rounds rounds(0);
  BackgroundLoop loop("test", 1h, [&] { rounds.run(); });
  loop.start();
  rounds.wait_for(1);
  loop.stop();
  EXPECT_EQ(rounds.count(), 1);
  loop.start();  // a stopped loop starts again
  rounds.wait_for(2);
  loop.stop();
  EXPECT_EQ(rounds.count(), 2);
}

}  // namespace
}  // namespace hookgate
