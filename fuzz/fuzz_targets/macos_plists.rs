#![no_main]
//! macOS records read from property lists (XML or binary): package receipts (new and old),
//! launchd job definitions and the system-extension database. Never panics.
use delist_collect::macos::{kext, launchd, receipts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = receipts::parse_receipt(data);
    let _ = receipts::parse_bundle_receipt(data);
    let _ = launchd::parse_job(data);
    let _ = kext::parse_sysext_db(data);
});
