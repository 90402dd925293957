//! Hardware parsers: dmidecode dumps and SMBIOS entries, lshw JSON, lspci -vmm, /proc/cpuinfo.
#![no_main]

use delist_collect::Output;
use delist_collect::hardware::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Output::default();
    for f in [Format::DmiDump, Format::LshwJson, Format::LspciVmm] {
        hardware::read(data, f, "/f", "fuzz", &mut out);
    }
    let _ = hardware::smbios::parse_entry(data);
    let _ = hardware::smbios::structures(data);
    let _ = hardware::cpuinfo::parse(&String::from_utf8_lossy(data));
    let _ = hardware::sniff(data);
});
