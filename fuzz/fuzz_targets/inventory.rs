#![no_main]
//! App inventories (CSV/TSV, JSON lines, JSON documents, UTF-8 or UTF-16): any bytes sniff and
//! read to artifacts or errors, never to a panic, with and without `--map`, and as UTF-16.
use delist_collect::Output;
use delist_collect::inventory::{Mapping, read, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    let mut out = Output::default();
    read(data, "/fuzz", "inventory:fuzz", &Mapping::default(), &mut out);
    let map = Mapping { columns: vec![("a".into(), "name".into()), ("b".into(), "id".into())] };
    read(data, "/fuzz", "inventory:fuzz", &map, &mut out);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend_from_slice(data);
    read(&utf16[..], "/fuzz", "inventory:fuzz", &Mapping::default(), &mut out);
});
