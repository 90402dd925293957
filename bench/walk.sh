#!/usr/bin/env bash
# File-walk benchmark (issue 3): `delist scan dir:TREE` side by side with `find TREE -type f`,
# `fd` (fdfind) and `yara -r` (rules for the same vendor names), in one run, on two trees: this
# machine's /usr and a generated tree of at least 200,000 files (under the cargo target directory,
# `bench-walk/tree`, regenerated only when missing: it holds decoded covered fixtures, and a scan
# of the repository must not meet them). Prints each tool's wall time (best of RUNS, page cache warm), delist's peak
# memory, the ratios, and whether the targets hold: on /usr at most 2x `find -type f`, at least
# 10x faster than yara, under 200 MB.
#
# delist reads every regular file's first bytes, opens what it recognises and looks inside
# archives (a jar's members too); find and fd only list names; yara reads every byte.
#
#   bench/walk.sh                 RUNS=3 FILES=200000 by default; YARA_RUNS=1 (yara is slow)
#   TREES=/usr bench/walk.sh      only some trees (the generated one is target/bench-walk/tree)
#   DELIST=/tmp/old bench/walk.sh another delist binary (A/B against an earlier commit)
#   PRIORITY=-20 bench/walk.sh   on a shared machine: run the whole bench in its own scheduler
#                                autogroup at that nice level (root only). With autogroups on,
#                                `nice` alone does not outrank other sessions' builds.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

if [ -n "${PRIORITY:-}" ] && [ -z "${DELIST_BENCH_GROUPED:-}" ]; then
  exec env DELIST_BENCH_GROUPED=1 setsid bash -c 'echo "$PRIORITY" > /proc/self/autogroup && exec "$0" "$@"' "$PWD/bench/walk.sh" "$@"
fi

RUNS="${RUNS:-3}"
YARA_RUNS="${YARA_RUNS:-1}"
FILES="${FILES:-200000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

need() { # binary debian-package
  command -v "$1" >/dev/null 2>&1 && return
  echo "installing $2 ..." >&2
  if ! { apt-get install -y -q "$2" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null 2>&1; }; }; then
    echo "cannot install $2: install it (apt-get install $2) and run again" >&2
    exit 2
  fi
}
need fdfind fd-find
need yara yara
[ -x /usr/bin/time ] || need /usr/bin/time time

target_dir="$(bench_target_dir)"
if [ -n "${DELIST:-}" ]; then
  delist="$DELIST"   # another build to compare, e.g. one of an earlier commit
else
  echo "building release ..." >&2
  cargo build --release -q -p delist-cli
  delist="$target_dir/release/delist"
fi
gen="$target_dir/bench-walk/tree"
TREES="${TREES:-/usr $gen}"

# ---------------------------------------------------------------- the generated tree
if [ ! -f "$gen/.complete-v2-$FILES" ]; then
  echo "generating $FILES files under $gen ..." >&2
  rm -rf "$gen"
  mkdir -p "$gen"
  python3 - "$gen" "$FILES" crates/delist-collect/tests/fixtures/files <<'PY'
import base64, os, random, shutil, sys
root, n, fixtures = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(3)
# Real binaries (ELF, some with package notes) and gzip files from this machine, ten jars, and
# the covered fixtures (decoded), mixed into text files of a few hundred bytes to a few KiB.
pool = []
for d in ("/usr/bin", "/usr/share/doc/dpkg"):
    if os.path.isdir(d):
        for f in sorted(os.listdir(d))[:200]:
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) < (4 << 20):
                pool.append(p)
covered = []
for f in sorted(os.listdir(fixtures)):
    if f.endswith(".b64") and not (".trunc" in f or ".flip" in f or f.startswith("bomb")):
        covered.append((f[:-4], base64.b64decode(open(os.path.join(fixtures, f)).read())))
# A few archives too (each jar costs a sniff per member): ten, not thousands.
jars = sorted(os.path.join("/usr/share/java", f) for f in os.listdir("/usr/share/java")
              if f.endswith(".jar") and os.path.isfile(os.path.join("/usr/share/java", f))
              and not os.path.islink(os.path.join("/usr/share/java", f)))[:10] if os.path.isdir("/usr/share/java") else []
