#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's postgresql package) for the server's tests and prints
# its URL; `stop` stops it. Trust authentication, loopback only, data under /tmp.
# Usage: scripts/test-postgres.sh [start|stop] [PORT]   (default port 55432)
set -euo pipefail
cmd=${1:-start}
port=${2:-55432}
dir=/tmp/delist-test-pg-$port
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgresql is not installed (apt-get install postgresql)" >&2; exit 1; }
# initdb refuses to run as root: run the server as the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
case $cmd in
  stop)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl -D $dir/data -m fast -w stop" >/dev/null || true
    ;;
  start)
    if [ -d "$dir/data" ]; then as_pg "$bin/pg_ctl -D $dir/data -m fast -w stop" >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb -D $dir/data -A trust -U delist -E UTF8 >$dir/initdb.log"
    as_pg "$bin/pg_ctl -D $dir/data -l $dir/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on\" start" >/dev/null
    echo "postgres://delist@127.0.0.1:$port/postgres"
    ;;
  *) echo "usage: $0 [start|stop] [PORT]" >&2; exit 2 ;;
esac
