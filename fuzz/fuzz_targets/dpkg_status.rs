#![no_main]
//! dpkg status text: parsing and turning stanzas into artifacts never panics.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (stanzas, _) = delist_collect::dpkg::parse(&text);
    for s in &stanzas {
        let _ = delist_collect::dpkg::artifact(s, "/var/lib/dpkg/status", "fuzz");
    }
});
