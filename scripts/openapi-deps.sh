#!/usr/bin/env bash
# Installs the npm packages of the OpenAPI contract check (tests/openapi: Ajv,
# ajv-formats and Redocly CLI) exactly as its lockfile pins them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# Redocly CLI needs Node.js 20.19 or later.
npm_ci_pinned tests/openapi "the OpenAPI contract check" 20.19
