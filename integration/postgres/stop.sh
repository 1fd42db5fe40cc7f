#!/usr/bin/env bash
# Stops the server `start.sh DIR PORT` started (fast shutdown: open sessions are ended). `stop.sh DIR [--remove]`
# also deletes DIR.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 DIR [--remove]" >&2
    exit 2
fi
dir="$1"
bin="${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
run=()
[ "$(id -u)" -ne 0 ] || run=(runuser -u postgres --)
if [ -f "$dir/data/postmaster.pid" ]; then
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
fi
if [ "${2:-}" = "--remove" ]; then
    rm -rf "$dir"
fi
