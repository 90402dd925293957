#![no_main]
//! Mach-O: the whole format through a byte-slice file (fat and thin headers, load commands, the
//! code signature with its page-hash check), and the signature's pure parsers on the raw input
//! (SuperBlob, CodeDirectory, BER→DER, CMS SignedData, X.509), so that inputs the headers would
//! never lead to still reach them. Never panics, never hangs, never allocates what the input says.
use delist_collect::files::macho::{self, MachO, cms, codesign};
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
    if macho::sniff(data) {
        let _ = MachO.inspect(&Bytes(data), place);
    }
    if let Ok(sig) = codesign::parse_superblob(data) {
        let _ = sig.best();
        let _ = sig.internal_slots_ok();
    }
    let _ = codesign::parse_code_directory(data, 0);
    let _ = cms::ber_to_der(data);
    let _ = cms::parse_signed_data(data);
    let _ = cms::parse_certificate(data);
});
