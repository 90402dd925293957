#![no_main]
//! DHCP lease files (ISC, dnsmasq, Kea), MAC CSVs and /proc/net/arp: never a panic. Seed the
//! corpus with crates/delist-collect/tests/fixtures/network/*.leases, *.csv.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = delist_collect::network::leases::parse(data);
    let text = String::from_utf8_lossy(data);
    let _ = delist_collect::network::macs::parse(&text);
    let _ = delist_collect::network::neigh::parse(&text);
    let _ = delist_core::Mac::parse(&text);
});
