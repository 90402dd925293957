#!/usr/bin/env bash
# Inventory benchmark: `delist scan inventory:FILE` on a large osquery results log (JSON lines, the
# shape a Fleet or osquery logger leaves), side by side with what a user would otherwise run on
# it: `jq` pulling each record's identifiers out, which delist then still has to match. Prints
# both times (best of RUNS), the ratio, the throughput and delist's peak RSS.
#
#   bench/inventory.sh            N=200000 lines, RUNS=3; DELIST=path/to/delist to time a given build
#
# The log repeats the 12 lines of tests/fixtures/inventory/osquery-results.log (apps, packages,
# extensions of several hosts, some of them covered vendors'), each copy with its own host names.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

N="${N:-200000}"
RUNS="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/osquery-results.log"

echo "generating $N lines ..." >&2
python3 - "$N" "$log" <<'EOF'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
lines = open("crates/delist-collect/tests/fixtures/inventory/osquery-results.log").read().splitlines()
with open(out, "w") as f:
    for i in range(n):
        copy, line = divmod(i, len(lines))
        f.write(lines[line].replace('"hostIdentifier":"', f'"hostIdentifier":"c{copy}-') + "\n")
EOF

if [ -z "${DELIST:-}" ]; then
  echo "building release ..." >&2
  cargo build --release -q -p delist-cli
  target_dir="$(bench_target_dir)"
  DELIST="$target_dir/release/delist"
fi
command -v jq >/dev/null || { echo "jq is missing: apt-get install -y jq" >&2; exit 2; }

read -r d_s d_kib < <(best_of "$RUNS" "$DELIST" scan -q -o json "inventory:$log")
findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/out" 2>/dev/null || echo "?")
read -r j_s _ < <(best_of "$RUNS" jq -c '[.hostIdentifier, (.columns // {} | .bundle_identifier, .name)]' "$log")
bytes=$(stat -c %s "$log")

printf 'input: %d lines, %.1f MB\n' "$N" "$(echo "$bytes / 1000000" | bc -l)"
printf 'delist scan inventory:  %6.2f s  %6.1f MB/s  peak %d MB  %s findings\n' "$d_s" "$(echo "$bytes / $d_s / 1000000" | bc -l)" "$((d_kib / 1024))" "$findings"
printf 'jq (fields only):       %6.2f s  %6.1f MB/s\n' "$j_s" "$(echo "$bytes / $j_s / 1000000" | bc -l)"
printf 'ratio delist / jq:      %6.2f\n' "$(echo "$d_s / $j_s" | bc -l)"
