#!/usr/bin/env bash
# Keeps each target's fuzzing corpus in the repository, so a campaign resumes where the last
# session left it instead of starting again from the seeds: a development machine does not keep
# /tmp, or anything else outside the repository, from one session to the next.
#
#   fuzz/corpus.sh save OUT [TARGET...]   # OUT/NAME/ -> fuzz/corpora/NAME.tar.xz.b64
#   fuzz/corpus.sh load OUT [TARGET...]   # fuzz/corpora/NAME.tar.xz.b64 -> OUT/NAME/ (added to)
#
# `save` first reduces the corpus to a set cover of its features with the built target
# (`-merge=1 -set_cover_merge=1`, BIN= as in campaign.sh), so the archive holds only inputs that
# still add coverage. The archive is deterministic (sorted names, zero times and owners) and
# base64-encoded, like the fixtures: its inputs are cut from covered fixtures, and a scan of this
# repository must not find them in an archive it can open.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="${1:?usage: fuzz/corpus.sh save|load OUT [TARGET...]}"
out="$(realpath -m "${2:?usage: fuzz/corpus.sh save|load OUT [TARGET...]}")"
shift 2
bin="${BIN:-${CARGO_TARGET_DIR:-fuzz/target}/x86_64-unknown-linux-gnu/release}"
mkdir -p fuzz/corpora "$out"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  if [ "$cmd" = load ]; then
    for f in fuzz/corpora/*.tar.xz.b64; do [ -e "$f" ] && targets+=("$(basename "$f" .tar.xz.b64)"); done
  else
    for d in "$out"/*/; do
      t="$(basename "$d")"
      [ -f "fuzz/fuzz_targets/$t.rs" ] && targets+=("$t")
    done
  fi
fi

for t in "${targets[@]}"; do
  case "$cmd" in
    save)
      [ -x "$bin/$t" ] || { echo "corpus.sh: $bin/$t: not built (cargo +nightly fuzz build)" >&2; exit 1; }
      min="$(mktemp -d)"
      "$bin/$t" -merge=1 -set_cover_merge=1 -rss_limit_mb=2048 -timeout=10 "$min" "$out/$t" \
        > /dev/null 2> "$min.log" || { echo "corpus.sh: $t: merge failed, see $min.log" >&2; exit 1; }
      tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$min" -cf - . \
        | xz -9 -T1 | base64 -w 76 > "fuzz/corpora/$t.tar.xz.b64"
      echo "$t: $(ls "$out/$t" | wc -l) inputs -> $(ls "$min" | wc -l) kept, $(stat -c %s "fuzz/corpora/$t.tar.xz.b64") bytes"
      rm -rf "$min" "$min.log"
      ;;
    load)
      f="fuzz/corpora/$t.tar.xz.b64"
      [ -f "$f" ] || { echo "corpus.sh: $f: no such corpus" >&2; exit 1; }
      mkdir -p "$out/$t"
      base64 -d "$f" | xz -d | tar -C "$out/$t" -xf - --no-same-owner
      echo "$t: $(ls "$out/$t" | wc -l) inputs in $out/$t"
      ;;
    *) echo "corpus.sh: unknown command $cmd (save or load)" >&2; exit 2 ;;
  esac
done
