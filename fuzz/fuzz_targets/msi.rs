#![no_main]
//! MSI packages: the compound-file reader (FAT/DIFAT/mini FAT chains, directory trees), the
//! string pool and the Property table never panic, never hang (chain and tree cycles) and never
//! allocate from an unchecked size. Seed the corpus with tests/fixtures/msi/*.msi.
use delist_collect::files::msi::{Msi, StringPool, cfb, properties};
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz.msi", target: "fuzz", depth: 0 };
    let _ = Msi.inspect(&Bytes(data), place);
    let file = Bytes(data);
    if let Ok(mut c) = cfb::Cfb::open(&file) {
        for (_, i) in c.root_streams() {
            let _ = c.read_stream(i, 1 << 20);
        }
    }
    // The string pool and a Property table from the two halves of the input.
    let (a, b) = data.split_at(data.len() / 2);
    if let Ok(pool) = StringPool::new(a.to_vec(), b.to_vec()) {
        let _ = properties(&pool, b);
        let _ = properties(&pool, a);
    }
});
