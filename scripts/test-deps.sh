#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the test suite runs for real.
# Idempotent: it installs only what is missing, and runs apt-get update once.
set -euo pipefail

# scripts/test-deps.d/*.list: "command package" per line (each source keeps
# its own list). A command may be an absolute path, for files that are not
# on PATH (e.g. a module: /usr/lib/x86_64-linux-gnu/kamailio/modules/xhttp_prom.so).
here=$(dirname "$0")
missing=()
while read -r cmd pkg; do
  case "$cmd" in ""|\#*) continue ;; esac
  if [ "${cmd#/}" != "$cmd" ]; then
    [ -e "$cmd" ] && continue
  else
    command -v "$cmd" >/dev/null 2>&1 && continue
    [ -x "/usr/sbin/$cmd" ] && continue
  fi
  case " ${missing[*]} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
done < <(cat "$here"/test-deps.d/*.list)
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
