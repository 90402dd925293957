#![no_main]
//! PE: the whole format through a byte-slice file (headers, resource tree, version resource,
//! certificate table, image hash), and each of its pure parsers on the raw input, so that
//! inputs the headers would never lead to still reach them. Never panics, never hangs.
use delist_collect::files::pe::{self, Pe};
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz.exe", target: "fuzz", depth: 0 };
    if pe::sniff(data) {
        let _ = Pe.inspect(&Bytes(data), place);
    }
    let _ = pe::version::version_resources(data);
    let _ = pe::version::parse_version_info(data);
    let _ = pe::authenticode::parse_table(data);
});
