#!/usr/bin/env bash
# make test-time: the suite at other dates and in other time zones, under faketime(1).
#
# Nothing may depend on today's date, the zone or the machine's speed. Each run below moves the
# wall clock of the Go test binaries (through scripts/faketime-overlay.sh) and of the real servers
# they start (libfaketime: kamailio, mariadbd, fail2ban; redis-server cannot run under it and keeps
# the real clock), and sets TZ. The first date, a year's last ten seconds in a half-hour zone,
# runs every package; the others run the packages that format, compare or store dates.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "faketime not installed (make test-deps installs Debian's faketime)" >&2; exit 1; }
ov=$(scripts/faketime-overlay.sh "${TMPDIR:-/tmp}/voip_exporter-faketime")
TIME_PKGS=${TIME_PKGS:-"./sim/... ./collector/... ./web/... ./otlp/... ./quality/... ./store/... ./ha/... ./esl/... ./ami/..."}
runs=(
  "2027-12-31 23:59:50|America/St_Johns|./..."
  "2027-02-28 12:00:00|Asia/Kathmandu|$TIME_PKGS"
  "2030-06-15 12:00:00|Pacific/Kiritimati|$TIME_PKGS"
)
for run in "${runs[@]}"; do
  IFS='|' read -r at tz pkgs <<<"$run"
  # The Go clock must really be at the faked date (faketime alone does not move it).
  got=$(TZ=$tz GOFLAGS=-overlay=$ov faketime "$at" go run ./scripts/clockcheck)
  want=$(TZ=$tz date -d "$at" +%s)
  (( got >= want && got - want < 600 )) || { echo "Go clock under faketime '$at' TZ=$tz reads $got, want $want" >&2; exit 1; }
  echo "== faketime '$at' TZ=$tz: $pkgs"
  # shellcheck disable=SC2086
  TZ=$tz GOFLAGS=-overlay=$ov faketime "$at" go test -count=1 -timeout 10m $pkgs
done