words = b"alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n"
per_dir = 1000
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // per_dir // 50), "s%03d" % (i // per_dir))
    if i % per_dir == 0:
        os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "f%06d" % i)
    r = rng.random()
    if i % 20000 == 7 and covered:
        name, data = covered[(i // 20000) % len(covered)]
        open(os.path.join(d, name), "wb").write(data)
    elif i % 20000 == 13 and jars:
        shutil.copyfile(jars[(i // 20000) % len(jars)], p + ".jar")
    elif r < 0.03 and pool:
        shutil.copyfile(pool[rng.randrange(len(pool))], p)
    else:
        open(p, "wb").write(words * rng.randint(1, 60))
PY
  touch "$gen/.complete-v2-$FILES"
fi

cat >"$work/vendors.yar" <<'YAR'
rule covered_vendor_names {
  strings:
    $kaspersky = "Kaspersky" nocase
    $hikvision = "Hikvision" nocase
    $huawei = "Huawei" nocase
    $zte = "ZTE Corporation" nocase
    $dahua = "Dahua" nocase
    $bytedance = "ByteDance" nocase
  condition:
    any of them
}
YAR

ratio() { python3 -c "print(f'{$1 / max($2, 0.001):.1f}')"; }

# Unreadable files under /usr make find, fd and yara exit non-zero after a whole walk: still a
# timing. 126 and above mean the command did not run at all.
BENCH_MAX_RC=125
summary=()
printf '%-22s %-8s %10s %10s %12s\n' tree tool seconds "peak MB" files
for tree in $TREES; do
  label=$tree
  [ "$tree" = "$gen" ] && label="generated ($FILES)"
  files=$(find "$tree" -type f 2>/dev/null | wc -l)
  # Warm the page cache and the dentry cache once, for every tool alike.
  "$delist" scan "dir:$tree" -q --fail-on never -o json >/dev/null 2>&1 || true
  read -r t_find m_find < <(best_of "$RUNS" find "$tree" -type f)
  read -r t_fd m_fd < <(best_of "$RUNS" fdfind -t f -u -j "$(nproc)" . "$tree")
  read -r t_delist m_delist < <(best_of "$RUNS" "$delist" scan "dir:$tree" -q --fail-on never -o "json=$work/report.json")
  likely=$(python3 -c "import json; r=json.load(open('$work/report.json')); print(sum(1 for f in r['findings'] if f['confidence'] in ('likely','confirmed')), r['summary']['artifacts'], r['summary']['errors'])")
  read -r t_yara m_yara < <(best_of "$YARA_RUNS" yara -r -N -p "$(nproc)" "$work/vendors.yar" "$tree")
  for row in "find $t_find $m_find" "fd $t_fd $m_fd" "yara $t_yara $m_yara" "delist $t_delist $m_delist"; do
    read -r tool t m <<<"$row"
    printf '%-22s %-8s %10s %10s %12s\n' "$label" "$tool" "$t" "$((m / 1024))" "$files"
  done
  read -r n_likely n_artifacts n_errors <<<"$likely"
  echo "  delist: $n_artifacts artifacts, $n_errors errors, $n_likely findings at likely or above"
  vs_find=$(ratio "$t_delist" "$t_find")
  vs_fd=$(ratio "$t_delist" "$t_fd")
  yara_x=$(ratio "$t_yara" "$t_delist")
  echo "  delist / find = ${vs_find}x   delist / fd = ${vs_fd}x   yara / delist = ${yara_x}x   delist peak $((m_delist / 1024)) MB"
  if [ "$tree" = /usr ]; then
    ok() { python3 -c "import sys; sys.exit(0 if $1 else 1)" && echo PASS || echo FAIL; }
    summary+=("/usr: delist <= 2x find: $(ok "$vs_find <= 2") (${vs_find}x)")
    summary+=("/usr: delist >= 10x faster than yara: $(ok "$yara_x >= 10") (${yara_x}x)")
    summary+=("/usr: delist under 200 MB: $(ok "$m_delist < 200 * 1024") ($((m_delist / 1024)) MB)")
    summary+=("/usr: no finding at likely or above: $(ok "$n_likely == 0") ($n_likely)")
  fi
done
echo
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); RUNS=$RUNS (best of), yara RUNS=$YARA_RUNS"
for s in "${summary[@]}"; do echo "$s"; done
