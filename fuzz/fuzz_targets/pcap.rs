#![no_main]
//! pcap and pcapng captures, and the DHCP, DNS, SSDP, HTTP, UPnP and TLS readers behind them:
//! never a panic, never an allocation from an unchecked length. Seed the corpus with
//! crates/delist-collect/tests/fixtures/network/capture.pcap and capture.pcapng.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = delist_collect::network::pcap::parse(data);
    let mut o = delist_collect::network::Observed::default();
    delist_collect::network::pcap::http_response(data, &mut o);
    delist_collect::network::pcap::upnp_description(data, &mut o);
    delist_collect::network::pcap::tls_certificate(data, &mut o);
});
