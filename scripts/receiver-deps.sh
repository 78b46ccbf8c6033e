#!/usr/bin/env bash
# Installs the npm packages of the test receiver (tests/receiver) exactly as
# its package-lock.json pins them. Safe to run again: when node_modules was
# installed from the same package.json and lockfile it does nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

receiver="$HOOKGATE_ROOT/tests/receiver"
for tool in node npm; do
  command -v "$tool" >/dev/null \
    || die "$tool is missing; the test receiver needs Node.js 18 or later with npm (Debian: apt-get install nodejs npm)"
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || die "the test receiver needs Node.js 18 or later; found $(node --version)"

stamp="$receiver/node_modules/.hookgate-installed"
wanted="$(cat "$receiver/package.json" "$receiver/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

log "installing the test receiver's npm packages (tests/receiver)"
npm ci --no-audit --no-fund --prefix "$receiver"
# npm ci starts from an empty node_modules, so the stamp is written afresh.
echo "$wanted" >"$stamp"
