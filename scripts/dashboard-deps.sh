#!/usr/bin/env bash
# Installs what the dashboard's browser test (tests/dashboard) needs: Debian's
# chromium, when /usr/bin/chromium is missing, and playwright-core exactly as
# the lockfile pins it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -x /usr/bin/chromium ] || "$HOOKGATE_ROOT/scripts/install-deps.sh" chromium
npm_ci_pinned tests/dashboard "the dashboard test" 18
