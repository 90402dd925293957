#![no_main]
//! xar (`.pkg`): the whole format through a byte-slice file (header, zlib TOC, heap checksum,
//! signatures, Distribution/PackageInfo), and the TOC and identifier parsers on the raw input.
use delist_collect::files::xar::{self, Xar};
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz.pkg", target: "fuzz", depth: 0 };
    if Xar.sniff(data) {
        let _ = Xar.inspect(&Bytes(data), place);
    }
    let _ = xar::parse_toc(data);
    let _ = xar::parse_ids(data, true);
    let _ = xar::parse_ids(data, false);
});
