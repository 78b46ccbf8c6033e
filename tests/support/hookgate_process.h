#pragma once
// Helpers for tests that run the real `hookgate serve` binary as a child
// process: read its JSON log, wait until it serves, run a command to its end.

#include "support/process.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace hookgate::testing {

// The complete JSON lines of a log (the process may be writing the last one
// right now); throws, failing the test, on a line that is not JSON.
std::vector<nlohmann::json> json_lines(const std::string& text);

// Waits until `hookgate serve` (started with HOOKGATE_LISTEN=127.0.0.1:0)
// logs its port and /readyz says it can take requests (the scope catalogue
// is loaded), and returns the port. Throws with the process's output when
// it exits or does not become ready within 20 s.
unsigned short wait_until_ready(Process& process);

// Starts `hookgate serve` on the database at `database_url` with what a test
// of a real process needs (a free port, the test's operator token and
// secrets keys, private targets allowed, rate limits out of reach, log level
// info, a developer's own HOOKGATE_* removed), then `settings` on top.
Process serve_hookgate(const std::string& database_url, const std::map<std::string, std::string>& settings = {});

// A finished `hookgate` command (migrate, keys, secrets, ...).
struct CliResult {
  ExitStatus status;
  std::string out;
  std::string err;
  std::string description;
};

// Runs the hookgate binary with `args` and only the settings in `env` (a
// developer's own HOOKGATE_* variables are removed) and waits for it to
// exit; one still running after 60 s is killed.
CliResult run_hookgate(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

}  // namespace hookgate::testing
