#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

extern char** environ;

namespace hookgate::testing {

namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Creates an empty temporary file; returns its path and an O_CLOEXEC fd, so
// other children spawned meanwhile do not inherit it.
std::pair<std::string, int> temp_file(const char* stem) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/hookgate-" + stem + ".XXXXXX";
  int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) throw_errno(errno, "mkostemp " + path);
  return {path, fd};
}

std::vector<std::string> child_environment(const ProcessOptions& options) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    std::string name = text.substr(0, text.find('='));
    bool dropped = options.env.count(name) != 0;
    for (const auto& unset : options.unset_env) dropped = dropped || unset == name;
    if (!dropped) out.push_back(std::move(text));
  }
  for (const auto& [name, value] : options.env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

ExitStatus decode(int raw) {
  if (WIFSIGNALED(raw)) return ExitStatus{-1, WTERMSIG(raw)};
  return ExitStatus{WEXITSTATUS(raw), 0};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const ExitStatus& status) {
  if (status.signal != 0) return out << "killed by signal " << status.signal << " (" << strsignal(status.signal) << ")";
  return out << "exit code " << status.code;
}

Process::Process(std::vector<std::string> argv, ProcessOptions options) : argv_(std::move(argv)) {
  if (argv_.empty()) throw std::invalid_argument("Process: empty argv");
  int out_fd = -1;
  int err_fd = -1;
  try {
    std::tie(stdout_path_, out_fd) = temp_file("stdout");
    std::tie(stderr_path_, err_fd) = temp_file("stderr");
  } catch (...) {
    if (out_fd >= 0) close(out_fd);
    release();
    throw;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);

  std::vector<std::string> args = argv_;
  std::vector<std::string> env = child_environment(options);
  auto c_args = c_strings(args);
  auto c_env = c_strings(env);
  int error = posix_spawnp(&pid_, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  if (error != 0) {
    pid_ = -1;
    release();
    throw_errno(error, "spawn " + argv_[0]);
  }
}

Process::~Process() { release(); }

Process::Process(Process&& other) noexcept
    : argv_(std::move(other.argv_)),
      pid_(std::exchange(other.pid_, -1)),
      status_(other.status_),
      stdout_path_(std::move(other.stdout_path_)),
      stderr_path_(std::move(other.stderr_path_)) {
  other.stdout_path_.clear();
  other.stderr_path_.clear();
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();
    argv_ = std::move(other.argv_);
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
    stdout_path_ = std::exchange(other.stdout_path_, {});
    stderr_path_ = std::exchange(other.stderr_path_, {});
  }
  return *this;
}

void Process::release() noexcept {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
  if (!stdout_path_.empty()) unlink(stdout_path_.c_str());
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
  stdout_path_.clear();
  stderr_path_.clear();
}

std::optional<ExitStatus> Process::poll() {
  if (status_ || pid_ <= 0) return status_;
  int raw = 0;
  pid_t done = waitpid(pid_, &raw, WNOHANG);
  if (done < 0 && errno != EINTR) throw_errno(errno, "waitpid");
  if (done == pid_) status_ = decode(raw);
  return status_;
}

ExitStatus Process::wait() {
  if (pid_ <= 0 && !status_) throw std::logic_error("Process::wait on a moved-from process");
  while (!status_) {
    int raw = 0;
    pid_t done = waitpid(pid_, &raw, 0);
    if (done == pid_) {
      status_ = decode(raw);
    } else if (errno != EINTR) {
      throw_errno(errno, "waitpid");
    }
  }
  return *status_;
}

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout) {
  // Polling keeps this free of SIGCHLD handlers, which would be process-wide.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

void Process::kill(int signal) {
  if (pid_ > 0 && !poll()) ::kill(pid_, signal);
}

std::string Process::stdout_text() const { return read_file(stdout_path_); }
std::string Process::stderr_text() const { return read_file(stderr_path_); }

std::string Process::describe() {
  std::ostringstream out;
  for (const auto& arg : argv_) out << arg << ' ';
  if (auto status = poll()) {
    out << "(" << *status << ")";
  } else {
    out << "(still running)";
  }
  out << "\n--- stdout ---\n" << stdout_text() << "--- stderr ---\n" << stderr_text();
  return out.str();
}

}  // namespace hookgate::testing
