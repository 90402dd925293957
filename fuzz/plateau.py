#!/usr/bin/env python3
"""Runs one fuzz target until its coverage stops growing, then prints one table row.

Usage: fuzz/plateau.py TARGET CORPUS_DIR [--quiet SECONDS] [--max SECONDS] [--bin DIR] [--extra=-FLAG=V]

Runs the already built libFuzzer binary (`cargo +nightly fuzz build`, binaries in
$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/) niced, one job, one worker, with a 2 GB RSS
limit and a 10 s per-input timeout, and stops it when libFuzzer's `cov:` has not grown for
--quiet seconds of the fuzzer's own CPU time (default 120) or after --max seconds of wall time
(default 300). Quiet time is CPU time so that a plateau cannot come from starvation: the fuzzer
runs at the lowest priority, and while a build beside it takes the cores it gets almost none.
Crashes, timeouts and out-of-memory inputs land in CORPUS_DIR/../artifacts/TARGET/. The row
printed (tab-separated): target, executions, seconds, cov, ft, corpus size, artifacts found,
seconds until cov last grew (both wall time).
Passes fuzz/dicts/TARGET.dict as -dict= when there is one.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

LINE = re.compile(r"^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)")


def cpu_seconds(pgid):
    """User and system CPU time of the processes in process group `pgid` (libFuzzer's parent,
    its `sh -c` and the worker), from /proc/PID/stat; 0 for those that are gone."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                # Fields after the parenthesised command name, which may hold spaces.
                rest = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
        if len(rest) > 12 and int(rest[2]) == pgid:
            total += int(rest[11]) + int(rest[12])
    return total / tick


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("corpus")
    ap.add_argument("--quiet", type=float, default=120)
    ap.add_argument("--max", type=float, default=300)
    ap.add_argument("--extra", action="append", default=[], help="one more libFuzzer flag, e.g. --extra=-max_len=16384")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                  "x86_64-unknown-linux-gnu/release"))
    a = ap.parse_args()
    exe = os.path.join(a.bin, a.target)
    if not os.access(exe, os.X_OK):
        sys.exit(f"plateau.py: {exe}: no built target (cargo +nightly fuzz build, or --bin DIR)")
    corpus = os.path.abspath(a.corpus)
    base = os.path.dirname(corpus.rstrip("/"))
    art = os.path.join(base, "artifacts", a.target)
    work = os.path.join(base, "work", a.target)
    os.makedirs(art, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "fuzz-0.log")
    if os.path.exists(log):
        os.remove(log)
    before = set(os.listdir(art))
    cmd = ["nice", "-n", "19", exe, corpus,
           "-jobs=1", "-workers=1", "-rss_limit_mb=2048", "-timeout=10",
           f"-max_total_time={int(a.max) + 5}", "-print_final_stats=1", f"-artifact_prefix={art}/"] + a.extra
    # The target's dictionary (fuzz/dicts.py writes them) when it has one.
    dic = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dicts", a.target + ".dict")
    if os.path.exists(dic):
        cmd.append(f"-dict={dic}")
    start = time.time()
    p = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    # A new session is a new scheduler autogroup, at nice 0 whatever `nice` says: lower it too,
    # so that the developer's build beside a campaign is not slowed by it.
    try:
        with open(f"/proc/{p.pid}/autogroup", "w") as f:
            f.write("19")
    except OSError:
        pass
    best = (0, 0, 0, 0)
    grew = start
    grew_cpu = 0.0
    pos = 0
    try:
        while p.poll() is None:
            time.sleep(2)
            grew_now = False
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    f.seek(pos)
                    chunk = f.read()
                    pos = f.tell()
                for line in chunk.splitlines():
                    m = LINE.match(line)
                    if m:
                        execs, cov, ft, corp = map(int, m.groups())
                        grew_now |= cov > best[1]
                        best = (execs, max(cov, best[1]), ft, corp)
            # One /proc scan a poll: loading a corpus logs hundreds of growing lines at once.
            cpu = cpu_seconds(p.pid)
            now = time.time()
            if grew_now:
                grew, grew_cpu = now, cpu
            if cpu - grew_cpu > a.quiet or now - start > a.max:
                break
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGINT)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    secs = time.time() - start
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    m = re.findall(r"stat::number_of_executed_units: (\d+)", text)
    execs = int(m[-1]) if m else best[0]
    new = sorted(set(os.listdir(art)) - before)
    # The last column: when `cov:` last grew; well before the end, the run plateaued.
    print(f"{a.target}\t{execs}\t{secs:.0f}\t{best[1]}\t{best[2]}\t{best[3]}\t{' '.join(new) or '-'}"
          f"\t{grew - start:.0f}", flush=True)
    if new:
        sys.stderr.write(text[-4000:])


if __name__ == "__main__":
    main()
