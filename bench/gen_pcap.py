#!/usr/bin/env python3
"""Writes a pcap of at least SIZE bytes for bench/pcap.sh, fast: the packets of the network
fixture capture (DHCP, ARP, SSDP, HTTP, TLS, mDNS) repeated, each copy with its own source MACs
(the low three octets varied, prefixes kept: covered, uncovered and randomised ones), plus
filler TCP frames of typical size between them.

Usage: gen_pcap.py FIXTURE.pcap OUT.pcap SIZE_BYTES
"""
import struct
import sys

src, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
header, pos, pkts = data[:24], 24, []
while pos + 16 <= len(data):
    ts, us, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
    pkts.append(bytearray(data[pos + 16:pos + 16 + incl]))
    pos += 16 + incl
# A filler frame: Ethernet + IPv4 + TCP with a 1,200-byte payload, between two uncovered hosts.
filler = bytearray(bytes.fromhex("001b213a4b5c" "001b21000001" "0800") + bytes(20 + 20 + 1200))
written = 0
with open(out, "wb") as f:
    f.write(header)
    written += len(header)
    n = 0
    while written < size:
        chunk = bytearray()
        for k in range(64):
            for p in pkts:
                q = bytearray(p)
                # Vary the source MAC's low octets per copy: 4,096 devices per prefix.
                q[9:12] = ((n * 64 + k) % 4096).to_bytes(3, "big")
                for frame in (q, filler):
                    chunk += struct.pack("<IIII", 1764230400 + n, k, len(frame), len(frame)) + frame
        f.write(chunk)
        written += len(chunk)
        n += 1
print(written)
