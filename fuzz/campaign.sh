#!/usr/bin/env bash
# Runs fuzz targets to their coverage plateau, LANES at a time, each with fuzz/plateau.py, and
# appends one row per run to OUT/results.tsv (fuzz/table.py turns the rows into the README table).
#
#   fuzz/campaign.sh OUT [TARGET[:MAX]...]   # default: every target, in the order given
#
# OUT/NAME/ is each target's corpus (seed it first: fuzz/seed.py OUT, plus the decoded
# regressions); it grows across runs and sessions, so a run resumes where the last one stopped.
# The targets wait in OUT/queue.txt, one `TARGET[:MAX]` a line (MAX overrides the setting below
# for that run): a lane pops the next one when its run ends, so the file may be edited (reordered,
# cut, extended) while the campaign runs.
#
# Settings (environment): QUIET=240 seconds without new coverage ends a run (a plateau);
# MAX=600 seconds ends it regardless; LANES=2 (one per core); BIN= the built binaries
# (default $CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release, as `cargo +nightly fuzz build`
# leaves them). Each run is in a scheduler autogroup of nice 19 (plateau.py sets it: the fuzzer's
# own session would otherwise put it at nice 0), so a build beside the lanes wins, and plateau.py
# counts quiet time in the fuzzer's CPU seconds, so a run starved that way is not a plateau.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath "${1:?usage: fuzz/campaign.sh OUT [TARGET...]}")"
shift
mkdir -p "$out"
if [ $# -gt 0 ]; then
  printf '%s\n' "$@" > "$out/queue.txt"
else
  (cd fuzz && cargo +nightly fuzz list) > "$out/queue.txt"
fi
bin="${BIN:-${CARGO_TARGET_DIR:-fuzz/target}/x86_64-unknown-linux-gnu/release}"
[ -d "$bin" ] || { echo "campaign.sh: $bin: no built targets (cargo +nightly fuzz build, or BIN=)" >&2; exit 1; }
export out bin QUIET="${QUIET:-240}" MAX="${MAX:-600}"

lane() {
  [ -w /proc/self/autogroup ] && echo 19 > /proc/self/autogroup 2>/dev/null || true
  while :; do
    t=$(flock "$out/queue.lock" bash -c 'head -n 1 "$0"; sed -i 1d "$0"' "$out/queue.txt")
    [ -z "$t" ] && break
    max="$MAX"
    case "$t" in *:*) max="${t#*:}"; t="${t%%:*}" ;; esac
    extra=()
    # Its seeds are whole SBOMs of hundreds of KiB: at that size a run makes a few dozen
    # executions a second.
    [ "$t" = sbom ] && extra=(--extra=-max_len=65536)
    echo "$(date +%T) lane $1: $t (max $max s)" >> "$out/campaign.log"
    python3 fuzz/plateau.py "$t" "$out/$t" --quiet "$QUIET" --max "$max" --bin "$bin" "${extra[@]}" \
      >> "$out/results.tsv" 2>> "$out/errors.log"
  done
  echo "$(date +%T) lane $1: done" >> "$out/campaign.log"
}
export -f lane

for i in $(seq 1 "${LANES:-2}"); do
  setsid bash -c "lane $i" &
done
wait
echo "rows: $out/results.tsv; table: fuzz/table.py $out/results.tsv"
