#![no_main]
//! Services and live signals: systemd unit files, a kernel module's `.modinfo` (through the ELF
//! section headers), `/proc/modules` and sysfs ids. Never panics, never allocates from an
//! unchecked size. Seed with tests/fixtures/live (units, .ko files, proc/modules).
use delist_collect::live::{devices, modules};
use delist_collect::{kmod, systemd};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = systemd::parse(&text);
    let _ = modules::parse(&text);
    let _ = devices::hex_id(&text);
    if let Ok(info) = kmod::modinfo(data) {
        let _ = kmod::artifact("fuzz.ko", &info, "/fuzz.ko", "fuzz");
    }
});
