#!/usr/bin/env bash
# SBOM benchmark (issue 5): `delist scan sbom:FILE -o json` on a generated CycloneDX 1.6 JSON with
# 100,000 components (a few of them covered vendors' code), side by side with a bare serde_json
# parse of the same file into a `serde_json::Value` (crates/delist-collect/examples/
# bare_serde_parse.rs), in one run. Prints both times (best of RUNS), the ratio and peak RSS.
# Goal: delist within 1.5x of the bare parse.
#
#   bench/sbom.sh                 N=100000 RUNS=3 by default; N=1000000 bench/sbom.sh for more
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

N="${N:-100000}"
RUNS="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sbom="$work/large.cdx.json"

echo "generating $N components ..." >&2
python3 crates/delist-collect/tests/fixtures/sbom/make-large.py "$N" "$sbom"
echo "building release ..." >&2
cargo build --release -q -p delist-cli
cargo build --release -q -p delist-collect --example bare_serde_parse
target_dir="$(bench_target_dir)"
delist="$target_dir/release/delist"
bare="$target_dir/release/examples/bare_serde_parse"

if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time is missing: apt-get install -y time" >&2
  exit 2
fi

size=$(stat -c %s "$sbom")
read -r t_slice m_slice < <(best_of "$RUNS" "$bare" "$sbom")
read -r t_reader m_reader < <(best_of "$RUNS" "$bare" "$sbom" --reader)
read -r t_delist m_delist < <(best_of "$RUNS" env DELIST_TODAY=2026-11-28 "$delist" scan "sbom:$sbom" -o json --fail-on never)
DELIST_TODAY=2026-11-28 "$delist" scan "sbom:$sbom" -o json --fail-on never >"$work/report.json"
summary=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print("artifacts=%d findings=%d errors=%d" % (s["artifacts"], s["findings"], s["errors"]))' "$work/report.json")

printf '\nSBOM: %s components, %.1f MB (%s)\n' "$N" "$(echo "$size / 1000000" | bc -l)" "$summary"
printf '%-44s %8s s   peak RSS %7d KiB\n' "bare serde_json -> Value (read whole, slice)" "$t_slice" "$m_slice"
printf '%-44s %8s s   peak RSS %7d KiB\n' "bare serde_json -> Value (BufReader)" "$t_reader" "$m_reader"
printf '%-44s %8s s   peak RSS %7d KiB\n' "delist scan sbom:FILE -o json" "$t_delist" "$m_delist"
printf 'ratio delist / bare (slice):   %.2fx\n' "$(echo "$t_delist / $t_slice" | bc -l)"
printf 'ratio delist / bare (reader):  %.2fx   (goal: within 1.5x)\n' "$(echo "$t_delist / $t_reader" | bc -l)"
