#!/usr/bin/env bash
# Container image benchmark (issue 4): builds a `docker save` archive (tar, sha256sum, no daemon)
# from real trees of this machine and scans it with `delist scan docker-archive:…`, printing wall
# time and peak memory for each form of its layers:
#
#   plain   layer 1 = TREES as an uncompressed tar (read in place), layer 2 = whiteouts of half
#           of TREES' top directories plus one added file
#   gzip    the same layers gzip-compressed (each file a collector asks for is found by
#           decompressing from the layer's start; the walk streams each layer once)
#   zstd    the same, zstd-compressed
#
# Memory must stay bounded by the index (one record per path), not by the image's size.
#
#   bench/container.sh                      TREES="/usr/share /usr/bin" by default
#   TREES=/usr bench/container.sh           a bigger image
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

TREES="${TREES:-/usr/share /usr/bin}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "building release ..." >&2
cargo build --release -q -p delist-cli
target_dir="$(bench_target_dir)"
delist="$target_dir/release/delist"

# shellcheck disable=SC2086
rel=$(for t in $TREES; do echo "${t#/}"; done)
echo "layer 1: $TREES" >&2
# shellcheck disable=SC2086
tar -C / --one-file-system -cf "$work/l1.tar" $rel 2>/dev/null || true
mkdir -p "$work/l2/etc"
echo "added in layer 2" > "$work/l2/etc/motd"
n=0
for t in $TREES; do
  for d in "$t"/*/; do
    n=$((n + 1))
    [ $((n % 2)) -eq 0 ] || continue
    d="${d%/}"
    mkdir -p "$work/l2$(dirname "$d")"
    : > "$work/l2$(dirname "$d")/.wh.$(basename "$d")"
  done
done
tar -C "$work/l2" -cf "$work/l2.tar" .

pack() { # form compress-command
  local form=$1 dir="$work/$1"
  mkdir -p "$dir"
  local ids=() layers=()
  for l in l1 l2; do
    ids+=("\"sha256:$(sha256sum "$work/$l.tar" | cut -d' ' -f1)\"")
    if [ -n "$2" ]; then $2 < "$work/$l.tar" > "$dir/$l.tar"; else ln "$work/$l.tar" "$dir/$l.tar"; fi
    layers+=("\"$l.tar\"")
  done
  (IFS=,; echo "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[${ids[*]}]}}") > "$dir/config.json"
  (IFS=,; echo "[{\"Config\":\"config.json\",\"RepoTags\":[\"bench:1\"],\"Layers\":[${layers[*]}]}]") > "$dir/manifest.json"
  tar -C "$dir" -cf "$work/$form.image.tar" manifest.json config.json l1.tar l2.tar
  rm -rf "$dir"
}
pack plain ""
pack gzip "gzip -1"
pack zstd "zstd -q -3"

files=$(tar -tf "$work/l1.tar" | wc -l)
printf '%-6s %12s %10s %10s %8s\n' form "image bytes" "wall s" "peak MB" findings
for form in plain gzip zstd; do
  img="$work/$form.image.tar"
  /usr/bin/time -f '%e %M' -o "$work/time" "$delist" scan "docker-archive:$img" -o "json=$work/r.json" >/dev/null 2>&1 || true
  read -r wall kb < "$work/time"
  found=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$work/r.json")
  printf '%-6s %12s %10s %10s %8s\n' "$form" "$(stat -c %s "$img")" "$wall" "$((kb / 1024))" "$found"
done
echo "layer 1 holds $files entries"
