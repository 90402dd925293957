#!/usr/bin/env bash
# Load benchmark of `delist serve` on loopback: sustained uploads per second and p50/p99
# latency, on SQLite and on PostgreSQL (a throwaway cluster from scripts/test-postgres.sh).
# Usage: bench/server.sh [HOSTS] [UPLOADS] [CONCURRENCY] [ARTIFACTS[,ARTIFACTS…]]
#   defaults: 1000 hosts, 5000 uploads, 16 clients, inventories of 50 and of 300 artifacts (each
#   size on a fresh database). Each host has its own typical inventory (Debian packages, one of
#   them Kaspersky's, one named after the host) and sends it unchanged on each of its uploads, as
#   a fleet does between changes: the first upload of a host is matched and stored, the next ones
#   cost a hash and a lookup (see crates/delist-server/src/ingest.rs). With the defaults, one
#   upload in five is a host's first. The load generator runs on the same machine, over loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-1000} uploads=${2:-5000} conc=${3:-16} sizes=${4:-50,300}
cargo build --release -q -p delist-cli
cargo build --release -q -p delist-server --example load
bin=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
admin=bench-admin-secret-0123456789
echo "$admin" > "$work/admin"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; scripts/test-postgres.sh stop 55439 >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

run() { # NAME DATABASE-URL ARTIFACTS
  "$bin/delist" serve --listen 127.0.0.1:0 --database "$2" --admin-token-file "$work/admin" 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 100); do grep -qs 'serving on' "$work/serve.log" && break; sleep 0.1; done
  base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log")
  printf '%-10s ' "$1"
  "$bin/examples/load" "$base" "$admin" "$hosts" "$uploads" "$conc" "$3"
  kill "$pid"; wait "$pid" || true; pid=
}

echo "machine: $(nproc) cores ($(uname -m)), $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for artifacts in ${sizes//,/ }; do
  run sqlite "sqlite://$work/bench-$artifacts.db" "$artifacts"
  # `start` makes a fresh cluster each time.
  if url=$(scripts/test-postgres.sh start 55439 2>/dev/null); then
    run postgres "$url" "$artifacts"
  else
    echo "postgres   skipped (postgresql not installed)"
  fi
done
