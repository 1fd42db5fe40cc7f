#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 server for tests and CI: `start.sh DIR PORT`.
#
# initdb into DIR/data with a password user `modelfleet` (scram-sha-256 over TCP), then pg_ctl start on
# 127.0.0.1:PORT with its socket in DIR. Prints one line, `POSTGRES_URL=postgres://modelfleet:PASSWORD@127.0.0.1:PORT/postgres`,
# a superuser URL the tests use to create one database per test. Durability is off (fsync, synchronous_commit):
# this server holds test data only. Run as root (CI), initdb and the server run as the `postgres` system user
# through runuser, since initdb refuses root. Stop it with `stop.sh DIR`. On a DIR that already holds a server (one
# `stop.sh` stopped), this starts that server again with its data and password: a restart is `stop.sh DIR; start.sh DIR PORT`.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 DIR PORT" >&2
    exit 2
fi
dir="$1"
port="$2"
bin="${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$bin/initdb" ]; then
    echo "start.sh: no PostgreSQL server in $bin (apt-get install postgresql, or set POSTGRES_BIN)" >&2
    exit 1
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
run=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    run=(runuser -u postgres --)
    if ! runuser -u postgres -- test -w "$dir"; then
        echo "start.sh: the postgres user cannot write $dir (is a parent folder private to root?); pick a DIR under /tmp" >&2
        exit 1
    fi
fi
password_file="$dir/password"
if [ ! -f "$password_file" ]; then
    # Hex only: the URL needs no escaping.
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$password_file"
    chmod 600 "$password_file"
    [ "${#run[@]}" -eq 0 ] || chown postgres: "$password_file"
fi
password="$(cat "$password_file")"
if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${run[@]}" "$bin/initdb" -D "$dir/data" -U modelfleet --pwfile="$password_file" \
        --auth-host=scram-sha-256 --auth-local=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        echo "start.sh: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        exit 1
    }
fi
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >"$dir/pg_ctl.log" 2>&1 || {
    echo "start.sh: PostgreSQL did not start on 127.0.0.1:$port:" >&2
    cat "$dir/pg_ctl.log" >&2
    tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
    exit 1
}
echo "POSTGRES_URL=postgres://modelfleet:$password@127.0.0.1:$port/postgres"
