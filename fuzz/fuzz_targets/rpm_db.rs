#![no_main]
//! rpm databases: the header decoder and the three database readers never panic, never hang and
//! never allocate from an unchecked size, whatever the bytes. Every reader sees every input, so
//! one corpus exercises all of them; `sniff` + `read_any` covers the dispatch too.
use delist_collect::rpm::{parse_header, read_any, read_bdb, read_ndb, read_sqlite, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_header(data);
    let (packages, errors) = read_bdb(data);
    consume(&packages, &errors);
    let (packages, errors) = read_ndb(data);
    consume(&packages, &errors);
    // SQLite copies the input: keep the in-memory database small enough for fuzzing speed.
    if data.len() <= 1 << 20 {
        let (packages, errors) = read_sqlite(data);
        consume(&packages, &errors);
    }
    if sniff(data).is_some() {
        let (packages, errors) = read_any(data);
        consume(&packages, &errors);
    }
});

/// Formats every error (Display must not panic either) and touches every field.
fn consume(packages: &[delist_collect::rpm::RpmPackage], errors: &[delist_collect::rpm::RpmError]) {
    for p in packages {
        let _ = (
            p.name.len(),
            p.epoch,
            p.version.len(),
            p.release.len(),
            p.vendor.as_deref(),
        );
    }
    for e in errors {
        let _ = e.to_string();
    }
}
