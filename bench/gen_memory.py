#!/usr/bin/env python3
"""Writes the large inputs bench/memory.sh measures, from the repository's fixtures.

Usage: gen_memory.py OUT_DIR SCALE     (SCALE 1 = the default sizes below; 10 = ten times more)

Each input repeats the records of a real fixture (made by the real tool, see each fixtures
README) with varied names, addresses and MACs, so that delist reads realistic records, many of
them: a dpkg status file, an apk database, a pacman local database, an rpm SQLite database
(the fixture's header blobs re-inserted), a CSV inventory, an nmap XML report, a dhcpd.leases
file, a zip and a tar of many members, a PE with a large overlay (its whole image is hashed for
the Authenticode check), offline roots with many snaps, flatpaks, Homebrew formulae, Chrome
extensions, macOS receipts and launchd jobs, kernel modules and systemd units, a trust-store
bundle, lspci and lshw exports, and an operator's catalog and policy (bench data: a fictional
vendor). Existing outputs are kept (delete OUT_DIR, or one input's folder, to regenerate).
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


def clone(src_rel, dst, subs):
    """Copies the fixture subtree src_rel to dst (symlinks kept as links), replacing each
    (old, new) of subs in file names and in the text of every file that decodes as UTF-8."""
    src = os.path.join(FX, src_rel)
    for base, dirs, files in os.walk(src):
        rel = os.path.relpath(base, src)
        for old, new in subs:
            rel = rel.replace(old, new)
        d = os.path.normpath(os.path.join(dst, rel))
        os.makedirs(d, exist_ok=True)
        for name in dirs + files:
            s = os.path.join(base, name)
            for old, new in subs:
                name = name.replace(old, new)
            t = os.path.join(d, name)
            if os.path.islink(s):
                os.symlink(os.readlink(s), t)
            elif os.path.isfile(s):
                with open(s, "rb") as f:
                    b = f.read()
                try:
                    text = b.decode()
                    for old, new in subs:
                        text = text.replace(old, new)
                    b = text.encode()
                except UnicodeDecodeError:
                    pass
                with open(t, "wb") as f:
                    f.write(b)


# snap: 20,000 installed snaps in state.json, each with its mounted snap.yaml: the kesl fixture's
# as parallel instances (`kesl_1`, …), so that each is the covered package.
if p := target("snap/var/lib/snapd/state.json"):
    root = os.path.join(out, "snap")
    snaps = {}
    for i in range(n(20_000)):
        clone("snap/root/snap/kesl", os.path.join(root, "snap", f"kesl_{i}"), [])
        snaps[f"kesl_{i}"] = {"type": "app", "active": True, "current": "15", "channel": "latest/stable",
                       "instance-key": str(i),
                       "sequence": [{"name": "kesl", "snap-id": "Kx3Lq0ZrYbTnWm4Vc8Pd2Hs7Ja9Ee1Ff",
                                     "revision": "15", "channel": "stable", "title": "Kaspersky Endpoint Security",
                                     "links": {"website": ["https://www.kaspersky.com/"]}}]}
    # The store's assertions, which name each snap's publisher.
    clone("snap/root/var/lib/snapd/assertions", os.path.join(root, "var/lib/snapd/assertions"), [])
    import json
    with open(p, "w") as f:
        json.dump({"data": {"seeded": True, "snaps": snaps}, "changes": {}, "tasks": {}}, f)

# flatpak: 5,000 system-wide apps (the Hikvision fixture app, renamed).
if p := target("flatpak/var/lib/flatpak/.generated"):
    for i in range(n(5_000)):
        app = f"com.hikvision.iVMS{i}"
        clone("flatpak/root/var/lib/flatpak/app/com.hikvision.iVMS4200",
              os.path.join(out, "flatpak/var/lib/flatpak/app", app), [("com.hikvision.iVMS4200", app)])
    open(p, "w").close()

# homebrew: 20,000 formulae in the Cellar (the camctl fixture's receipt and formula, renamed).
if p := target("homebrew/opt/homebrew/.generated"):
    for i in range(n(20_000)):
        name = f"camctl{i}"
        clone("homebrew/root/opt/homebrew/Cellar/camctl", os.path.join(out, "homebrew/opt/homebrew/Cellar", name),
              [("camctl", name)])
    open(p, "w").close()

# Browser extensions: 9,999 Chrome extensions in one profile, under the 10,000 entries a folder
# may list (the fixture's Kaspersky Protection extension under new ids: 32 letters a-p, as
# Chrome's ids are).
if p := target("browser/.generated"):
    ext = os.path.join(out, "browser/home/ana/.config/google-chrome/Default/Extensions")
    src = "browser/covered/home/ana/.config/google-chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm"
    for i in range(n(9_999)):
        xid = "".join("abcdefghijklmnop"[(i >> (4 * k)) & 15] for k in range(32))
        clone(src, os.path.join(ext, xid), [])
    open(p, "w").close()

# macOS: 20,000 installer receipts and 5,000 launchd daemons (the Kaspersky fixtures', renamed).
if p := target("macos/private/var/db/receipts/.generated"):
    rec = fixture("macos/covered/private/var/db/receipts/com.kaspersky.kav.core.plist", "rb")
    bom = fixture("macos/covered/private/var/db/receipts/com.kaspersky.kav.core.bom", "rb")
    job = fixture("macos/covered/Library/LaunchDaemons/com.kaspersky.kav.plist", "rb")
    d = os.path.dirname(p)
    for i in range(n(20_000)):
        name = f"com.kaspersky.kav.core{i}"
        with open(os.path.join(d, name + ".plist"), "wb") as f:
            f.write(rec.replace(b"com.kaspersky.kav.core", name.encode()))
        with open(os.path.join(d, name + ".bom"), "wb") as f:
            f.write(bom)
    jobs = os.path.join(out, "macos/Library/LaunchDaemons")
    os.makedirs(jobs)
    for i in range(n(5_000)):
        with open(os.path.join(jobs, f"com.kaspersky.kav{i}.plist"), "wb") as f:
            f.write(job)  # a binary plist: its offsets forbid renaming inside
    open(p, "w").close()



def der_len(b, at):
    """The length of the DER element at `at` and where its content starts."""
    n0 = b[at + 1]
    if n0 < 0x80:
        return n0, at + 2
    k = n0 & 0x7F
    return int.from_bytes(b[at + 2:at + 2 + k], "big"), at + 2 + k


def with_serial(der, i):
    """The certificate with the last bytes of its serial number set to i: a distinct
    certificate (fingerprint) of the same shape; its signature no longer verifies, which a trust
    store reader does not check."""
    b = bytearray(der)
    _, tbs = der_len(b, 0)  # Certificate SEQUENCE
    _, at = der_len(b, tbs)  # TBSCertificate SEQUENCE
    if b[at] == 0xA0:  # [0] version
        ln, c = der_len(b, at)
        at = c + ln
    ln, c = der_len(b, at)  # serialNumber INTEGER
    k = min(ln - 1, 4)
    b[c + ln - k:c + ln] = (i & ((1 << (8 * k)) - 1)).to_bytes(k, "big")
    return bytes(b)


# Trust store: a PEM bundle of 10,000 distinct certificates (the cap per file): the fixture
# bundle's certificates with new serial numbers.
if p := target("truststore/etc/ssl/certs/ca-certificates.crt"):
    import base64
    pems = re.findall(r"-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----",
                      fixture("truststore/covered/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"), flags=re.S)
    ders = [base64.b64decode(x) for x in pems]
    with open(p, "w") as f:
        for i in range(n(10_000)):
            b64 = base64.b64encode(with_serial(ders[i % len(ders)], i)).decode()
            f.write("-----BEGIN CERTIFICATE-----\n")
            f.write("".join(b64[k:k + 64] + "\n" for k in range(0, len(b64), 64)))
            f.write("-----END CERTIFICATE-----\n")

# Kernel modules: 5,000 modules (the cap) under /lib/modules, copies of the fixture's covered one.
if p := target("kmod/lib/modules/6.1.0-fixture/modules.order"):
    ko = fixture("live/root/lib/modules/6.1.0-fixture/updates/dkms/klfixture.ko", "rb")
    d = os.path.join(out, "kmod/lib/modules/6.1.0-fixture/updates/dkms")
    os.makedirs(d)
    with open(p, "w") as order:
        for i in range(n(5_000)):
            with open(os.path.join(d, f"klfixture{i}.ko"), "wb") as f:
                f.write(ko)
            order.write(f"updates/dkms/klfixture{i}.ko\n")

# Hardware descriptions (`inventory:`): lspci -vmm with 200,000 device records, and an lshw JSON
# tree of 99,000 nodes (under its 100,000-node cap), from the fixtures of this machine.
if p := target("hardware/lspci-vmm.txt"):
    recs = stanzas(fixture("hardware/lspci-vmm-this-machine.txt"), r"\n\n+")
    with open(p, "w") as f:
        for i in range(n(200_000)):
            slot = f"{(i >> 13) & 255:02x}:{(i >> 3) & 31:02x}.{i & 7}"
            f.write(re.sub(r"^Slot:\t.*$", f"Slot:\t{slot}", recs[i % len(recs)], count=1, flags=re.M).strip() + "\n\n")
if p := target("hardware/lshw.json"):
    import json
    tree = json.loads(fixture("hardware/lshw-this-machine.json"))
    kids = tree.get("children", [])

    def size(node):
        return 1 + sum(size(c) for c in node.get("children", []))

    per = sum(size(c) for c in kids)
    tree["children"] = [kids[j] for _ in range(max(1, n(99_000) // per)) for j in range(len(kids))]
    with open(p, "w") as f:
        json.dump(tree, f)

# An operator's catalog (`--catalog`): one vendor with 100,000 package identifiers and a list
# that bans it; and a policy file (`--policy`) with 10,000 waivers. Bench data, not facts: the
# vendor is fictional and its sources are example.org.
if p := target("catalog/vendors/acme.toml"):
    with open(p, "w") as f:
        f.write('[vendor]\nid = "acme"\nname = "Acme Surveillance Ltd"\naliases = ["Acme"]\nparent = ""\n'
                'country = "ZZ"\nmakes = ["video-surveillance-equipment"]\nequipment = []\nsources = ["https://example.org/acme"]\n')
        for i in range(n(100_000)):
            f.write(f'\n[[identifier]]\nkind = "package"\necosystem = "deb"\nvalue = "acme-agent-{i}"\n'
                    f'sources = ["https://example.org/acme/packages/{i}"]\n')
    os.makedirs(os.path.join(out, "catalog/lists"))
    with open(os.path.join(out, "catalog/lists/acme-ban.toml"), "w") as f:
        f.write('[list]\nid = "acme-ban"\ntitle = "Acme ban"\nauthority = "Bench"\nbinding = true\n'
                'kind = "ban"\nstatus = "in-force"\npublished = 2026-01-01\nsources = ["https://example.org/ban"]\n'
                '\n[[covers]]\nvendor = "acme"\nscope = "all"\n')
if p := target("policy/delist.toml"):
    with open(p, "w") as f:
        f.write('fail_on = "likely"\n')
        for i in range(n(10_000)):
            what = [f'path = "/opt/legacy{i}/**"', f'purl = "pkg:deb/debian/legacy{i}"', 'vendor = "kaspersky"'][i % 3]
            f.write(f'\n[[waiver]]\n{what}\nowner = "secops@example.org"\napprover = "CIO"\n'
                    f'reason = "replacement {i} under way"\nexpires = 2027-06-30\n')

# systemd: 20,000 service units (the cap) in /etc/systemd/system, the fixture's kesl unit renamed.
if p := target("systemd/etc/systemd/system/kesl0.service"):
    unit = fixture("live/root/etc/systemd/system/kesl.service")
    d = os.path.dirname(p)
    for i in range(n(20_000)):
        with open(os.path.join(d, f"kesl{i}.service"), "w") as f:
            f.write(unit)
