# Helpers the bench scripts share; source it after `cd` to the repository root:
#
#   . bench/lib.sh
#   work="$(mktemp -d)"                      # best_of writes its scratch files here
#   target_dir="$(bench_target_dir)"
#   read -r secs kib < <(best_of 3 "$target_dir/release/delist" scan ...)
#
# One copy, so every bench times its side-by-side tools the same way: the fastest of RUNS runs
# (page cache warm after the first) and the peak RSS of that same run, both from /usr/bin/time.

# The cargo target directory (CARGO_TARGET_DIR or the workspace's `target/`).
bench_target_dir() {
  cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

# best_of RUNS CMD...: prints "SECONDS PEAK_KIB" of CMD's fastest run of RUNS. CMD's stdout is left
# in $work/out and its stderr in $work/err (the last run's). Exit statuses up to BENCH_MAX_RC
# (default 1) are results: delist exits 1 when it finds something, rg and grep when they match
# nothing. A higher status stops the bench with CMD's stderr, so a broken tool is never timed as
# a fast one.
best_of() {
  local runs=$1 best="" rss="" i t m rc
  shift
  command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 2; }
  for ((i = 0; i < runs; i++)); do
    rc=0
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || rc=$?
    if [ "$rc" -gt "${BENCH_MAX_RC:-1}" ]; then
      echo "failed ($rc): $*" >&2
      tail -n 20 "$work/err" >&2
      exit 2
    fi
    # The last line: on a non-zero status /usr/bin/time writes "Command exited with ..." first.
    read -r t m < <(tail -n 1 "$work/time")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best="$t"
      rss="$m"
    fi
  done
  echo "$best $rss"
}
