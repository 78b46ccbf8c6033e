#pragma once
// The configuration of a command that works on the database: HOOKGATE_*
// variables read, HOOKGATE_LOG_LEVEL applied to what the command logs, and
// HOOKGATE_DATABASE_URL required.

#include "app/config.h"

namespace hookgate::cli {

Config database_command_config();

}  // namespace hookgate::cli
