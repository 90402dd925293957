#!/usr/bin/env bash
# Registry benchmark (issue 4): `delist inventory` of a Windows-shaped root whose SOFTWARE hive
# holds ENTRIES Uninstall entries in each view and CERTS certificates in AuthRoot, written by
# hivexsh the same way as the fixtures (under the cargo target directory, `bench-windows/`,
# regenerated only when missing). Prints the hive's size, delist's wall time (best of RUNS) and
# peak memory, and the artifact count.
#
#   bench/windows.sh              ENTRIES=2000 CERTS=400 RUNS=3 by default (hivex never reuses freed cells: the hive grows
#                                 with the square of ENTRIES, 3 GiB at 20000)
#   PROFILE=debug bench/windows.sh   time the debug build instead (no release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ENTRIES="${ENTRIES:-2000}"
CERTS="${CERTS:-400}"
RUNS="${RUNS:-3}"
PROFILE="${PROFILE:-release}"
command -v hivexsh >/dev/null || { echo "needs hivexsh (apt-get install libhivex-bin)" >&2; exit 2; }

echo "building $PROFILE ..." >&2
if [ "$PROFILE" = release ]; then cargo build --release -q -p delist-cli; else cargo build -q -p delist-cli; fi
target_dir="$(bench_target_dir)"
delist="$target_dir/$PROFILE/delist"
root="$target_dir/bench-windows/root-$ENTRIES-$CERTS"
fixtures=crates/delist-collect/tests/fixtures/windows

if [ ! -f "$root/.complete" ]; then
  echo "writing a SOFTWARE hive with $ENTRIES x 2 programs and $CERTS certificates ..." >&2
  rm -rf "$root"
  mkdir -p "$root/Windows/System32/config"
  hive="$root/Windows/System32/config/SOFTWARE"
  python3 "$fixtures/mkhive.py" "$hive" SOFTWARE
  cp "$fixtures/covered/Windows/System32/config/SYSTEM" "$root/Windows/System32/config/SYSTEM"
  python3 - "$ENTRIES" "$CERTS" "$fixtures/certs/example-root.der" <<'PY' | hivexsh -w "$hive"
import struct, sys
n, certs, der = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
for view in ("Microsoft", "WOW6432Node"):
    print("cd \\ ")
    if view == "WOW6432Node":
        print("add WOW6432Node\ncd WOW6432Node\nadd Microsoft")
    else:
        print("add Microsoft")
    print("cd Microsoft\nadd Windows\ncd Windows\nadd CurrentVersion\ncd CurrentVersion\nadd Uninstall\ncd Uninstall")
    for i in range(n):
        k = "{%08X-0000-4000-8000-%012X}" % (i, i)
        print(f"add {k}\ncd {k}\nsetval 5")
        print(f"DisplayName\nstring:Example Product {i}\nPublisher\nstring:Example Vendor {i % 97} Inc.")
        print(f"DisplayVersion\nstring:1.{i}.0\nInstallLocation\nstring:C:\\Program Files\\Example\\{i}\\")
        print(f"UninstallString\nstring:MsiExec.exe /X{k}\ncd ..")
print("cd \\ \ncd Microsoft\nadd SystemCertificates\ncd SystemCertificates\nadd AuthRoot\ncd AuthRoot\nadd Certificates\ncd Certificates")
blob = struct.pack("<III", 0x20, 1, len(der)) + der
for i in range(certs):
    k = "%040X" % i
    print(f"add {k}\ncd {k}\nsetval 1\nBlob\nhex:3:" + ",".join("%02x" % b for b in blob) + "\ncd ..")
print("commit")
PY
  touch "$root/.complete"
fi

size=$(stat -c %s "$root/Windows/System32/config/SOFTWARE")
best=""
for _ in $(seq "$RUNS"); do
  out=$( { /usr/bin/time -f '%e %M' "$delist" inventory --no-walk -o json "rootfs:$root" >"$root/../inventory.json"; } 2>&1 | tail -1)
  t=${out% *}; mem=${out#* }
  if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; peak=$mem; fi
done
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["artifacts"]))' "$root/../inventory.json")
echo "SOFTWARE hive: $((size / 1048576)) MiB ($size bytes), $((ENTRIES * 2)) programs, $CERTS certificates (one distinct)"
echo "delist inventory --no-walk: ${best}s (best of $RUNS), peak RSS $((peak / 1024)) MiB, $count artifacts"
