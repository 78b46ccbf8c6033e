#pragma once
// A child process for tests that run the real hookgate binary (or any other
// program): spawn with argv and environment changes, capture its output,
// wait for it with a timeout, signal it. The destructor SIGKILLs and reaps a
// child that is still running, so a failing test never leaks processes.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace hookgate::testing {

struct ProcessOptions {
  // Set in the child, overriding the test's own environment.
  std::map<std::string, std::string> env{};
  // Removed from the inherited environment (e.g. a developer's HOOKGATE_*).
  // The {} initializers keep designated initialization warning-free.
  std::vector<std::string> unset_env{};
};

struct ExitStatus {
  int code = -1;   // exit code, or -1 when a signal ended the process
  int signal = 0;  // terminating signal, or 0 when it exited

  bool exited(int expected_code) const { return signal == 0 && code == expected_code; }
};

std::ostream& operator<<(std::ostream& out, const ExitStatus& status);

class Process {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH); stdin is /dev/null,
  // stdout and stderr go to temporary files. Throws std::system_error.
  explicit Process(std::vector<std::string> argv, ProcessOptions options = {});
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Blocks until the child ends.
  ExitStatus wait();
  // nullopt if the child is still running after `timeout`.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  // The exit status if the child has ended, without blocking.
  std::optional<ExitStatus> poll();

  // Sends `signal` unless the child has already been reaped.
  void kill(int signal);

  // Everything the child has written so far (callable while it runs).
  std::string stdout_text() const;
  std::string stderr_text() const;

  // "argv[0] ...: <status>" plus both outputs, for assertion messages.
  std::string describe();

 private:
  void release() noexcept;

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  std::string stdout_path_;
  std::string stderr_path_;
};

}  // namespace hookgate::testing
