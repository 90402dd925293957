#![no_main]
//! Property lists: binary (`bplist00`, with its offset table, references, counts and cycles)
//! and XML, and the Info.plist bundle keys. Never panics, never hangs, never recurses past its
//! depth cap or expands a shared object past its budget.
use delist_collect::files::plist;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = plist::parse(data);
    let _ = plist::parse_binary(data);
    let _ = plist::parse_xml(data);
    let _ = plist::bundle_info(data);
    let _ = plist::base64_decode(&String::from_utf8_lossy(data));
});
