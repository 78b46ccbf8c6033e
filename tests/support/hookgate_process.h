#pragma once
// Helpers for tests that run the real `hookgate serve` binary as a child
// process: read its JSON log and wait until it serves.

#include "support/process.h"

#include <nlohmann/json.hpp>

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

}  // namespace hookgate::testing
