#pragma once
// `hookgate accounts|keys|demo`: the operator plane at a terminal, running the
// same service code as /internal/v1 directly against the database.

#include <string>
#include <vector>

namespace hookgate::cli {

int accounts_command(const std::vector<std::string>& args);
int keys_command(const std::vector<std::string>& args);
// Creates the "demo" account with an sk_ (full bundle) and a pk_ (store
// bundle) key and prints both once; does nothing if it already exists.
// `hookgate events publish`: the same as POST /internal/v1/events.
int events_command(const std::vector<std::string>& args);
int demo_command();

}  // namespace hookgate::cli
