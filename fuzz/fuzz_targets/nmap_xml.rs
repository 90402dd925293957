#![no_main]
//! nmap XML: the reader never panics and never nests past its depth cap. Seed the corpus with
//! crates/delist-collect/tests/fixtures/network/nmap-loopback.xml.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = delist_collect::network::nmap::parse(data);
});
