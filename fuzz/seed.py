#!/usr/bin/env python3
"""Seeds one libFuzzer corpus directory per fuzz target from the repository's test fixtures.

Usage: fuzz/seed.py OUT_DIR   (makes OUT_DIR/<target>/ for every target; existing files are kept)

The fixtures are real files made by real tools (see each fixtures README); starting from them
lets the fuzzer begin inside each format instead of rediscovering its magic numbers. Fixtures
stored base64-encoded (`*.b64`) are decoded; a few inputs are derived (the certificate table cut
out of each signed PE, the members of each APK/IPA and container image) so that the targets fed a
part of a file get that part.
"""
import base64
import glob
import hashlib
import io
import os
import struct
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FX = os.path.join(ROOT, "crates/delist-collect/tests/fixtures")
CLI = os.path.join(ROOT, "crates/delist-cli/tests/fixtures")
MAX = 1 << 20  # bigger seeds slow every execution; the large-input paths are measured by bench/


def files(*patterns):
    for pat in patterns:
        for p in sorted(glob.glob(pat, recursive=True)):
            if os.path.isfile(p) and not p.endswith(("README.md", "make.sh")):
                yield p


def read(p):
    with open(p, "rb") as f:
        data = f.read()
    return base64.b64decode(data) if p.endswith(".b64") else data


def put(out, target, data):
    if not data or len(data) > MAX:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def cert_table(pe):
    """The certificate table (data directory 4) of a PE, or None."""
    try:
        e_lfanew = struct.unpack_from("<I", pe, 0x3C)[0]
        opt = e_lfanew + 24
        magic = struct.unpack_from("<H", pe, opt)[0]
        dirs = opt + (96 if magic == 0x10B else 112)
        off, size = struct.unpack_from("<II", pe, dirs + 4 * 8)
        return pe[off : off + size] if size else None
    except struct.error:
        return None


def zip_members(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(i.filename, z.read(i)) for i in z.infolist() if i.file_size <= MAX]
    except Exception:
        return []


def tar_members(data):
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            return [(m.name, t.extractfile(m).read()) for m in t.getmembers() if m.isfile() and m.size <= MAX]
    except Exception:
        return []


