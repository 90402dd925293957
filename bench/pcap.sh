#!/usr/bin/env bash
# Capture benchmark (issue 6): `delist inventory pcap:FILE` side by side with
# `tshark -T fields -e eth.src -r FILE > /dev/null` over the same generated capture of at least
# 1 GB, in one run. Prints both wall times, delist's peak memory and the ratio.
#
# The capture (bench-pcap/big.pcap under the cargo target directory, regenerated only when
# missing) repeats the fixture capture's packets (DHCP, ARP, SSDP, UPnP description, HTTP, TLS
# certificate, mDNS) with varied source MACs, between 1,254-byte filler frames.
#
# delist decodes every packet to the application layer it reads (DHCP options, DNS records,
# SSDP, HTTP headers, TLS records) and merges devices; tshark here prints one field. tshark is
# slow: TSHARK_BYTES=N times it on the capture's first N bytes only (a prefix cut at a record
# boundary by editcap -c) and says so; by default it reads the whole file.
#
#   bench/pcap.sh                  SIZE=1100000000 by default
#
# Measured 2026-12-05 on the 2-core development machine (shared with other builds), whole file
# for both:
#   capture: big.pcap (1100069528 bytes)
#   delist inventory pcap:      1.68 s   654.9 MB/s  peak 57 MB  20485 devices
#   tshark -e eth.src:        262.81 s     4.2 MB/s  (whole file)
#   ratio tshark/delist:       156.4x
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

SIZE="${SIZE:-1100000000}"
command -v tshark >/dev/null || { echo "needs tshark (apt-get install tshark)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "building release ..." >&2
cargo build --release -q -p delist-cli
target_dir="$(bench_target_dir)"
delist="$target_dir/release/delist"
dir="$target_dir/bench-pcap"
big="$dir/big.pcap"
mkdir -p "$dir"
if [ ! -s "$big" ] || [ "$(stat -c %s "$big")" -lt "$SIZE" ]; then
  echo "generating $big ($SIZE bytes) ..." >&2
  python3 bench/gen_pcap.py crates/delist-collect/tests/fixtures/network/capture.pcap "$big" "$SIZE" >/dev/null
fi
bytes=$(stat -c %s "$big")
cat "$big" > /dev/null # page cache warm for both

t0=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$dir/delist.mem" "$delist" inventory -q -o json="$dir/inventory.json" "pcap:$big"
t1=$(date +%s.%N)
delist_s=$(echo "$t1 - $t0" | bc)
devices=$(python3 -c "import json; print(len(json.load(open('$dir/inventory.json'))['artifacts']))")

tfile="$big"
note="whole file"
if [ -n "${TSHARK_BYTES:-}" ]; then
  editcap -r "$big" "$dir/prefix.pcap" "1-$(( TSHARK_BYTES / 1300 ))" >/dev/null
  tfile="$dir/prefix.pcap"
  note="prefix of $(stat -c %s "$tfile") bytes, scaled to the whole file"
fi
t0=$(date +%s.%N)
tshark -T fields -e eth.src -r "$tfile" > /dev/null 2>&1
t1=$(date +%s.%N)
tshark_s=$(echo "$t1 - $t0" | bc)
if [ "$tfile" != "$big" ]; then
  tshark_s=$(echo "scale=3; $tshark_s * $bytes / $(stat -c %s "$tfile")" | bc)
fi

printf 'capture: %s (%d bytes)\n' "$big" "$bytes"
printf 'delist inventory pcap:  %8.2f s  %6.1f MB/s  peak %d MB  %d devices\n' "$delist_s" "$(echo "$bytes / $delist_s / 1000000" | bc -l)" "$(( $(cat "$dir/delist.mem") / 1024 ))" "$devices"
printf 'tshark -e eth.src:      %8.2f s  %6.1f MB/s  (%s)\n' "$tshark_s" "$(echo "$bytes / $tshark_s / 1000000" | bc -l)" "$note"
printf 'ratio tshark/delist:    %8.1fx\n' "$(echo "$tshark_s / $delist_s" | bc -l)"
