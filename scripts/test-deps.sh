#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the test suite runs for real.
# Idempotent: it installs only what is missing, and runs apt-get update once.
set -euo pipefail

# command -> Debian package that provides it
declare -A want=(
  [promtool]=prometheus
)

missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 && SUDO=sudo || { echo "test-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
fi
echo "test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps packaged daemons (prometheus…) from starting: tests start
# their own, on loopback and free ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
