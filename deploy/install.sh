#!/usr/bin/env bash
# Installs voip_exporter on this host from a release directory or tarball (make release), as seed 004's
# deployment script did for its exporter — but locally and idempotently; run it over ssh for a fleet:
#   scp dist/voip_exporter-*.linux-amd64.tar.gz host: && ssh host 'tar xzf voip_exporter-*.tar.gz && sudo ./voip_exporter-*/deploy/install.sh'
# Options: --no-start (do not enable/start the unit), DESTDIR=/path (stage into a directory, no systemctl).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")            # the release directory: voip_exporter, README.md, deploy/
start=1
for arg in "$@"; do
  case "$arg" in
    --no-start) start=0 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
DESTDIR=${DESTDIR:-}
[ -n "$DESTDIR" ] && start=0

bin="$src/voip_exporter"
[ -x "$bin" ] || { echo "install.sh: no voip_exporter binary next to deploy/ (in $src)" >&2; exit 1; }
"$bin" --version >/dev/null 2>&1 || { echo "install.sh: $bin does not run on this host (wrong architecture?)" >&2; exit 1; }

install -d "$DESTDIR/usr/local/bin" "$DESTDIR/etc/voip_exporter" "$DESTDIR/etc/systemd/system" "$DESTDIR/etc/default"
install -m 0755 "$bin" "$DESTDIR/usr/local/bin/voip_exporter"
install -m 0644 "$here/systemd/voip_exporter.service" "$here/systemd/voip_exporter.socket" "$DESTDIR/etc/systemd/system/"
# Never overwrite an operator's configuration or secrets.
if [ ! -e "$DESTDIR/etc/voip_exporter/voip_exporter.yml" ]; then
  install -m 0644 "$here/docker/voip_exporter.yml" "$DESTDIR/etc/voip_exporter/voip_exporter.yml"
  echo "install.sh: wrote /etc/voip_exporter/voip_exporter.yml — list your servers there"
fi
if [ ! -e "$DESTDIR/etc/default/voip_exporter" ]; then
  install -m 0600 "$here/systemd/voip_exporter.default" "$DESTDIR/etc/default/voip_exporter"
fi
"$DESTDIR/usr/local/bin/voip_exporter" --config.file="$DESTDIR/etc/voip_exporter/voip_exporter.yml" --config.check

if [ "$start" = 1 ]; then
  systemctl daemon-reload
  systemctl enable --now voip_exporter.service
  systemctl restart voip_exporter.service
  sleep 1
  systemctl --no-pager --lines=5 status voip_exporter.service || true
  echo "install.sh: metrics on http://$(hostname -f 2>/dev/null || hostname):19060/metrics"
fi
