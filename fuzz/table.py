#!/usr/bin/env python3
"""The per-target table of fuzz/README.md from plateau.py rows (campaign.sh's results.tsv).

Usage: fuzz/table.py [--quiet SECONDS] RESULTS.tsv...

Rows of one target from several files (sessions) add up: runs, executions and seconds are sums;
cov, ft and corpus are the last run's. A target is at a plateau when its last run went on for at
least --quiet seconds (default 240) after its coverage last grew. An artifact (crash, hang,
out-of-memory input) counts as fixed when it is in regressions/TARGET/, which the tests replay.
"""
import argparse
import os
import sys

REGRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regressions")


def artifact(target, name):
    short = name[:name.index("-") + 9] + "…" if "-" in name else name
    fixed = os.path.exists(os.path.join(REGRESSIONS, target, name + ".b64"))
    return f"`{short}` {'fixed' if fixed else '**open**'}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quiet", type=int, default=240)
    ap.add_argument("results", nargs="+")
    a = ap.parse_args()
    rows = {}
    for path in a.results:
        with open(path) as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 7:
                    rows.setdefault(cols[0], []).append(cols)
    print("| target | runs | executions | seconds | cov (edges) | ft | corpus "
          "| last run: s / cov last grew at s | plateau | crashes / hangs / OOM |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    at = 0
    for t in sorted(rows):
        rs = rows[t]
        execs = sum(int(r[1]) for r in rs)
        secs = sum(int(r[2]) for r in rs)
        last = rs[-1]
        grew = int(last[7]) if len(last) > 7 else None
        plateau = grew is not None and int(last[2]) - grew >= a.quiet
        at += plateau
        found = ", ".join(artifact(t, x) for r in rs for x in r[6].split() if x != "-") or "none"
        print(f"| `{t}` | {len(rs)} | {execs:,} | {secs:,} | {last[3]} | {last[4]} | {last[5]} "
              f"| {last[2]} / {'—' if grew is None else grew} | {'yes' if plateau else '**no**'} | {found} |")
    print(f"{at} of {len(rows)} targets at a plateau (no new coverage for {a.quiet} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
