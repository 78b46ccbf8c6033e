#!/usr/bin/env bash
# Installs the Debian packages hookgate needs to build, run and test.
# Runs `apt-get update` once, and only when something is missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-url1.81-dev libpqxx-dev libpq-dev nlohmann-json3-dev libssl-dev
  libgtest-dev libgmock-dev
  postgresql-15 postgresql-client-15
  curl ca-certificates
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root; install them or run as root"
  sudo=(sudo)
fi
log "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
