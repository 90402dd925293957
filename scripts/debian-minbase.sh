#!/usr/bin/env bash
# Builds a clean Debian root (debootstrap --variant=minbase) for the test that a clean system
# gives no finding. Usage: scripts/debian-minbase.sh DIR. Idempotent: a complete root is kept.
# The mirror is the one this machine's apt already uses, so no host is written down here.
set -euo pipefail
dir=${1:?usage: $0 DIR}
[ -f "$dir/.delist-complete" ] && exit 0
command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 1; }
mirror=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -v security | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//' | awk '{print $1}' | grep -m1 debian || true)
[ -n "$mirror" ] || { echo "no Debian mirror in apt's sources" >&2; exit 1; }
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
rm -rf "$dir"
mkdir -p "$dir"
debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
touch "$dir/.delist-complete"
