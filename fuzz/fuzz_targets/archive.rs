#![no_main]
//! Archives (zip, tar, tar.gz/xz/zst, nested): the central directory and tar walks, the
//! decompressors and the bomb checks never panic, never hang and never allocate from an
//! unchecked size; whatever a member claims, the caps hold.
use delist_collect::files::archive::Archive;
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
    let _ = Archive.sniff(data);
    match Archive.inspect_parts(&Bytes(data), place) {
        Ok(ins) => {
            for (path, error) in ins.errors {
                let _ = (path.len(), error.len());
            }
        }
        Err(e) => {
            let _ = e.len();
        }
    }
});
