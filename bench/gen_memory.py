#!/usr/bin/env python3
"""Writes the large inputs bench/memory.sh measures, from the repository's fixtures.

Usage: gen_memory.py OUT_DIR SCALE     (SCALE 1 = the default sizes below; 10 = ten times more)

Each input repeats the records of a real fixture (made by the real tool, see each fixtures
README) with varied names, addresses and MACs, so that delist reads realistic records, many of
them: a dpkg status file, an apk database, a pacman local database, an rpm SQLite database
(the fixture's header blobs re-inserted), a CSV inventory, an nmap XML report, a dhcpd.leases
file, a zip and a tar of many members, and a PE with a large overlay (its whole image is
hashed for the Authenticode check). Existing outputs are kept (delete OUT_DIR to regenerate).
"""
import io
import os
import re
import shutil
import sqlite3
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FX = os.path.join(ROOT, "crates/delist-collect/tests/fixtures")
out, scale = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0


def n(base):
    return max(1, int(base * scale))


def fixture(rel, mode="r"):
    with open(os.path.join(FX, rel), mode) as f:
        return f.read()


def target(rel):
    p = os.path.join(out, rel)
    if os.path.exists(p):
        return None
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def stanzas(text, sep):
    return [s for s in re.split(sep, text) if s.strip()]


# dpkg: every stanza of the fixture status file, renamed, 200,000 stanzas.
if p := target("dpkg/var/lib/dpkg/status"):
    st = stanzas(fixture("dpkg/root/var/lib/dpkg/status"), r"\n\n+")
    with open(p, "w") as f:
        for i in range(n(200_000)):
            s = st[i % len(st)]
            f.write(re.sub(r"^Package: (.*)$", rf"Package: \1-{i}", s, count=1, flags=re.M).strip() + "\n\n")

# apk: 200,000 records.
if p := target("apk/lib/apk/db/installed"):
    recs = stanzas(fixture("apk/root/lib/apk/db/installed"), r"\n\n+")
    with open(p, "w") as f:
        for i in range(n(200_000)):
            f.write(re.sub(r"^P:(.*)$", rf"P:\1-{i}", recs[i % len(recs)], count=1, flags=re.M).strip() + "\n\n")

# pacman: 20,000 package directories (one desc each).
if p := target("pacman/var/lib/pacman/local/ALPM_DB_VERSION"):
    with open(p, "w") as f:
        f.write("9\n")
    local = os.path.dirname(p)
    src = os.path.join(FX, "pacman/root/var/lib/pacman/local")
    descs = [fixture(os.path.join("pacman/root/var/lib/pacman/local", d, "desc")) for d in sorted(os.listdir(src))
             if os.path.isdir(os.path.join(src, d))]
    for i in range(n(20_000)):
        d = descs[i % len(descs)]
        name = re.search(r"%NAME%\n(.*)\n", d).group(1) + f"-{i}"
        ver = re.search(r"%VERSION%\n(.*)\n", d).group(1)
        os.makedirs(os.path.join(local, f"{name}-{ver}"))
        with open(os.path.join(local, f"{name}-{ver}", "desc"), "w") as f:
            f.write(re.sub(r"%NAME%\n.*\n", f"%NAME%\n{name}\n", d, count=1))

# rpm: the fixture SQLite database with its header blobs re-inserted to 50,000 packages.
if p := target("rpm/var/lib/rpm/rpmdb.sqlite"):
    shutil.copy(os.path.join(FX, "rpm/sqlite/rpmdb.sqlite"), p)
    db = sqlite3.connect(p)
    blobs = [r[0] for r in db.execute("SELECT blob FROM Packages")]
    want = n(50_000) - len(blobs)
    db.executemany("INSERT INTO Packages (blob) VALUES (?)", ((blobs[i % len(blobs)],) for i in range(want)))
    db.commit()
    db.close()

# Inventory: the Intune raw export's rows, 1,000,000 of them.
if p := target("inventory/intune-appinvrawdata.csv"):
    lines = fixture("inventory/intune-appinvrawdata.csv").splitlines()
    with open(p, "w") as f:
        f.write(lines[0] + "\n")
        rows = lines[1:]
        for i in range(n(1_000_000)):
            f.write(rows[i % len(rows)].replace('","', f'{i % 9}","', 1) + "\n")

# nmap: the fixture report's hosts, 65,536 of them with their own addresses.
if p := target("nmap/scan.xml"):
    x = fixture("network/nmap-loopback.xml")
    hosts = re.findall(r"<host[ >].*?</host>", x, flags=re.S)
    head, tail = x[: x.index(hosts[0])], x[x.rindex(hosts[-1]) + len(hosts[-1]):]
    with open(p, "w") as f:
        f.write(head)
        for i in range(n(65_536)):
            h = hosts[i % len(hosts)]
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            h = re.sub(r'addr="127\.[0-9.]+" addrtype="ipv4"', f'addr="{ip}" addrtype="ipv4"', h)
            f.write(h + "\n")
        f.write(tail)

# DHCP: the dhcpd.leases fixture's leases, 200,000 of them with their own IPs and MACs.
if p := target("leases/dhcpd.leases"):
    x = fixture("network/dhcpd.leases")
    leases = re.findall(r"lease [0-9.]+ \{.*?\n\}\n", x, flags=re.S)
    with open(p, "w") as f:
        f.write(x[: x.index(leases[0])])
        for i in range(n(200_000)):
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            mac_tail = f"{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"
            le = re.sub(r"^lease [0-9.]+", f"lease {ip}", leases[i % len(leases)])
            le = re.sub(r"(hardware ethernet ([0-9a-f]{2}:){3})([0-9a-f]{2}:){2}[0-9a-f]{2}", rf"\g<1>{mac_tail}", le)
            f.write(le)

# Archives: a zip and a tar of 100,000 small members each (the walk's entry cap).
if p := target("archives/many.zip"):
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n(100_000)):
            z.writestr(f"dir{i // 1000}/file{i}.txt", f"member {i}\n")
if p := target("archives/many.tar"):
    with tarfile.open(p, "w") as t:
        for i in range(n(100_000)):
            data = f"member {i}\n".encode()
            info = tarfile.TarInfo(f"dir{i // 1000}/file{i}.txt")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))

# PE: the signed fixture with 256 MiB of zeros inserted before its certificate table (the table's
# directory entry moved past them): the Authenticode image hash reads all of it, in chunks. The
# digest no longer matches (delist reports that); what is measured is reading and hashing.
if p := target("pe/big.exe"):
    import struct
    pe = bytearray(fixture("pe/kaspersky-signed.exe", "rb"))
    opt = struct.unpack_from("<I", pe, 0x3C)[0] + 24
    entry = opt + (96 if struct.unpack_from("<H", pe, opt)[0] == 0x10B else 112) + 4 * 8
    off = struct.unpack_from("<I", pe, entry)[0]
    pad = n(256) << 20
    struct.pack_into("<I", pe, entry, off + pad)
    with open(p, "wb") as f:
        f.write(pe[:off])
        chunk = bytes(1 << 20)
        for _ in range(pad >> 20):
            f.write(chunk)
        f.write(pe[off:])
