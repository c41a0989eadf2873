#!/usr/bin/env bash
# Writes a `go build -overlay` file that makes Go's wall clock follow libfaketime.
#
# libfaketime moves the clock of programs that read it through libc (kamailio, mariadbd,
# redis-server, fail2ban: the real servers the tests start), but a Go program reads the
# clock from the vDSO directly (runtime·walltime), so `faketime DATE go test` alone would
# leave the test binary in today. The overlay adds the offset the faketime(1) wrapper exports
# (FAKETIME=+N or -N seconds) to time.Now in the binaries `go test` builds, so the Go code and
# the servers it starts agree on the faked date. The monotonic clock is left alone, as
# faketime(1) leaves it. Used by `make test-time` only; never by a release build.
#
# usage: scripts/faketime-overlay.sh DIR   (prints the path of DIR/overlay.json)
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
goroot=$(go env GOROOT)
src=$goroot/src/time/time.go
grep -q '^	sec, nsec, mono := runtimeNow()$' "$src" || { echo "time.Now changed shape in $src" >&2; exit 1; }
# time.Now: shift the seconds read from the vDSO by the faked offset.
sed 's/^	sec, nsec, mono := runtimeNow()$/	sec, nsec, mono := runtimeNow()\n	sec += fakeOffset/' "$src" > "$dir/time.go"
cat > "$dir/fakeoffset.go" <<'GO'
package time

import "syscall"

// fakeOffset is libfaketime's relative offset in seconds, read once from FAKETIME.
var fakeOffset = parseFakeOffset()

func parseFakeOffset() int64 {
	v, ok := syscall.Getenv("FAKETIME")
	if !ok || len(v) < 2 || (v[0] != '+' && v[0] != '-') {
		return 0
	}
	var n int64
	for _, c := range v[1:] {
		if c == '.' || c == ' ' {
			break
		}
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	if v[0] == '-' {
		n = -n
	}
	return n
}
GO
cat > "$dir/overlay.json" <<JSON
{"Replace": {"$src": "$dir/time.go", "$goroot/src/time/zz_fakeoffset.go": "$dir/fakeoffset.go"}}
JSON
echo "$dir/overlay.json"
