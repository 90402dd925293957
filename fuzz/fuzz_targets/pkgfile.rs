#![no_main]
//! .deb and .rpm package files: the ar walk, control.tar decompression and tar walk, and the rpm
//! lead and headers never panic, never hang and never allocate from an unchecked size.
use delist_collect::files::pkgfile::PkgFile;
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
    let _ = PkgFile.sniff(data);
    if let Ok(artifacts) = PkgFile.inspect(&Bytes(data), place) {
        for a in artifacts {
            let _ = (a.name.len(), a.fields.len());
        }
    }
});
