#!/usr/bin/env bash
# Installs the npm packages of the test receiver (tests/receiver: the
# independent Standard Webhooks verifier) exactly as its lockfile pins them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
npm_ci_pinned tests/receiver "the test receiver" 18
