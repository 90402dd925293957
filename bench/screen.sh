#!/usr/bin/env bash
# Screening benchmark (issue 7): `delist screen` over a generated 10-million-row product feed
# (make_feed.py: mostly clean rows, 1 in 1,000 a covered, accessory or look-alike row), side by
# side in one run with `rg -i -c` for the same vendor names (every vendor name, alias and brand
# identifier of the catalog, as fixed strings) over the same file. Prints both times (best of
# RUNS), the ratio and delist's peak RSS. Goal: at least ripgrep's speed, constant memory.
#
#   bench/screen.sh                 N=10000000 RUNS=3 by default
#   FEED=/tmp/feed.csv bench/screen.sh   reuse a generated feed (it takes minutes to write)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

N="${N:-10000000}"
RUNS="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="${FEED:-$work/feed.csv}"

if [ ! -s "$feed" ]; then
  echo "generating $N rows ..." >&2
  python3 crates/delist-cli/tests/fixtures/screen/make_feed.py "$N" "$feed"
fi
echo "building release ..." >&2
cargo build --release -q -p delist-cli
target_dir="$(bench_target_dir)"
delist="$target_dir/release/delist"
for tool in rg /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y ripgrep time)" >&2; exit 2; }
done

# The names delist screens for: vendor names, aliases and brand identifiers.
"$delist" vendors -o json | python3 -c '
import json, sys
names = set()
for v in json.load(sys.stdin):
    names.update([v["name"], *v.get("aliases", [])])
    names.update(i["value"] for i in v.get("identifiers", []) if i["kind"] == "brand")
for n in sorted(names):
    print(n)' >"$work/names"
rg_args=()
while IFS= read -r n; do rg_args+=(-e "$n"); done <"$work/names"

read -r t_rg m_rg < <(best_of "$RUNS" rg -i -c -F "${rg_args[@]}" "$feed")
rg_count=$(rg -i -c -F "${rg_args[@]}" "$feed" || true)
read -r t_delist m_delist < <(best_of "$RUNS" env DELIST_TODAY=2026-11-28 "$delist" screen "$feed" -q --fail-on never -o json="$work/report.json")
summary=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["screen"]
print("rows=%d flagged=%d findings=%d errors=%d" % (s["rows"], s["flagged_rows"], r["summary"]["findings"], r["summary"]["errors"]))' "$work/report.json")
read -r t_csv m_csv < <(best_of "$RUNS" env DELIST_TODAY=2026-11-28 "$delist" screen "$feed" -q --fail-on never -o csv="$work/verdict.csv")

size=$(stat -c %s "$feed")
printf '\nfeed: %s, %.1f MB, %s names; delist: %s; rg: %s matching lines\n' \
  "$(basename "$feed")" "$(echo "$size / 1000000" | bc -l)" "$(wc -l <"$work/names")" "$summary" "$rg_count"
printf '%-46s %8s s   peak RSS %8d KiB\n' "rg -i -c -F -e NAME ... FEED" "$t_rg" "$m_rg"
printf '%-46s %8s s   peak RSS %8d KiB\n' "delist screen FEED -o json" "$t_delist" "$m_delist"
printf '%-46s %8s s   peak RSS %8d KiB\n' "delist screen FEED -o csv (every row written)" "$t_csv" "$m_csv"
printf 'ratio delist / rg:  %.2fx   (goal: at most 1x)\n' "$(echo "$t_delist / $t_rg" | bc -l)"