def main(out):
    f = lambda *p: [os.path.join(FX, x) for x in p]  # noqa: E731
    seeds = {
        "pe": f("pe/*.exe"),
        "elf": f("files/hello-*.b64", "files/note32be*.b64", "live/**/*.ko", "macho/bin/*"),
        "macho": f("macho/bin/*", "macho/root/**/MacOS/*", "macos/covered/**/MacOS/*"),
        "plist": f("**/*.plist", "macho/root/**/CodeResources"),
        "macos_plists": f("macos/**/*.plist", "macos/**/*.bom"),
        "android": f("mobile/*.apk", "mobile/*.ipa", "mobile/*.zip"),
        "msi": f("msi/*.msi"),
        "archive": f("files/*.b64", "mobile/plain.zip", "container/*.b64", "browser/**/*.xpi"),
        "pkgfile": f("files/*.deb*.b64", "files/*.rpm*.b64", "files/kesl-control*.b64"),
        "xar": f("macho/pkg/*.pkg", "homebrew/**/*.pkg"),
        "regf": f("windows/**/SYSTEM", "windows/**/SOFTWARE*", "windows/**/NTUSER.DAT", "windows/certs/*.der"),
        "rpm_db": f("rpm/**/*.sqlite", "rpm/ndb/*", "rpm/bdb/*"),
        "dpkg_status": f("dpkg/**/status", "dpkg/**/status.d/*"),
        "package_dbs": f("apk/**/installed", "pacman/**/desc", "snap/**/*.yaml", "snap/**/state.json",
                         "snap/**/active*", "flatpak/**/metadata", "flatpak/**/*.xml", "homebrew/**/*.json",
                         "homebrew/**/*.rb"),
        "sbom": f("sbom/*.json", "sbom/*.xml", "sbom/*.spdx", "sbom/public/*.json", "sbom/public/*.xml"),
        "inventory": f("inventory/**/*.csv", "inventory/**/*.json", "inventory/**/*.log"),
        "feed": [os.path.join(CLI, "screen", x) for x in ("feed*", "gtin.csv")] + f("inventory/*.csv"),
        "nmap_xml": f("network/*.xml"),
        "pcap": f("network/*.pcap*", "network/tls-cert.der"),
        "leases": f("network/*.leases", "network/*.csv"),
        "container": f("container/*.b64"),
        "browser_manifest": f("browser/**/*.json", "browser/**/*.xpi", "browser/**/*.rdf"),
        "live": f("live/**/*.service", "live/proc/modules", "live/**/*.ko", "live/sys/**/*"),
        "pem_bundle": f("truststore/**/*.pem", "truststore/**/*.crt", "truststore/**/*.der", "truststore/**/*.cer",
                        "truststore/**/cacerts"),
        "catalog_toml": [os.path.join(ROOT, "catalog", x) for x in ("vendors/*.toml", "lists/*.toml")]
        + [os.path.join(CLI, x) for x in ("own-catalog/**/*.toml", "screen/user-catalog/**/*.toml")],
        "oui_csv": [],
        "deflate_peek": [],
        "authenticode": f("windows/certs/*.der", "macho/certs/*.der"),
        "hardware": f("hardware/*.bin", "hardware/*.json", "hardware/*.txt", "hardware/proc/**/*"),
        "server_upload": [],
    }
    for target, pats in seeds.items():
        for p in files(*pats):
            put(out, target, read(p))

    # Derived seeds.
    for p in files(*f("pe/*.exe")):
        t = cert_table(read(p))
        if t:
            put(out, "authenticode", t)
            put(out, "authenticode", t[8:])  # the target also wraps its input in one entry
    for p in files(*f("mobile/*.apk", "mobile/*.ipa")):
        for name, data in zip_members(read(p)):
            if name.endswith(("AndroidManifest.xml", ".RSA", ".EC", ".DSA", ".mobileprovision")):
                put(out, "android", data)
            if name.endswith("Info.plist"):
                put(out, "plist", data)
    for p in files(*f("container/*.b64")):
        for name, data in tar_members(read(p)):
            put(out, "container", data)
    for p in files(*f("files/*.zip*.b64", "mobile/plain.zip")):
        data = read(p)
        # Raw deflate streams behind each local header, prefixed with the peek length byte.
        at = 0
        while (at := data.find(b"PK\x03\x04", at)) >= 0 and at + 30 <= len(data):
            method, csize = struct.unpack_from("<H", data, at + 8)[0], struct.unpack_from("<I", data, at + 18)[0]
            nlen, xlen = struct.unpack_from("<HH", data, at + 26)
            body = data[at + 30 + nlen + xlen : at + 30 + nlen + xlen + csize]
            if method == 8:
                put(out, "deflate_peek", b"\x40" + body)
            at += 4
    # rpm headers: the blobs of the fixture SQLite database (what rpmdb stores: no magic), and the
    # headers of the fixture .rpm files with and without their 8-byte magic.
    import sqlite3
    db = sqlite3.connect(f"file:{os.path.join(FX, 'rpm/sqlite/rpmdb.sqlite')}?mode=ro&immutable=1", uri=True)  # writes nothing beside it
    for (blob,) in db.execute("SELECT blob FROM Packages"):
        put(out, "rpm_db", bytes(blob))
    db.close()
    for p in files(*f("files/*.rpm.b64")):
        data = read(p)
        at = data.find(b"\x8e\xad\xe8\x01", 96 + 16)  # the main header, after the signature header
        if at > 0:
            put(out, "rpm_db", data[at:])
            put(out, "rpm_db", data[at + 8 :])
    # Uploads: the inventory of a few fixture trees as `delist inventory` writes it (when a built
    # delist is at hand), each wrapped in the upload envelope; and a hand-made one that always is.
    inventories = []
    exe = next((b for b in (os.path.join(ROOT, "target", p, "delist") for p in ("release", "debug")) if os.path.exists(b)), None)
    if exe:
        import subprocess
        for sub in ("pe", "msi", "macho/bin", "dpkg"):
            r = subprocess.run([exe, "inventory", "-o", "json", f"dir:{os.path.join(FX, sub)}"],
                               capture_output=True, check=False)
            if r.returncode == 0 and r.stdout.startswith(b"{"):
                inventories.append(r.stdout)
    inventories.append(b'{"schema":"delist.inventory/1","tool":{"name":"delist","version":"0"},"targets":[],'
                       b'"artifacts":[{"kind":"deb","name":"kesl","version":"12.0","path":"/var/lib/dpkg/status",'
                       b'"target":"rootfs:/","evidence":{"maintainer":"Kaspersky Lab"}}],"errors":[]}')
    for n, inv in enumerate(inventories):
        put(out, "server_upload", b'{"schema":"delist.upload/1","upload_id":"seed-%d","scanned_at":'
            b'"2026-11-27T10:00:00Z","inventory":' % n + inv.strip() + b"}")
    oui = os.path.join(ROOT, "catalog/oui/ieee.csv")
    if os.path.exists(oui):
        lines = open(oui, "rb").read().splitlines(keepends=True)
        put(out, "oui_csv", b"".join(lines[:200]))
    put(out, "policy_toml", b'lists = ["us-fcc-covered-list"]\nfail_on = "confirmed"\n')
    put(out, "policy_toml",
        b'lists = ["us-fcc-covered-list", "nope"]\nfail_on = "often"\nallow_only = ["kaspersky"]\n'
        b'allow_lists = ["x"]\n\n[[waiver]]\nvendor = "kaspersky"\nowner = "o"\napprover = "a"\n'
        b'reason = "r"\nexpires = 2027-06-30\n\n[[waiver]]\npath = "/opt/**"\nfinding = "f"\nlist = "l"\n'
        b'purl = "pkg:deb/debian/kesl"\nowner = "o"\napprover = "a"\nreason = "r"\nexpires = "2027-01-01"\n')
    for t in sorted(seeds) + ["policy_toml"]:
        print(f"{t}: {len(os.listdir(os.path.join(out, t)))} seeds")


if __name__ == "__main__":
    main(sys.argv[1])
